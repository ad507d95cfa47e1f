"""Coalitions as integer bitmasks, and the seed-001 combination order.

A coalition of ``n`` members is an integer whose bit ``i`` says whether member ``i``
belongs to it. Dense arrays of coalition worths have length ``2**n`` and are indexed
by that integer (``worths[0]`` is the empty coalition). Seed 001 lists the worths of
the non-empty coalitions in :func:`itertools.combinations` order instead (all
singletons, then all pairs in lexicographic order, ..., the grand coalition); the
converters here map between the two orders.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd

from lectoolkit import _limits, _validate


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


def check_n_players(n_players, limit: int | None = None, name: str = "n_players") -> int:
    """Validate a player count for dense enumeration and return it as ``int``.

    Raises
    ------
    TypeError
        If ``n_players`` is not an integer (a bool, a string, ``None`` ...).
    ValueError
        If it is below 1 or above ``limit`` (default
        :data:`lectoolkit._limits.MAX_DENSE_PLAYERS`); the message starts with ``name``.
    """
    n = _validate.integer(n_players, name, minimum=1)
    limit = _limits.MAX_DENSE_PLAYERS if limit is None else limit
    if n > limit:
        raise ValueError(f"{name}: {n} is too many for dense enumeration (limit {limit})")
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


_COLUMN_BITS = 6
"""Members ``0 .. 5`` index the columns of the blocked combination-order permutation."""

_TILE = 1024
"""Side of the tiles of the cache-blocked transposition [entries]."""


def _transpose(table: np.ndarray) -> np.ndarray:
    """Contiguous transpose of a 2-D table, copied tile by tile (cache-blocked)."""
    n_rows, n_columns = table.shape
    out = np.empty((n_columns, n_rows), dtype=table.dtype)
    for r in range(0, n_rows, _TILE):
        for c in range(0, n_columns, _TILE):
            out[c: c + _TILE, r: r + _TILE] = table[r: r + _TILE, c: c + _TILE].T
    return out


def _combination_layout(n: int) -> tuple[int, np.ndarray, list[tuple[int, int, int]]]:
    """The combination order of ``n`` members as a row order, a transposition and chunks.

    Write a coalition ``S = H * 2**c + L``, with ``L`` its members among the first
    ``c`` and ``H`` the others (``h = n - c`` bits). Lexicographic order of member
    lists looks at member 0 first, so among the coalitions of one size ``k`` it sorts
    by ``L`` (lexicographically) and then by ``H`` (in the combination order of the
    ``H`` of size ``k - |L|``). Hence: view a bitmask-indexed array as a
    ``(2**h, 2**c)`` table, put its rows in (size, lexicographic) order of ``H``,
    transpose, and read one contiguous chunk per (size ``k``, pattern ``L``). Every
    step streams through memory; nothing jumps at random over the ``2**n`` entries.

    Returns ``(c, rows, chunks)``: ``rows`` the ``H`` in (size, lexicographic) order and
    ``chunks`` the ``(L, start, stop)`` slices of the transposed table that list the
    non-empty coalitions in combination order.
    """
    low = max(1, min(n // 2, _COLUMN_BITS))
    high = n - low
    rows = np.zeros(1, dtype=np.int64)
    if high:
        rows = np.concatenate([rows, combination_order_masks(high)])
    starts = np.cumsum([0] + [comb(high, j) for j in range(high + 1)]).tolist()
    # the patterns L in lexicographic order of their members: bit-reversed, descending
    patterns = [int(f"{p:0{low}b}"[::-1], 2) for p in range((1 << low) - 1, -1, -1)]
    chunks = []
    for k in range(1, n + 1):
        for pattern in patterns:
            size_high = k - pattern.bit_count()
            if 0 <= size_high <= high:
                chunks.append((pattern, starts[size_high], starts[size_high + 1]))
    return low, rows, chunks


def _gather_combination_order(table: np.ndarray, n: int) -> np.ndarray:
    """Entries ``1 .. 2**n - 1`` of a bitmask-indexed array, in combination order."""
    low, rows, chunks = _combination_layout(n)
    columns = _transpose(table.reshape(-1, 1 << low)[rows])
    out = np.empty(table.size - 1, dtype=table.dtype)
    at = 0
    for pattern, start, stop in chunks:
        out[at: at + stop - start] = columns[pattern, start:stop]
        at += stop - start
    return out


def _scatter_combination_order(values: np.ndarray, n: int) -> np.ndarray:
    """Bitmask-indexed array (entry 0 set to 0) from values in combination order."""
    low, rows, chunks = _combination_layout(n)
    columns = np.empty((1 << low, 1 << (n - low)), dtype=values.dtype)
    columns[0, 0] = 0
    at = 0
    for pattern, start, stop in chunks:
        columns[pattern, start:stop] = values[at: at + stop - start]
        at += stop - start
    ordered_rows = _transpose(columns)
    del columns  # keep the peak at two tables
    table = np.empty_like(ordered_rows)
    table[rows] = ordered_rows
    return table.ravel()


def combination_order_masks(n_players: int) -> np.ndarray:
    """Bitmasks of the non-empty coalitions in :func:`itertools.combinations` order.

    Computed without a Python loop over coalitions (see :func:`_combination_layout`):
    ``O(2**n)`` time in streaming numpy steps, int64, two tables of ``2**n`` entries
    at the peak.

    Raises
    ------
    TypeError, ValueError
        If ``n_players`` is not an integer in ``1 .. 30``.

    Examples
    --------
    >>> combination_order_masks(3).tolist()
    [1, 2, 4, 3, 5, 6, 7]
    """
    n = check_n_players(n_players, limit=_limits.MAX_COMBINATION_PLAYERS)
    return _gather_combination_order(np.arange(1 << n, dtype=np.int64), n)


def from_combination_order(values, n_players: int) -> np.ndarray:
    """Dense bitmask-indexed worths from a seed-001 characteristic vector.

    Parameters
    ----------
    values : array_like, shape (2**n_players - 1,)
        Finite worths of the non-empty coalitions in combinations order (all
        singletons, then all pairs in lexicographic order, ..., the grand coalition)
        [money]; any sign.
    n_players : int
        Number of players ``n``, ``1 <= n <= 30``.

    Returns
    -------
    numpy.ndarray, shape (2**n_players,)
        ``worths[mask]``, with ``worths[0] = 0``.

    Raises
    ------
    TypeError
        If ``n_players`` is not an integer, or ``values`` is not numeric (strings,
        booleans, ``None``, a DataFrame).
    ValueError
        If ``n_players`` is out of range, or ``values`` is not a 1-D vector of
        ``2**n_players - 1`` finite numbers. The length is checked before any
        coalition is enumerated.

    Examples
    --------
    >>> from_combination_order([0.77, 0.51, 1.04], 2).tolist()
    [0.0, 0.77, 0.51, 1.04]
    """
    n = check_n_players(n_players, limit=_limits.MAX_COMBINATION_PLAYERS)
    arr, _ = _validate.vector(values, "values", unit="money")
    size = (1 << n) - 1
    if arr.size != size:
        raise ValueError(
            f"values: expected {size} worths (2**n_players - 1 non-empty coalitions for "
            f"n_players = {n}), got {arr.size}"
        )
    return _scatter_combination_order(arr, n)


def to_combination_order(worths) -> np.ndarray:
    """Seed-001 characteristic vector (combinations order) from dense worths.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        Finite bitmask-indexed worths [money], ``worths[0] = 0`` (the empty
        coalition), ``1 <= n <= 30``.

    Returns
    -------
    numpy.ndarray, shape (2**n - 1,)
        Worths of the non-empty coalitions in :func:`itertools.combinations` order.

    Raises
    ------
    TypeError
        If ``worths`` is not numeric (strings, booleans, ``None``, a DataFrame).
    ValueError
        If ``worths`` is not a 1-D vector of finite numbers whose length is ``2**n``
        for some ``1 <= n <= 30``, or ``worths[0]`` is not 0.

    Examples
    --------
    >>> to_combination_order([0.0, 0.77, 0.51, 1.04]).tolist()
    [0.77, 0.51, 1.04]
    """
    arr, _ = _validate.vector(worths, "worths", unit="money")
    n = n_players_of(arr)
    if n > _limits.MAX_COMBINATION_PLAYERS:
        raise ValueError(
            f"worths: {arr.size} = 2**{n} coalitions is beyond the converter's limit of "
            f"2**{_limits.MAX_COMBINATION_PLAYERS}"
        )
    if arr[0] != 0.0:
        raise ValueError(f"worths: the empty coalition must be worth 0, got worths[0] = {arr[0]}")
    return _gather_combination_order(arr, n)


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
        ``sums[S] = sum_{i in S} values[i]``; a sum beyond the float64 range comes
        out as ``inf`` or ``-inf`` (or NaN when both occur), without a warning: callers
        decide whether that is an error (:func:`lectoolkit._validate.finite_result`)
        or a valid limit.

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
    with np.errstate(over="ignore", invalid="ignore"):
        for i, row in enumerate(values):
            half = 1 << i
            np.add(sums[:half], row, out=sums[half: 2 * half])
    return sums
