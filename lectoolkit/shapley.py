"""Exact Shapley values of transferable-utility games given as dense worth arrays."""

from __future__ import annotations

from math import lgamma

import numba
import numpy as np
import pandas as pd

from lectoolkit.coalitions import n_players_of


def shapley_weights(n_players: int) -> np.ndarray:
    """Shapley weights ``w(k) = k!(n-k-1)!/n!`` for ``k = 0 .. n-1``.

    Computed through log-gamma so they stay finite for large ``n``.

    Examples
    --------
    >>> shapley_weights(3).round(6).tolist()
    [0.333333, 0.166667, 0.333333]
    """
    n = int(n_players)
    return np.array(
        [np.exp(lgamma(k + 1) + lgamma(n - k) - lgamma(n + 1)) for k in range(n)]
    )


def validate_worths(worths) -> np.ndarray:
    """Check a dense worth array and return it as contiguous float64.

    Raises
    ------
    ValueError
        If the length is not a power of two, a worth is NaN or infinite, or
        ``worths[0]`` (the empty coalition) is not zero.
    """
    arr = np.ascontiguousarray(np.asarray(worths, dtype=np.float64))
    if arr.ndim != 1:
        raise ValueError(f"worths: expected a 1-D array, got shape {arr.shape}")
    n_players_of(arr)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"worths: coalition {first} has a non-finite worth ({arr[first]})")
    if arr[0] != 0.0:
        raise ValueError(f"worths: the empty coalition must be worth 0, got worths[0] = {arr[0]}")
    return arr


@numba.njit(cache=True)
def _shapley_dense_kernel(worths, weights):
    size = worths.shape[0]
    n = weights.shape[0]
    phi = np.zeros(n)
    for mask in range(1, size):
        size_s = 0
        m = mask
        while m:
            m &= m - 1
            size_s += 1
        v = worths[mask]
        w_in = weights[size_s - 1] * v
        w_out = weights[size_s] * v if size_s < n else 0.0
        for i in range(n):
            if mask >> i & 1:
                phi[i] += w_in
            else:
                phi[i] -= w_out
    return phi


def shapley_values(worths, players=None):
    """Exact Shapley value of a game given by its dense worth array.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        ``worths[S]`` is the worth ``v(S)`` of the coalition with bitmask ``S``
        [money]; ``worths[0]`` must be 0.
    players : sequence of hashable, optional
        Player labels; when given (or when ``worths`` carries none), the result is a
        :class:`pandas.Series` indexed by them.

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        ``phi_i`` [money]; sums to ``v(N)`` (efficiency).

    Notes
    -----
    ``phi_i = sum_{S ∋ i} w(|S|-1) v(S) - sum_{S ∌ i} w(|S|) v(S)`` with
    ``w(k) = k!(n-k-1)!/n!``: one pass over the ``2**n`` worths, ``O(n 2**n)`` time
    (Shapley, 1953).

    Examples
    --------
    The two-prosumer example of seed 001, v(1) = 0.77, v(2) = 0.51, v(12) = 1.04:

    >>> shapley_values([0.0, 0.77, 0.51, 1.04]).round(2).tolist()
    [0.65, 0.39]
    """
    arr = validate_worths(worths)
    n = n_players_of(arr)
    phi = _shapley_dense_kernel(arr, shapley_weights(n))
    if players is None:
        return phi
    players = list(players)
    if len(players) != n:
        raise ValueError(f"players: expected {n} labels, got {len(players)}")
    return pd.Series(phi, index=pd.Index(players, name="member"), name="shapley")
