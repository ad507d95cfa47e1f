"""Shapley values: exact on dense worth arrays, settlement games, and sampling.

Three routes to the Shapley value of a transferable-utility game:

* :func:`shapley_values` -- exact, from a dense array of the ``2**n`` coalition worths
  (bitmask order, see :mod:`lectoolkit.coalitions`) in ``O(2**n)`` time and no memory
  beyond the array (parallel numba kernel).
* :func:`settlement_game_worths` / :func:`settlement_game_shapley` -- the savings game of
  a community settled on its summed net load, all ``2**n`` worths by a Gray-code walk.
* :func:`shapley_sampled` / :func:`settlement_game_shapley_sampled` -- Monte Carlo over
  random permutations (antithetic pairs by default) with a standard error per player,
  for games far beyond dense enumeration (a :class:`ShapleyEstimate`);
  :func:`sampling_error_table` measures that error against the exact value.

One quantity comes back as pandas if and only if pandas went in (a Shapley value is an
array for arrays, a Series indexed by ``member`` for pandas inputs); an estimate and its
standard errors come back together as a :class:`ShapleyEstimate` of two Series.

Dense routes check the memory they need against the machine's free memory first and
raise :class:`DenseGameTooLargeError` (pointing to the sampling routes) when it does not
fit.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd

from lectoolkit import _limits, _validate
from lectoolkit.coalitions import member_series, popcounts

_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}
"""Float flags of the reduction kernels: reassociation lets LLVM vectorise sums."""

_BLOCK_BITS = 12
"""Dense kernel: coalitions are processed in blocks of ``2**_BLOCK_BITS`` (32 KiB)."""

_N_CHUNKS = 64
"""Dense kernel: fixed number of work chunks, so results do not depend on thread count."""

_SAMPLE_BUFFER = 1 << 23
"""Sampling: at most this many numbers in one batch (membership cells or marginals)."""

_SHIFT_MIN, _SHIFT_MAX = -1000, 960
"""Dense kernel: the worths are scaled by ``2**-shift``, ``shift`` in this range, so
that weights times worths stay normal floats (weights are above ``2**-50``)."""

_SETTLEMENT_ARGS = "net_load_kwh, price_buy_per_kwh and price_sell_per_kwh"
"""The arguments a settlement game's result depends on (named when it overflows)."""


class DenseGameTooLargeError(MemoryError):
    """A dense ``2**n`` computation would need more memory than the machine has free."""


def free_memory_bytes() -> int:
    """Physical memory available to a new allocation on this machine [byte].

    On Linux the kernel's estimate ``MemAvailable`` (free memory plus reclaimable page
    cache, ``/proc/meminfo``); elsewhere the free pages reported by :func:`os.sysconf`
    (``SC_AVPHYS_PAGES``), or half the physical memory where even that is missing.

    Returns
    -------
    int
        Bytes that can be allocated without swapping [byte].

    Examples
    --------
    >>> free_memory_bytes() > 0
    True
    """
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    page = os.sysconf("SC_PAGE_SIZE")
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * page
    except (ValueError, OSError):
        return int(os.sysconf("SC_PHYS_PAGES")) * page // 2


def max_dense_players(memory_bytes: float | None = None) -> int:
    """Largest ``n`` whose dense worth array (``2**n`` float64) fits in memory.

    Parameters
    ----------
    memory_bytes : float, optional
        Memory available, a finite number >= 0 [byte]; by default
        :func:`free_memory_bytes`.

    Returns
    -------
    int
        ``max n`` with ``8 * 2**n <= memory_bytes`` (0 if not even one player fits).

    Raises
    ------
    TypeError
        If ``memory_bytes`` is not a real number (a bool, a string, ...).
    ValueError
        If ``memory_bytes`` is NaN, infinite or negative.

    Examples
    --------
    >>> max_dense_players(2**30)  # 1 GiB holds 2**27 float64 worths
    27
    """
    if memory_bytes is None:
        budget = free_memory_bytes()
    else:
        budget = _validate.nonnegative(memory_bytes, "memory_bytes", unit="byte")
    n = 0
    while 8.0 * 2.0 ** (n + 1) <= budget:
        n += 1
    return n


def _require_memory(n_bytes: int, what: str) -> None:
    """Raise :class:`DenseGameTooLargeError` if ``n_bytes`` exceed the free memory."""
    free = free_memory_bytes()
    if n_bytes > free:
        raise DenseGameTooLargeError(
            f"{what} needs {n_bytes / 2**30:.1f} GiB but only {free / 2**30:.1f} GiB of "
            "memory is free; estimate the Shapley value by sampling permutations instead "
            "(lectoolkit.shapley_sampled or lectoolkit.settlement_game_shapley_sampled)"
        )


def shapley_weights(n_players: int) -> np.ndarray:
    """Shapley weights ``w(k) = k!(n-k-1)!/n!`` for ``k = 0 .. n-1``.

    Computed through log-gamma so they stay finite for large ``n``.

    Parameters
    ----------
    n_players : int
        Number of players ``n``.

    Returns
    -------
    numpy.ndarray, shape (n,)
        ``w(k)``: the probability that a given player finds exactly a given set of
        ``k`` others before it in a uniformly random order [-].

    Examples
    --------
    >>> shapley_weights(3).round(6).tolist()
    [0.333333, 0.166667, 0.333333]
    """
    n = _validate.integer(n_players, "n_players", minimum=1)
    return np.array(
        [np.exp(math.lgamma(k + 1) + math.lgamma(n - k) - math.lgamma(n + 1)) for k in range(n)]
    )


def _dense_game(worths, min_players: int) -> tuple[np.ndarray, int, float]:
    """Checked dense worths: ``(float64 C-contiguous array, n, max |worth|)``.

    :func:`lectoolkit._validate.dense_worths`, after checking that an array needing a
    float64 copy fits in memory: a game too large for that raises
    :class:`DenseGameTooLargeError`, which points to the sampling routes.
    """
    if (isinstance(worths, np.ndarray) and worths.dtype.kind in "iuf"
            and (worths.dtype != np.float64 or not worths.flags.c_contiguous)):
        _require_memory(8 * worths.size, f"converting worths ({worths.size} values) to float64")
    return _validate.dense_worths(worths, min_players=min_players)


def validate_worths(worths, *, min_players: int = 1) -> np.ndarray:
    """Check a dense worth array and return it as contiguous float64.

    A float64 C-contiguous array is returned as is (no copy); anything else is
    converted once, after checking that the copy fits in memory. Arrays above
    ``2**16`` worths are scanned for NaN/inf in parallel.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        ``v(S)`` in bitmask order [money]; numeric (not boolean), ``worths[0] = 0``.
    min_players : int, default 1
        Smallest game accepted.

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        The worths as float64.

    Raises
    ------
    TypeError
        If ``worths`` is not an array of numbers (None, a string, a DataFrame, an array
        of booleans, strings or objects).
    ValueError
        If ``worths`` is not 1-D, its length is not ``2**n`` with ``n >= min_players``, a
        worth is NaN or infinite, or ``worths[0]`` (the empty coalition) is not zero,
        or converting to float64 would need more memory than is free.
    """
    return _validate.dense_worths(worths, min_players=min_players)[0]


@numba.njit(cache=True, fastmath=_FASTMATH)
def _dense_fold_chunk(worths, w_member, w_outsider, local_size, first_block, stop_block, acc):
    """Fold blocks ``first_block .. stop_block-1`` of the worths into ``acc``.

    ``w_member[k] = w(k-1) + w(k)`` and ``w_outsider[k] = w(k)`` for a coalition of size
    ``k`` (``w(-1) = w(n) = 0``); ``acc[j]`` collects ``c(S)`` over the coalitions
    containing ``j`` and ``acc[n]`` collects ``b(S)`` (see :func:`shapley_values`).
    """
    n = w_outsider.shape[0] - 1
    block = local_size.shape[0]
    bits = local_size[block - 1]  # block = 2**bits; its last coalition has all bits set
    buf = np.empty(block)
    for blk in range(first_block, stop_block):
        base = blk << bits
        high_size = 0
        rest = blk
        while rest:
            rest &= rest - 1
            high_size += 1
        outsider_sum = 0.0
        for low in range(block):
            k = high_size + local_size[low]
            value = worths[base + low]
            buf[low] = w_member[k] * value
            outsider_sum += w_outsider[k] * value
        # fold the block one bit at a time: the upper half holds the coalitions
        # containing the top remaining bit; adding it onto the lower half drops that bit
        half = block >> 1
        bit = bits - 1
        while half:
            upper = 0.0
            for low in range(half):
                upper += buf[half + low]
                buf[low] += buf[half + low]
            acc[bit] += upper
            half >>= 1
            bit -= 1
        for high_bit in range(bits, n):
            if blk >> (high_bit - bits) & 1:
                acc[high_bit] += buf[0]
        acc[n] += outsider_sum


@numba.njit(cache=True, parallel=True)
def _shapley_dense_parallel(worths, w_member, w_outsider, local_size, partial):
    """:func:`_dense_fold_chunk` over ``len(partial)`` chunks of blocks, in parallel."""
    n_chunks = partial.shape[0]
    n_blocks = worths.shape[0] // local_size.shape[0]
    for chunk in numba.prange(n_chunks):
        _dense_fold_chunk(worths, w_member, w_outsider, local_size,
                          chunk * n_blocks // n_chunks, (chunk + 1) * n_blocks // n_chunks,
                          partial[chunk])


@numba.njit(cache=True)
def _shapley_dense_serial(worths, w_member, w_outsider, local_size, partial):
    """:func:`_shapley_dense_parallel` on one thread (same chunks, same result)."""
    n_chunks = partial.shape[0]
    n_blocks = worths.shape[0] // local_size.shape[0]
    for chunk in range(n_chunks):
        _dense_fold_chunk(worths, w_member, w_outsider, local_size,
                          chunk * n_blocks // n_chunks, (chunk + 1) * n_blocks // n_chunks,
                          partial[chunk])


def _shapley_dense(worths: np.ndarray, n: int, shift: int = 0) -> np.ndarray:
    """Exact Shapley value of validated dense worths divided by ``2**shift``.

    The weights are scaled instead of the worths (exact: a power of two); see
    :func:`shapley_values`.
    """
    w = np.zeros(n + 2)  # w[k + 1] = w(k) for k = -1 .. n
    w[1 : n + 1] = np.ldexp(shapley_weights(n), -shift)
    bits = min(n, _BLOCK_BITS)
    local_size = popcounts(bits).astype(np.int64)
    partial = np.zeros((min(1 << (n - bits), _N_CHUNKS), n + 1))
    parallel = _limits.run_parallel(worths.size, _limits.PARALLEL_MIN_WORTHS)
    kernel = _shapley_dense_parallel if parallel else _shapley_dense_serial
    kernel(worths, w[: n + 1] + w[1:], w[1:], local_size, partial)
    totals = partial.sum(axis=0)
    return totals[:n] - totals[n]


def shapley_values(worths, players=None):
    """Exact Shapley value of a game given by its dense worth array.

    Parameters
    ----------
    worths : array_like, shape (2**n,)
        ``worths[S]`` is the worth ``v(S)`` of the coalition with bitmask ``S``
        [money]; ``worths[0]`` must be 0.
        A :class:`pandas.Series` (indexed by bitmask) gives a Series result.
    players : sequence of hashable, optional
        ``n`` distinct player labels (a list, tuple, range, array or Index, not a
        string or a set); when given, the result is a :class:`pandas.Series` indexed
        by them (index name ``member``).

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n,)
        ``phi_i`` [money]; sums to ``v(N)`` (efficiency). A Series named ``shapley``
        when ``worths`` is a Series or ``players`` is given (indexed by ``players``,
        else ``0 .. n-1``, index name ``member``), else an array.

    Raises
    ------
    TypeError
        ``worths`` not numeric (see :func:`validate_worths`), ``players`` not a
        sequence of hashable labels.
    ValueError
        Bad ``worths`` (see :func:`validate_worths`), ``players`` of the wrong length
        or with a repeated label.
    lectoolkit.ResultRangeError
        If a Shapley value leaves the range of float64 (worths near ``1.8e308``).
    DenseGameTooLargeError
        If ``worths`` must be converted to float64 and the copy does not fit in memory.

    Notes
    -----
    With ``w(k) = k!(n-k-1)!/n!`` (Shapley, 1953),

    ``phi_i = sum_{S ∋ i} w(|S|-1) v(S) - sum_{S ∌ i} w(|S|) v(S)
    = sum_{S ∋ i} c(S) - B``,

    where ``c(S) = (w(|S|-1) + w(|S|)) v(S)`` and ``B = sum_S w(|S|) v(S)``. The ``n``
    sums of ``c`` over the coalitions containing each player are obtained by folding:
    the upper half of an array indexed by bitmask holds the coalitions containing the
    top bit; adding it onto the lower half removes that bit, and the recursion on the
    lower half gives the next bit. The array is processed in blocks of ``2**12``
    coalitions (folded in a 32 KiB buffer; the bits above the block add the block's
    total), in 64 chunks run in parallel (on one thread up to ``2**16`` coalitions), so
    the time is ``O(2**n)`` and the memory beyond ``worths`` is a 32 KiB buffer per
    chunk plus ``64 (n + 1)`` partial sums. Sums are accumulated per block and per
    chunk, which keeps the rounding error near ``1e-13 max|v|``; the chunks do not
    depend on the number of threads, so neither does the result. The weights are
    divided by the power of two nearest ``max|v|`` (found in the same pass that checks
    the worths for NaN/inf), an exact scaling that keeps worths near the ends of the
    float64 range (``1e308``, subnormal) from overflowing or underflowing in the sums.

    References
    ----------
    .. [1] L. S. Shapley, "A value for n-person games", in Contributions to the Theory
       of Games II, Princeton University Press, 1953, pp. 307-317.
       https://doi.org/10.1515/9781400881970-018

    Examples
    --------
    The two-prosumer example of seed 001, v(1) = 0.77, v(2) = 0.51, v(12) = 1.04:

    >>> shapley_values([0.0, 0.77, 0.51, 1.04]).round(2).tolist()
    [0.65, 0.39]
    >>> shapley_values([0.0, 0.77, 0.51, 1.04], players=["a", "b"]).round(2).to_dict()
    {'a': 0.65, 'b': 0.39}
    """
    arr, n, peak = _dense_game(worths, 1)
    if players is not None:
        players = _validate.labels(players, "players", n)
    elif isinstance(worths, pd.Series):
        players = range(n)
    shift = min(max(_exponent(peak), _SHIFT_MIN), _SHIFT_MAX)
    phi = _scaled(_shapley_dense(arr, n, shift), shift, "Shapley values", "worths")
    return phi if players is None else member_series(phi, players, "shapley")


def _exponent(magnitude: float) -> int:
    """``e`` with ``2**(e-1) <= magnitude < 2**e`` (0 for 0)."""
    return math.frexp(magnitude)[1]


def _scaled(values: np.ndarray, shift: int, what: str, culprits: str) -> np.ndarray:
    """``values * 2**shift`` in place; refuse a result that leaves float64's range.

    Large arrays are checked through their minimum and maximum (no temporary).
    """
    if shift:
        with np.errstate(over="ignore"):
            np.ldexp(values, shift, out=values)
    large = _limits.run_parallel(values.size, _limits.PARALLEL_MIN_WORTHS)
    edges = np.array([values.min(), values.max()]) if large else values
    if not np.isfinite(edges).all():
        _validate.finite_result(edges, what, culprits)
    return values


# ---------------------------------------------------------------------------------------
# Settlement (savings) games over a time series


def _price(price, name: str, net_load_kwh, n_steps: int) -> np.ndarray:
    """A scalar or per-step price [money/kWh] as float64 of shape ``(n_steps,)``.

    A Series is paired with a DataFrame of net loads by label, else by position.
    """
    per_step = isinstance(price, (list, tuple, pd.Series, pd.DataFrame)) or (
        isinstance(price, np.ndarray) and price.ndim > 0
    )
    if not per_step:
        return np.full(n_steps, _validate.number(price, name, unit="money/kWh"))
    if isinstance(price, pd.Series):
        price = _validate.align(net_load_kwh, "net_load_kwh", price, name)
    prices = _validate.vector(price, name, unit="money/kWh", min_size=0)[0]
    if prices.size != n_steps:
        raise ValueError(
            f"{name}: expected a scalar or {n_steps} prices, one per step (row) of "
            f"net_load_kwh, got {prices.size}"
        )
    return prices


def _settlement_inputs(net_load_kwh, price_buy_per_kwh, price_sell_per_kwh):
    """Validate a settlement game; return it scaled to magnitude ~1.

    Returns ``(rows, half_spread, shift, members)``: the member-major net loads and
    the half spread ``(buy - sell) / 2``, each divided by a power of two so that its
    largest magnitude lies in ``[0.5, 1)``, ``shift`` such that the worths of the
    scaled game times ``2**shift`` are those of the game (the game is linear in each,
    and scaling by a power of two is exact), and the member labels (or None).
    """
    load, _, members = _validate.matrix(net_load_kwh, "net_load_kwh", unit="kWh")
    n_steps = load.shape[0]
    buy = _price(price_buy_per_kwh, "price_buy_per_kwh", net_load_kwh, n_steps)
    sell = _price(price_sell_per_kwh, "price_sell_per_kwh", net_load_kwh, n_steps)
    load_shift = _exponent(np.abs(load).max())
    price_shift = _exponent(max(np.abs(buy).max(), np.abs(sell).max()))
    rows = np.ldexp(load.T, -load_shift, order="C")
    half_spread = 0.5 * np.ldexp(buy, -price_shift) - 0.5 * np.ldexp(sell, -price_shift)
    return rows, half_spread, load_shift + price_shift, members


@numba.njit(cache=True, fastmath=_FASTMATH)
def _spread_cost(x, half_spread):
    """``sum_t d_t |x_t|``: the non-linear part of a coalition's bill [money]."""
    acc = 0.0
    for t in range(x.shape[0]):
        acc += half_spread[t] * abs(x[t])
    return acc


@numba.njit(cache=True, parallel=True, fastmath=_FASTMATH)
def _settlement_worths_kernel(rows, half_spread, split_bits):
    """Worths of all coalitions (``n >= 2``) by ``2**split_bits`` Gray-code walks.

    Each walk fixes the top ``split_bits`` members, walks the middle members in Gray
    order with one running sum, and evaluates the four coalitions of the two lowest
    members at every step in the same pass over ``T``.
    """
    n, n_steps = rows.shape
    walk_bits = n - 2 - split_bits
    top = n - split_bits
    alone = np.empty(n)
    for i in range(n):
        alone[i] = _spread_cost(rows[i], half_spread)
    y1 = rows[0]
    y2 = rows[1]
    y3 = rows[0] + rows[1]
    worths = np.empty(1 << n)
    for high in numba.prange(1 << split_bits):
        x = np.zeros(n_steps)
        alone_sum = 0.0
        for i in range(top, n):
            if high >> (i - top) & 1:
                x += rows[i]
                alone_sum += alone[i]
        gray = 0
        for step in range(1 << walk_bits):
            sign = 0.0  # step 0 evaluates the walk's starting coalition: adds 0 * row 0
            member = 0
            if step:
                bit = 0  # the bit that flips between Gray codes step-1 and step
                while not (step >> bit) & 1:
                    bit += 1
                gray ^= 1 << bit
                sign = 1.0 if gray >> bit & 1 else -1.0
                member = bit + 2
                alone_sum += sign * alone[member]
            row = rows[member]
            acc0 = 0.0
            acc1 = 0.0
            acc2 = 0.0
            acc3 = 0.0
            for t in range(n_steps):
                xt = x[t] + sign * row[t]
                x[t] = xt
                dt = half_spread[t]
                acc0 += dt * abs(xt)
                acc1 += dt * abs(xt + y1[t])
                acc2 += dt * abs(xt + y2[t])
                acc3 += dt * abs(xt + y3[t])
            mask = (high << top) | (gray << 2)
            worths[mask] = alone_sum - acc0
            worths[mask | 1] = alone_sum + alone[0] - acc1
            worths[mask | 2] = alone_sum + alone[1] - acc2
            worths[mask | 3] = alone_sum + alone[0] + alone[1] - acc3
    worths[0] = 0.0
    return worths


def settlement_game_worths(net_load_kwh, price_buy_per_kwh, price_sell_per_kwh) -> np.ndarray:
    """Worths of every coalition of the community savings game.

    Parameters
    ----------
    net_load_kwh : array_like or pandas.DataFrame, shape (n_steps, n_members)
        Net load per step and member [kWh] (> 0 import, < 0 export), finite, at least
        one step and one member; a DataFrame has a time index and one column per
        member (unique labels).
    price_buy_per_kwh : float or array_like or pandas.Series, shape (n_steps,)
        Grid purchase price [money/kWh], finite, scalar or per step. A Series is paired
        with a DataFrame of net loads by label (same labels, any order), otherwise by
        position. Any sign is allowed.
    price_sell_per_kwh : float or array_like or pandas.Series, shape (n_steps,)
        Grid sale price [money/kWh], as ``price_buy_per_kwh``. A sale price above the
        purchase price is allowed: pooling then loses money and worths are negative.

    Returns
    -------
    numpy.ndarray, shape (2**n_members,)
        ``v(S)`` [money] in bitmask order (bit ``i`` = member ``i``, i.e. column ``i``);
        ``v(∅) = 0`` and ``v({i}) = 0``.

    Raises
    ------
    TypeError
        If an argument is not numeric (None, a string, booleans, a Series of net
        loads, a DataFrame of prices).
    ValueError
        If ``net_load_kwh`` is not 2-D, is empty, has NaN/inf or repeated labels, or a
        price has NaN/inf, a length other than ``n_steps`` or labels other than those
        of ``net_load_kwh``.
    lectoolkit.ResultRangeError
        If a worth leaves the range of float64 (net loads times prices beyond
        ``1.8e308``).
    DenseGameTooLargeError
        If there are more than 40 members or the ``2**n`` worths do not fit in free
        memory.

    Notes
    -----
    A coalition ``S`` settles its summed net load ``x_S = sum_{i∈S} x_i`` with the grid,
    paying ``cost_S = sum_t [buy_t max(x_S,t, 0) - sell_t max(-x_S,t, 0)]``; its worth
    is the saving ``v(S) = sum_{i∈S} cost_{i} - cost_S`` (SPEC §1.1). Writing
    ``buy max(x,0) - sell max(-x,0) = m x + d |x|`` with ``m = (buy + sell)/2`` and
    ``d = (buy - sell)/2``, the linear part cancels and
    ``v(S) = sum_{i∈S} sum_t d_t |x_i,t| - sum_t d_t |x_S,t|``.

    Coalitions are enumerated in Gray-code order, so each step adds or removes one
    member's series from a running sum of length ``T``: ``O(2**n T)`` time,
    ``O(2**n + n T)`` memory. The mask space is split by its top bits into independent
    walks, one running sum per walk, run in parallel; each step of a walk also
    evaluates the four coalitions of members 0 and 1 in the same branch-free pass.
    The running sums drift by a few ulps over the walk (relative error ~1e-13). Net
    loads and prices are first divided by powers of two (exact) that bring each to
    magnitude ~1, so intermediate sums neither overflow nor underflow; only a worth
    that itself leaves float64's range is refused.

    Examples
    --------
    Two members, one importing 2 kWh and one exporting 1 kWh, buy 0.30, sell 0.10:
    together they import 1 kWh (cost 0.30 instead of 0.60 - 0.10 = 0.50).

    >>> settlement_game_worths([[2.0, -1.0]], 0.30, 0.10).round(4).tolist()
    [0.0, 0.0, 0.0, 0.2]
    """
    rows, half_spread, shift, _ = _settlement_inputs(
        net_load_kwh, price_buy_per_kwh, price_sell_per_kwh
    )
    return _scaled(_settlement_worths(rows, half_spread), shift, "coalition worths",
                   _SETTLEMENT_ARGS)


def _settlement_worths(rows: np.ndarray, half_spread: np.ndarray) -> np.ndarray:
    """Memory check, then :func:`_settlement_worths_kernel` (validated, scaled inputs)."""
    n = rows.shape[0]
    if n > _limits.MAX_DENSE_PLAYERS:
        raise DenseGameTooLargeError(
            f"net_load_kwh: {n} members give 2**{n} coalitions, too many to enumerate; "
            "use lectoolkit.settlement_game_shapley_sampled"
        )
    _require_memory(8 << n, f"the 2**{n} coalition worths")
    if n == 1:
        return np.zeros(2)
    return _settlement_worths_kernel(rows, half_spread, min(n - 2, 6))


def _any_pandas(*values) -> bool:
    """Whether any argument is a pandas object (then the result is pandas too)."""
    return any(isinstance(value, (pd.Series, pd.DataFrame)) for value in values)


def settlement_game_shapley(net_load_kwh, price_buy_per_kwh, price_sell_per_kwh):
    """Exact Shapley value of the community savings game.

    Parameters
    ----------
    net_load_kwh : array_like or pandas.DataFrame, shape (n_steps, n_members)
        Net load per step and member [kWh] (> 0 import, < 0 export); see
        :func:`settlement_game_worths`.
    price_buy_per_kwh : float or array_like or pandas.Series, shape (n_steps,)
        Grid purchase price [money/kWh]; see :func:`settlement_game_worths`.
    price_sell_per_kwh : float or array_like or pandas.Series, shape (n_steps,)
        Grid sale price [money/kWh]; see :func:`settlement_game_worths`.

    Returns
    -------
    numpy.ndarray or pandas.Series, shape (n_members,)
        Each member's fair share of the community's savings [money]; sums to ``v(N)``.
        A Series named ``shapley`` indexed by member (DataFrame columns, else
        ``0 .. n-1``; index name ``member``) when an argument is a pandas object,
        else an array.

    Raises
    ------
    TypeError, ValueError, lectoolkit.ResultRangeError, DenseGameTooLargeError
        As :func:`settlement_game_worths` (a Shapley value that leaves float64's range
        raises ``ResultRangeError`` too).

    Notes
    -----
    :func:`settlement_game_worths` followed by :func:`shapley_values`; see there.

    Examples
    --------
    >>> net = pd.DataFrame({"home": [2.0, 1.0], "pv": [-1.0, -2.0]})
    >>> settlement_game_shapley(net, 0.30, 0.10).round(4).to_dict()
    {'home': 0.2, 'pv': 0.2}
    """
    rows, half_spread, shift, members = _settlement_inputs(
        net_load_kwh, price_buy_per_kwh, price_sell_per_kwh
    )
    n = rows.shape[0]
    phi = _shapley_dense(_settlement_worths(rows, half_spread), n)
    phi = _scaled(phi, shift, "Shapley values", _SETTLEMENT_ARGS)
    if not _any_pandas(net_load_kwh, price_buy_per_kwh, price_sell_per_kwh):
        return phi
    return member_series(phi, range(n) if members is None else members, "shapley")


# ---------------------------------------------------------------------------------------
# Sampling


def _sampling_sizes(n_permutations, antithetic) -> tuple[int, bool, int]:
    """Validate the sampling options; return ``(n_permutations, antithetic, samples)``."""
    m = _validate.integer(n_permutations, "n_permutations", minimum=1)
    antithetic = _validate.flag(antithetic, "antithetic")
    if antithetic and m % 2:
        raise ValueError(
            f"n_permutations: {m} is odd; antithetic sampling uses permutations in pairs "
            "(each with its reverse)"
        )
    samples = m // 2 if antithetic else m
    if samples < 2:
        raise ValueError(
            f"n_permutations: {m} gives a single sample; at least 2 "
            f"{'pairs' if antithetic else 'permutations'} are needed for a standard error"
        )
    return m, antithetic, samples


def _draw_permutations(gen: np.random.Generator, count: int, n: int) -> np.ndarray:
    """``count`` random permutations of ``0 .. n-1`` as rows (int64)."""
    return gen.permuted(np.tile(np.arange(n, dtype=np.int64), (count, 1)), axis=1)


@dataclass(frozen=True, eq=False)
class ShapleyEstimate:
    """A Shapley value estimated by sampling permutations, with its standard errors.

    Attributes
    ----------
    shapley : pandas.Series
        Estimate of each member's Shapley value [money], indexed by member (index
        name ``member``), named ``shapley``.
    std_error : pandas.Series
        Standard error of each estimate [money], same index, named ``std_error``.
    n_permutations : int
        Permutations drawn (antithetic pairs count twice).
    """

    shapley: pd.Series
    std_error: pd.Series
    n_permutations: int

    def to_frame(self) -> pd.DataFrame:
        """Estimates and standard errors as the columns of one table [money]."""
        return pd.concat([self.shapley, self.std_error], axis=1)


class _Moments:
    """Running mean and sum of squared deviations per player (Chan et al. merge)."""

    def __init__(self, n: int):
        self.count = 0
        self.mean = np.zeros(n)
        self.m2 = np.zeros(n)

    def add(self, samples: np.ndarray) -> None:
        k = samples.shape[0]
        total = self.count + k
        with np.errstate(over="ignore", invalid="ignore"):  # inf is refused in estimate()
            mean = samples.mean(axis=0)
            m2 = ((samples - mean) ** 2).sum(axis=0)
            delta = mean - self.mean
            self.mean = self.mean + delta * (k / total)
            self.m2 = self.m2 + m2 + delta**2 * (self.count * k / total)
        self.count = total

    def estimate(self, index, n_permutations: int, shift: int, culprits: str
                 ) -> ShapleyEstimate:
        """Estimates and standard errors of samples that were divided by ``2**shift``."""
        std_error = np.sqrt(self.m2 / (self.count - 1) / self.count)
        what = "Shapley estimates or their standard errors"
        return ShapleyEstimate(
            shapley=pd.Series(_scaled(self.mean, shift, what, culprits), index=index,
                              name="shapley"),
            std_error=pd.Series(_scaled(std_error, shift, what, culprits), index=index,
                                name="std_error"),
            n_permutations=n_permutations,
        )


def _worths_of(worth_fn, members: np.ndarray, shift: int) -> np.ndarray:
    """``worth_fn(members)``, checked, divided by ``2**shift``."""
    values = _validate.vector(worth_fn(members), "worth_fn", unit="money",
                              size=members.shape[0])[0]
    return np.ldexp(values, -shift)


def _prefix_marginals(worth_fn, perms: np.ndarray, empty_worth: float, shift: int
                      ) -> np.ndarray:
    """Marginal contributions ``(batch, n)`` along each permutation (row of ``perms``).

    Worths are divided by ``2**shift``; ``empty_worth`` comes divided already.
    """
    batch, n = perms.shape
    rank = np.empty_like(perms)
    np.put_along_axis(rank, perms, np.arange(n), axis=1)
    # prefix k of permutation p holds member j iff rank[p, j] <= k
    members = rank[:, None, :] <= np.arange(n)[None, :, None]
    values = _worths_of(worth_fn, members.reshape(batch * n, n), shift).reshape(batch, n)
    with np.errstate(over="ignore", invalid="ignore"):
        steps = np.diff(values, axis=1, prepend=empty_worth)
    _validate.finite_result(steps, "marginal contributions", "worth_fn")
    out = np.empty((batch, n))
    np.put_along_axis(out, perms, steps, axis=1)
    return out


def shapley_sampled(worth_fn, n_players: int, n_permutations: int, rng=None,
                    antithetic: bool = True) -> ShapleyEstimate:
    """Shapley value estimated from random permutations, with standard errors.

    Parameters
    ----------
    worth_fn : callable
        ``worth_fn(members) -> worths``: ``members`` is a boolean array of shape
        ``(batch, n_players)`` (row = coalition, column = player); returns the
        ``(batch,)`` worths [money], finite numbers (not booleans). Called on batches
        of prefix coalitions, so a vectorised function makes any game of any size cheap
        to sample.
    n_players : int
        Number of players ``n``, an integer >= 1.
    n_permutations : int
        Number of permutations drawn, an integer >= 2 (even and >= 4 when
        ``antithetic``: at least two samples are needed for a standard error).
    rng : numpy.random.Generator or int, optional
        Random generator or non-negative seed (same seed, same result); None draws a
        fresh seed.
    antithetic : bool, default True
        Pair each permutation with its reverse; the pair's average is one sample.

    Returns
    -------
    ShapleyEstimate
        ``shapley`` (estimate [money]) and ``std_error`` (standard error of the
        estimate [money]), Series indexed by player ``0 .. n-1`` (index name
        ``member``), and ``n_permutations``. The estimates sum to ``v(N) - v(∅)``
        exactly (each permutation does).

    Raises
    ------
    TypeError
        ``worth_fn`` not callable or returning something other than numbers;
        ``n_players``, ``n_permutations`` or an ``rng`` seed not an integer; ``rng``
        neither a Generator nor a seed; ``antithetic`` not a bool.
    ValueError
        Bad sizes (``n_players`` below 1 or too large for one permutation's ``n**2``
        prefix memberships to fit in free memory, ``n_permutations`` odd with
        ``antithetic`` or giving fewer than two samples, a negative seed), or
        ``worth_fn`` returning the wrong number of worths or NaN/inf.
    lectoolkit.ResultRangeError
        If marginal contributions, estimates or standard errors leave float64's range.

    Notes
    -----
    ``phi_i = E_pi[v(P_i(pi) ∪ {i}) - v(P_i(pi))]`` over uniformly random orders ``pi``,
    ``P_i`` the players before ``i`` (Castro, Gómez and Tejada, 2009). With antithetic
    pairs the reverse order's contribution is averaged in, which cancels much of the
    variance for games whose marginal contributions trend with coalition size. The
    standard error is the sample standard deviation over samples divided by
    ``sqrt(samples)``, accumulated in batches (Chan, Golub and LeVeque merge) so memory
    stays bounded: a batch holds at most ``max(2**23, n**2)`` membership cells (one
    permutation's ``n`` prefixes at least). Worths are divided by the power of two
    nearest ``max(|v(∅)|, |v(N)|)`` (exact) before differences and squares are taken,
    so games near the ends of float64's range keep their precision.

    References
    ----------
    .. [1] J. Castro, D. Gómez, J. Tejada, "Polynomial calculation of the Shapley value
       based on sampling", Computers & Operations Research 36(5), 1726-1730, 2009.
       https://doi.org/10.1016/j.cor.2008.04.004

    Examples
    --------
    An additive game (each player brings its own weight) has zero sampling error:

    >>> weights = np.array([1.0, 2.0, 3.0])
    >>> est = shapley_sampled(lambda m: m @ weights, 3, 10, rng=0)
    >>> est.shapley.round(6).tolist(), est.std_error.round(6).tolist()
    ([1.0, 2.0, 3.0], [0.0, 0.0, 0.0])
    """
    if not callable(worth_fn):
        raise TypeError(f"worth_fn: expected a callable, got {_validate.describe(worth_fn)}")
    n = _validate.integer(n_players, "n_players", minimum=1)
    n_permutations, antithetic, samples = _sampling_sizes(n_permutations, antithetic)
    gen = _validate.seeded_rng(rng)
    if n * n > _SAMPLE_BUFFER:
        _validate.fits_in_memory(n * n, "n_players", f"one permutation's {n}**2 prefix cells")
    ends = _worths_of(worth_fn, np.arange(n)[None, :] < np.array([[0], [n]]), 0)
    shift = _exponent(np.abs(ends).max())
    empty = np.ldexp(ends[0], -shift)
    per_sample = n * n * (2 if antithetic else 1)
    batch = max(1, min(samples, _SAMPLE_BUFFER // per_sample))
    moments = _Moments(n)
    done = 0
    while done < samples:
        count = min(batch, samples - done)
        perms = _draw_permutations(gen, count, n)
        values = _prefix_marginals(worth_fn, perms, empty, shift)
        if antithetic:
            values = 0.5 * (values + _prefix_marginals(worth_fn, perms[:, ::-1], empty, shift))
        moments.add(values)
        done += count
    return moments.estimate(pd.RangeIndex(n, name="member"), n_permutations, shift, "worth_fn")


@numba.njit(cache=True, parallel=True, fastmath=_FASTMATH)
def _sampled_settlement_kernel(rows, half_spread, perms, antithetic):
    """Marginal contributions ``(len(perms), n)`` of the savings game along each order.

    With ``antithetic`` each row is the average over the order and its reverse; the
    reverse's prefixes are the complements of the forward prefixes, evaluated from the
    same running sum.
    """
    n, n_steps = rows.shape
    alone = np.empty(n)
    total = np.zeros(n_steps)
    for i in range(n):
        alone[i] = _spread_cost(rows[i], half_spread)
        total += rows[i]
    cost_all = _spread_cost(total, half_spread)
    out = np.empty(perms.shape, dtype=np.float64)
    for p in numba.prange(perms.shape[0]):
        x = np.zeros(n_steps)
        prev = 0.0
        prev_rest = cost_all
        for k in range(n):
            i = perms[p, k]
            row = rows[i]
            acc = 0.0
            acc_rest = 0.0
            if antithetic:
                for t in range(n_steps):
                    xt = x[t] + row[t]
                    x[t] = xt
                    acc += half_spread[t] * abs(xt)
                    acc_rest += half_spread[t] * abs(total[t] - xt)
            else:
                for t in range(n_steps):
                    xt = x[t] + row[t]
                    x[t] = xt
                    acc += half_spread[t] * abs(xt)
            if k == n - 1:
                acc = cost_all
                acc_rest = 0.0
            forward = alone[i] - (acc - prev)
            if antithetic:
                out[p, i] = 0.5 * (forward + alone[i] - (prev_rest - acc_rest))
            else:
                out[p, i] = forward
            prev = acc
            prev_rest = acc_rest
    return out


def settlement_game_shapley_sampled(net_load_kwh, price_buy_per_kwh, price_sell_per_kwh,
                                    n_permutations: int, rng=None,
                                    antithetic: bool = True) -> ShapleyEstimate:
    """Sampled Shapley value of the community savings game, for many members.

    Parameters
    ----------
    net_load_kwh : array_like or pandas.DataFrame, shape (n_steps, n_members)
        Net load per step and member [kWh] (> 0 import, < 0 export); see
        :func:`settlement_game_worths` (any number of members).
    price_buy_per_kwh : float or array_like or pandas.Series, shape (n_steps,)
        Grid purchase price [money/kWh]; see :func:`settlement_game_worths`.
    price_sell_per_kwh : float or array_like or pandas.Series, shape (n_steps,)
        Grid sale price [money/kWh]; see :func:`settlement_game_worths`.
    n_permutations : int
        Number of permutations drawn, as in :func:`shapley_sampled`.
    rng : numpy.random.Generator or int, optional
        Random generator or non-negative seed; the same seed gives the same
        permutations as :func:`shapley_sampled`, hence the same estimate.
    antithetic : bool, default True
        Pair each permutation with its reverse.

    Returns
    -------
    ShapleyEstimate
        ``shapley`` [money] and ``std_error`` [money], Series indexed by member
        (DataFrame columns, else ``0 .. n-1``; index name ``member``).

    Raises
    ------
    TypeError, ValueError
        As :func:`settlement_game_worths` for the inputs, and as
        :func:`shapley_sampled` for ``n_permutations``, ``rng`` and ``antithetic``.
    lectoolkit.ResultRangeError
        If an estimate or standard error leaves float64's range.

    Notes
    -----
    The game is that of :func:`settlement_game_worths`. Along one permutation the prefix
    coalitions' net loads are cumulative sums, so all ``n`` marginal contributions cost
    ``O(n T)``; the reverse permutation's prefixes are the complements ``x_N - x_P``,
    evaluated in the same pass. Permutations run in parallel (numba), in batches of at
    most ``2**23`` marginal contributions; memory is ``O(n T)`` for the loads plus the
    batch.

    Examples
    --------
    Two members: every order gives each the same contribution, so the error is 0.

    >>> net = pd.DataFrame({"home": [2.0, 1.0], "pv": [-1.0, -2.0]})
    >>> settlement_game_shapley_sampled(net, 0.30, 0.10, 4, rng=1).to_frame().round(4)
            shapley  std_error
    member
    home        0.2        0.0
    pv          0.2        0.0
    """
    rows, half_spread, shift, members = _settlement_inputs(
        net_load_kwh, price_buy_per_kwh, price_sell_per_kwh
    )
    n = rows.shape[0]
    n_permutations, antithetic, samples = _sampling_sizes(n_permutations, antithetic)
    gen = _validate.seeded_rng(rng)
    batch = max(1, min(samples, _SAMPLE_BUFFER // n))
    moments = _Moments(n)
    done = 0
    while done < samples:
        count = min(batch, samples - done)
        perms = _draw_permutations(gen, count, n)
        moments.add(_sampled_settlement_kernel(rows, half_spread, perms, antithetic))
        done += count
    index = pd.RangeIndex(n, name="member") if members is None else pd.Index(
        members, name="member")
    return moments.estimate(index, n_permutations, shift, _SETTLEMENT_ARGS)


def sampling_error_table(net_load_kwh, price_buy_per_kwh, price_sell_per_kwh, permutations, *,
                         n_seeds: int = 20, rng=None) -> pd.DataFrame:
    """Error of the sampled Shapley value against the exact one, per permutation count.

    For each count ``m`` of ``permutations``, :func:`settlement_game_shapley_sampled`
    is run ``n_seeds`` times on independent draws and compared with
    :func:`settlement_game_shapley` of the same game (so the game must be small enough
    to enumerate).

    Parameters
    ----------
    net_load_kwh : array_like or pandas.DataFrame, shape (n_steps, n_members)
        Net load per step and member [kWh], as in :func:`settlement_game_worths`.
    price_buy_per_kwh, price_sell_per_kwh : float or array_like or pandas.Series
        Grid purchase and sale prices [money/kWh], scalar or per step.
    permutations : sequence of int
        Permutation counts ``m`` to study, each even and ``>= 4`` (antithetic pairs,
        at least two samples).
    n_seeds : int, default 20
        Independent estimates per count, ``>= 1``.
    rng : numpy.random.Generator or int, optional
        Generator or non-negative seed of all the draws; fresh entropy when omitted.

    Returns
    -------
    pandas.DataFrame
        One row per count (index ``n_permutations``), columns ``rmse`` (root mean
        square error over members and seeds [money]), ``mean_std_error`` (mean reported
        standard error [money]), ``coverage_2se`` (share of estimates within 2 standard
        errors of the exact value) and ``max_abs_z`` (largest error in standard errors;
        errors with a zero standard error are not counted).

    Raises
    ------
    TypeError, ValueError, DenseGameTooLargeError
        As :func:`settlement_game_shapley` and :func:`settlement_game_shapley_sampled`;
        ``permutations`` not a non-empty sequence of integers; ``n_seeds`` below 1.

    Examples
    --------
    >>> from lectoolkit.profiles import synthetic_net_load
    >>> table = sampling_error_table(synthetic_net_load(6, 96, rng=0), 0.30, 0.05,
    ...                              [10, 1000], n_seeds=4, rng=1)
    >>> bool(table.loc[1000, "rmse"] < table.loc[10, "rmse"])
    True
    """
    counts = _validate.sequence_of(
        permutations, "permutations", lambda m, name: _validate.integer(m, name, minimum=4),
        "permutation counts")
    odd = [m for m in counts if m % 2]
    if odd:
        raise ValueError(f"permutations: expected even counts (antithetic pairs), got {odd[0]}")
    seeds = _validate.integer(n_seeds, "n_seeds", minimum=1)
    gen = _validate.seeded_rng(rng)
    exact = np.asarray(settlement_game_shapley(net_load_kwh, price_buy_per_kwh,
                                               price_sell_per_kwh), dtype=float)
    records = []
    for m in counts:
        runs = [settlement_game_shapley_sampled(net_load_kwh, price_buy_per_kwh,
                                                price_sell_per_kwh, m, rng=gen)
                for _ in range(seeds)]
        errors = np.array([run.shapley.to_numpy() for run in runs]) - exact
        std_errors = np.array([run.std_error.to_numpy() for run in runs])
        z = np.abs(errors)[std_errors > 0] / std_errors[std_errors > 0]
        records.append({
            "n_permutations": m,
            "rmse": float(np.sqrt(np.mean(errors**2))),
            "mean_std_error": float(std_errors.mean()),
            "coverage_2se": float(np.mean(np.abs(errors) <= 2 * std_errors)),
            "max_abs_z": float(z.max(initial=0.0)),
        })
    return pd.DataFrame.from_records(records, index="n_permutations")
