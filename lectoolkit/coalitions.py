"""Coalitions as integer bitmasks, and the seed-001 combination order.

A coalition of ``n`` members is an integer whose bit ``i`` says whether member ``i``
belongs to it. Dense arrays of coalition worths have length ``2**n`` and are indexed
by that integer (``worths[0]`` is the empty coalition). Seed 001 lists the worths of
the non-empty coalitions in :func:`itertools.combinations` order instead (all
singletons, then all pairs in lexicographic order, ..., the grand coalition); the
converters here map between the two orders.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

MAX_DENSE_PLAYERS = 40
"""Largest ``n`` for which a dense ``2**n`` array is even considered."""


def coalition_mask(members) -> int:
    """Bitmask of a coalition given as an iterable of member positions.

    Examples
    --------
    >>> coalition_mask([0, 2])
    5
    """
    mask = 0
    for i in members:
        i = int(i)
        if i < 0:
            raise ValueError(f"members: position {i} is negative")
        mask |= 1 << i
    return mask


def coalition_members(mask: int) -> list[int]:
    """Member positions of a coalition bitmask, ascending.

    Examples
    --------
    >>> coalition_members(5)
    [0, 2]
    """
    if mask < 0:
        raise ValueError(f"mask: {mask} is negative")
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


def popcounts(n_players: int) -> np.ndarray:
    """Coalition sizes ``|S|`` for every bitmask ``S`` in ``0 .. 2**n - 1`` (uint8).

    Examples
    --------
    >>> popcounts(3).tolist()
    [0, 1, 1, 2, 1, 2, 2, 3]
    """
    n = check_n_players(n_players)
    sizes = np.zeros(1, dtype=np.uint8)
    for _ in range(n):
        sizes = np.concatenate([sizes, sizes + 1])
    return sizes


def check_n_players(n_players, limit: int = MAX_DENSE_PLAYERS) -> int:
    """Validate a player count for dense enumeration and return it as ``int``."""
    n = int(n_players)
    if n != n_players or n < 1:
        raise ValueError(f"n_players: expected a positive integer, got {n_players!r}")
    if n > limit:
        raise ValueError(f"n_players: {n} is too many for dense enumeration (limit {limit})")
    return n


def member_series(values, players, name: str | None = None) -> pd.Series:
    """Per-player values as a Series indexed by ``players`` (index name ``member``).

    Raises
    ------
    ValueError
        If the number of labels differs from the number of values.

    Examples
    --------
    >>> member_series([1.0, 2.0], ["a", "b"]).to_dict()
    {'a': 1.0, 'b': 2.0}
    """
    players = list(players)
    if len(players) != len(values):
        raise ValueError(f"players: expected {len(values)} labels, got {len(players)}")
    return pd.Series(values, index=pd.Index(players, name="member"), name=name)


def n_players_of(worths) -> int:
    """Number of players ``n`` of a dense worth array of length ``2**n``."""
    size = len(worths)
    n = size.bit_length() - 1
    if size < 2 or size != 1 << n:
        raise ValueError(
            f"worths: length {size} is not 2**n for some n >= 1 "
            "(a dense worth array holds one entry per coalition, empty set first)"
        )
    return n


def combination_order_masks(n_players: int) -> np.ndarray:
    """Bitmasks of the non-empty coalitions in :func:`itertools.combinations` order.

    Examples
    --------
    >>> combination_order_masks(3).tolist()
    [1, 2, 4, 3, 5, 6, 7]
    """
    n = check_n_players(n_players, limit=30)
    masks = [
        coalition_mask(members)
        for size in range(1, n + 1)
        for members in combinations(range(n), size)
    ]
    return np.asarray(masks, dtype=np.int64)


def from_combination_order(values, n_players: int) -> np.ndarray:
    """Dense bitmask-indexed worths from a seed-001 characteristic vector.

    Parameters
    ----------
    values : array_like, shape (2**n - 1,)
        Worths of the non-empty coalitions in combinations order [money].
    n_players : int
        Number of players ``n``.

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        ``worths[mask]``, with ``worths[0] = 0``.

    Examples
    --------
    >>> from_combination_order([0.77, 0.51, 1.04], 2).tolist()
    [0.0, 0.77, 0.51, 1.04]
    """
    masks = combination_order_masks(n_players)
    values = np.asarray(values, dtype=float)
    if values.shape != masks.shape:
        raise ValueError(
            f"values: expected {masks.size} worths (2**{n_players} - 1 non-empty coalitions), "
            f"got shape {values.shape}"
        )
    worths = np.zeros(1 << int(n_players))
    worths[masks] = values
    return worths


def to_combination_order(worths) -> np.ndarray:
    """Seed-001 characteristic vector (combinations order) from dense worths.

    Examples
    --------
    >>> to_combination_order([0.0, 0.77, 0.51, 1.04]).tolist()
    [0.77, 0.51, 1.04]
    """
    worths = np.asarray(worths, dtype=float)
    n = n_players_of(worths)
    return worths[combination_order_masks(n)]


def subset_sums(values) -> np.ndarray:
    """Sum of ``values`` over the members of every coalition, bitmask-indexed.

    Built by doubling (``O(2**n)`` rows): the coalitions that contain member ``i`` are
    those below ``2**i`` plus ``values[i]``.

    Parameters
    ----------
    values : array_like, shape (n,) or (n, k)
        One number (or one row of ``k`` numbers) per member, e.g. energy [kWh].

    Returns
    -------
    numpy.ndarray, shape (2**n,) or (2**n, k)
        ``sums[S] = sum_{i in S} values[i]``.

    Examples
    --------
    >>> subset_sums([1.0, 10.0, 100.0]).tolist()
    [0.0, 1.0, 10.0, 11.0, 100.0, 101.0, 110.0, 111.0]
    """
    values = np.asarray(values, dtype=float)
    if values.ndim not in (1, 2):
        raise ValueError(f"values: expected a 1-D or 2-D array, got shape {values.shape}")
    check_n_players(values.shape[0])
    if not np.all(np.isfinite(values)):
        raise ValueError("values: contains NaN or infinite values")
    sums = np.zeros((1 << values.shape[0],) + values.shape[1:])
    for i, row in enumerate(values):
        half = 1 << i
        np.add(sums[:half], row, out=sums[half: 2 * half])
    return sums
