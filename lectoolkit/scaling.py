"""How the Shapley routes scale: time and memory against the number of players.

The measurements notebook 06 plots and the benchmark suite reports
(``benchmarks/bench_shapley.py`` imports them from here): the exact dense value
(:func:`lectoolkit.shapley.shapley_values`) against the same algorithm in plain numpy,
the seeds' own methods (seed 001's power set searched with ``list.index``, seed 000's
enumeration of all ``n!`` orders, re-implemented here in their style as baselines), and
the sampled value of the settlement game
(:func:`lectoolkit.shapley.settlement_game_shapley_sampled`). Times are wall-clock
seconds of this machine; peak memory is measured in a fresh process (see
:func:`lectoolkit._timing.peak_rss_growth_mb`).
"""

from __future__ import annotations

import bisect
import itertools
import math

import numpy as np
import pandas as pd

from lectoolkit import _timing, _validate
from lectoolkit.coalitions import popcounts, to_combination_order
from lectoolkit.profiles import synthetic_net_load
from lectoolkit.shapley import (
    settlement_game_shapley_sampled,
    settlement_game_worths,
    shapley_values,
    shapley_weights,
)

# ------------------------------------------------------------------------------ inputs


def _random_worths(n_players: int, seed: int = 0) -> np.ndarray:
    """A dense game with i.i.d. normal worths, ``v(∅) = 0`` (no temporaries)."""
    worths = np.random.default_rng(seed).standard_normal(1 << n_players)
    worths[0] = 0.0
    return worths


def _sizes(value, name: str, minimum: int, maximum: int | None = None) -> list[int]:
    """A non-empty sequence of integer sizes in ``[minimum, maximum]``."""
    return _validate.sequence_of(
        value, name, lambda v, n: _validate.integer(v, n, minimum=minimum, maximum=maximum),
        "integers")


# --------------------------------------------------------------------------- baselines


def _seed001_powerset_shapley(n: int, values) -> list[float]:
    """Seed 001's algorithm: power set as lists, coalitions found by ``list.index``.

    ``values`` are the worths of the non-empty coalitions in combinations order.
    """
    players = list(range(n))
    power_set = [list(c) for size in range(1, n + 1) for c in itertools.combinations(players, size)]
    result = []
    for i in players:
        total = 0.0
        for coalition in power_set:
            if i in coalition:
                continue
            joined = coalition[:]
            bisect.insort_left(joined, i)
            size = len(coalition)
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            total += (float(values[power_set.index(joined)])
                      - float(values[power_set.index(coalition)])) * weight
        total += float(values[power_set.index([i])]) * math.factorial(n - 1) / math.factorial(n)
        result.append(total)
    return result


def _seed000_permutation_shapley(n: int, worths) -> list[float]:
    """Seed 000's algorithm: all ``n!`` orders listed, each prefix re-evaluated."""
    orders = list(itertools.permutations(range(n)))
    result = [0.0] * n
    for order in orders:
        for position in range(n):
            worth = worths[sum(1 << p for p in order[: position + 1])]
            if position == 0:
                contribution = worth
            else:
                contribution = worth - worths[sum(1 << p for p in order[:position])]
            result[order[position]] += contribution / len(orders)
    return result


def _numpy_shapley(worths: np.ndarray) -> np.ndarray:
    """Our folding algorithm in plain numpy (whole-array temporaries, one thread)."""
    n = worths.size.bit_length() - 1
    w = np.zeros(n + 2)
    w[1 : n + 1] = shapley_weights(n)
    sizes = popcounts(n)
    tmp = w[1:][sizes]
    outsider = float(np.dot(tmp, worths))
    np.take(w[: n + 1] + w[1:], sizes, out=tmp)
    tmp *= worths
    member = np.zeros(n)
    half = tmp.size
    for bit in range(n - 1, -1, -1):
        half >>= 1
        member[bit] = tmp[half : 2 * half].sum()
        tmp[:half] += tmp[half : 2 * half]
    return member - outsider


# ----------------------------------------------------------------------- peak memory


def _warm_up_exact() -> None:
    """Compile (or load) both exact kernels: one-thread (small) and parallel (large)."""
    shapley_values(_random_worths(3))
    shapley_values(_random_worths(17))


def _prepare_peak(kind: str, size: tuple):
    """Build the inputs of one call, warm up, and return the call (in the child)."""
    if kind == "exact":
        (n,) = size
        worths = _random_worths(n)
        _warm_up_exact()
        return lambda: shapley_values(worths)
    if kind == "settlement":
        n, n_steps = size
        load = synthetic_net_load(n, n_steps, rng=0)
        settlement_game_worths(load[:8, :3], 0.30, 0.05)
        return lambda: settlement_game_worths(load, 0.30, 0.05)
    n, n_steps, n_permutations, buy, sell = size
    load = synthetic_net_load(n, n_steps, rng=0)
    settlement_game_shapley_sampled(load[:8, :3], buy, sell, 4, rng=0)
    return lambda: settlement_game_shapley_sampled(load, buy, sell, n_permutations, rng=0)


def _peak_growth_mb(kind: str, *size) -> float:
    """Peak-RSS growth of one call beyond its inputs, in a fresh process [MB].

    ``kind``: ``"exact"`` (size ``n_players``), ``"settlement"``
    (``n_members, n_steps``) or ``"sampled"`` (``n_members, n_steps, n_permutations,
    price_buy_per_kwh, price_sell_per_kwh``). Inputs come from
    :func:`lectoolkit.profiles.synthetic_net_load` with seed 0.
    """
    return _timing.peak_rss_growth_mb(_prepare_peak, kind, size)


# --------------------------------------------------------------------------- scaling


def exact_shapley_scaling(sizes, *, measure_memory: bool = True,
                          numpy_baseline: bool = True) -> pd.DataFrame:
    """Time (and peak memory) of the exact dense Shapley value, per player count.

    Parameters
    ----------
    sizes : sequence of int
        Player counts ``n``, each in ``[1, 34]`` (a random dense game of ``2**n``
        worths is built for each; mind the memory, 8 bytes per worth).
    measure_memory : bool, default True
        Also measure the call's peak memory beyond the worths in a fresh process.
    numpy_baseline : bool, default True
        Also time the same algorithm in plain numpy.

    Returns
    -------
    pandas.DataFrame
        One row per size: ``n_players``, ``seconds`` (ours [s]), ``numpy_seconds``
        [s, NaN when not timed], ``worths_mb`` (the input, ``8·2**n`` bytes [MB]) and
        ``peak_mb`` (extra peak memory of the call [MB], NaN when not measured).

    Raises
    ------
    TypeError
        ``sizes`` not a sequence of integers; a flag not a bool.
    ValueError
        A size outside ``[1, 34]``, no size.

    Examples
    --------
    >>> table = exact_shapley_scaling([4, 6], measure_memory=False)
    >>> table["n_players"].tolist(), table["worths_mb"].tolist()
    ([4, 6], [0.0001220703125, 0.00048828125])
    """
    ns = _sizes(sizes, "sizes", 1, 34)
    memory = _validate.flag(measure_memory, "measure_memory")
    baseline = _validate.flag(numpy_baseline, "numpy_baseline")
    _warm_up_exact()
    records = []
    for n in ns:
        worths = _random_worths(n)
        ours = _timing.time_call(lambda w=worths: shapley_values(w))
        base = _timing.time_call(lambda w=worths: _numpy_shapley(w)) if baseline else np.nan
        del worths
        records.append({"n_players": n, "seconds": ours, "numpy_seconds": base,
                        "worths_mb": 8 * 2.0**n / 2**20,
                        "peak_mb": _peak_growth_mb("exact", n) if memory else np.nan})
    return pd.DataFrame(records)


def seed_shapley_scaling(powerset_sizes, permutation_sizes) -> pd.DataFrame:
    """Time of the seeds' exact methods and of ours on the same games, per player count.

    Parameters
    ----------
    powerset_sizes : sequence of int
        Player counts for seed 001's power-set method, each in ``[1, 14]`` (its time
        grows like ``4**n``).
    permutation_sizes : sequence of int
        Player counts for seed 000's enumeration of all orders, each in ``[1, 10]``
        (its time grows like ``n · n!``).

    Returns
    -------
    pandas.DataFrame
        One row per method and size: ``method`` (``"seed 001 power set"``,
        ``"seed 000 permutations"`` or ``"ours"``), ``n_players`` and ``seconds`` [s];
        ours is timed on every size of either list.

    Raises
    ------
    TypeError
        A list not a sequence of integers.
    ValueError
        A size out of range, an empty list.

    Examples
    --------
    >>> table = seed_shapley_scaling([3], [3, 4])
    >>> table[["method", "n_players"]].values.tolist()
    [['seed 001 power set', 3], ['seed 000 permutations', 3], ['seed 000 permutations', 4], \
['ours', 3], ['ours', 4]]
    """
    powerset = _sizes(powerset_sizes, "powerset_sizes", 1, 14)
    permutation = _sizes(permutation_sizes, "permutation_sizes", 1, 10)
    _warm_up_exact()
    records = []
    for method, ns, fn in (
        ("seed 001 power set", powerset,
         lambda n, w: _seed001_powerset_shapley(n, to_combination_order(w).tolist())),
        ("seed 000 permutations", permutation,
         lambda n, w: _seed000_permutation_shapley(n, w.tolist())),
        ("ours", sorted(set(powerset) | set(permutation)), lambda n, w: shapley_values(w)),
    ):
        for n in ns:
            worths = _random_worths(n, seed=n)
            seconds = _timing.best_of(lambda n=n, w=worths, f=fn: f(n, w), repeat=1, warmup=0)
            records.append({"method": method, "n_players": n, "seconds": seconds})
    return pd.DataFrame(records)


def sampled_shapley_scaling(sizes, n_steps: int, n_permutations: int, *,
                            measure_memory: bool = False, price_buy_per_kwh: float = 0.30,
                            price_sell_per_kwh: float = 0.05) -> pd.DataFrame:
    """Time (and peak memory) of the sampled settlement-game Shapley value, per size.

    Each community is :func:`lectoolkit.profiles.synthetic_net_load` with seed 0.

    Parameters
    ----------
    sizes : sequence of int
        Community sizes (members), each ``>= 1``.
    n_steps : int
        Steps of 15 minutes, ``>= 1``.
    n_permutations : int
        Permutations per estimate, even and ``>= 4`` (antithetic pairs).
    measure_memory : bool, default False
        Also measure the call's peak memory beyond its inputs in a fresh process.
    price_buy_per_kwh, price_sell_per_kwh : float
        Grid purchase and sale prices [money/kWh].

    Returns
    -------
    pandas.DataFrame
        One row per size: ``n_members``, ``n_steps``, ``n_permutations``, ``seconds``
        [s], ``inputs_mb`` (the net loads [MB]), ``peak_mb`` [MB, NaN when not
        measured], ``mean_std_error`` and ``mean_abs_shapley`` [money].

    Raises
    ------
    TypeError, ValueError
        ``sizes`` not a non-empty sequence of integers ``>= 1``; bad counts, prices or
        flag (as :func:`lectoolkit.shapley.settlement_game_shapley_sampled`).

    Examples
    --------
    >>> table = sampled_shapley_scaling([5, 10], 96, 20)
    >>> table["n_members"].tolist(), bool((table["seconds"] > 0).all())
    ([5, 10], True)
    """
    members = _sizes(sizes, "sizes", 1)
    n_steps = _validate.integer(n_steps, "n_steps", minimum=1)
    memory = _validate.flag(measure_memory, "measure_memory")
    prices = (_validate.number(price_buy_per_kwh, "price_buy_per_kwh", unit="money/kWh"),
              _validate.number(price_sell_per_kwh, "price_sell_per_kwh", unit="money/kWh"))
    # checks the permutation count, and compiles the kernel
    settlement_game_shapley_sampled(synthetic_net_load(2, 2, rng=0), *prices, n_permutations,
                                    rng=0)
    records = []
    for n in members:
        load = synthetic_net_load(n, n_steps, rng=0)
        est = settlement_game_shapley_sampled(load, *prices, n_permutations, rng=0)
        seconds = _timing.time_call(
            lambda x=load: settlement_game_shapley_sampled(x, *prices, n_permutations, rng=0))
        records.append({
            "n_members": n, "n_steps": n_steps, "n_permutations": n_permutations,
            "seconds": seconds, "inputs_mb": load.nbytes / 2**20,
            "peak_mb": _peak_growth_mb("sampled", n, n_steps, n_permutations, *prices)
            if memory else np.nan,
            "mean_std_error": float(est.std_error.mean()),
            "mean_abs_shapley": float(est.shapley.abs().mean()),
        })
    return pd.DataFrame(records)


def operation_game_scaling(inputs, sizes, *, jobs: int = 2, client=None) -> pd.DataFrame:
    """Seconds to solve every coalition's operation of the first ``n`` members, per runner.

    For each size ``n`` of ``sizes``, :func:`lectoolkit.operation_game` on
    ``inputs.select(first n members)`` in this process, on ``jobs`` local processes, and
    on the Dask ``client`` when one is given; the worths of every runner must be the same
    bit for bit (a ``RuntimeError`` otherwise: the storage-game engine promises it).

    Parameters
    ----------
    inputs : lectoolkit.OperationInputs
        The community; its first ``max(sizes)`` members are used.
    sizes : sequence of int
        Member counts, each in ``[2, inputs.n_members]`` and at most
        ``lectoolkit._limits.MAX_OPERATION_GAME_PLAYERS``.
    jobs : int, default 2
        Local worker processes of the second runner, >= 2.
    client : dask.distributed.Client, optional
        The third runner.

    Returns
    -------
    pandas.DataFrame
        One row per size and runner: ``n_members``, ``runner`` (``"1 process"``,
        ``"<jobs> processes"``, ``"Dask"``), ``n_coalitions`` and ``seconds`` (wall time
        of this machine [s]).

    Raises
    ------
    TypeError, ValueError
        Bad ``sizes`` or ``jobs``; the errors of :func:`lectoolkit.operation_game`.
    """
    from lectoolkit import _limits
    from lectoolkit.operation import check_inputs
    from lectoolkit.storage_games import operation_game

    inputs = check_inputs(inputs)
    ns = _sizes(sizes, "sizes", 2, min(inputs.n_members, _limits.MAX_OPERATION_GAME_PLAYERS))
    jobs = _validate.integer(jobs, "jobs", minimum=2)
    runners = [("1 process", {"jobs": 1}), (f"{jobs} processes", {"jobs": jobs})]
    if client is not None:
        runners.append(("Dask", {"client": client}))
    rows = []
    for n in ns:
        community = inputs.select(inputs.members[:n])
        first = None
        for runner, options in runners:
            game = operation_game(community, progress=False, **options)
            if first is None:
                first = game.worths
            elif not np.array_equal(first, game.worths):
                raise RuntimeError(f"operation_game: the {runner} runner's worths differ "
                                   f"from the first runner's at {n} members")
            rows.append({"n_members": n, "runner": runner,
                         "n_coalitions": (1 << n) - 1, "seconds": game.wall_time_s})
    return pd.DataFrame(rows)
