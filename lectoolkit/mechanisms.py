"""Studies over settlement mechanisms: one community under all of them, and sweeps.

:func:`settle_mechanisms` settles one community under every mechanism of
:data:`SETTLEMENTS` (or a chosen subset) and returns the results keyed like it, ready
for the tables of :mod:`lectoolkit.metrics`. :func:`mechanism_sweep` repeats that on
random communities (:func:`lectoolkit.profiles.build_community`) over community sizes,
prosumer shares and replicates, one task per community through
:func:`lectoolkit.parallel.map_tasks` (so ``jobs > 1`` runs on spawned worker processes
and ``client`` on a Dask cluster).

Inputs are checked by :mod:`lectoolkit._validate` (TypeError for the wrong kind of
object, ValueError naming the argument for a wrong value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lectoolkit import _validate
from lectoolkit.metrics import compare_mechanisms
from lectoolkit.parallel import map_tasks
from lectoolkit.profiles import build_community
from lectoolkit.settlement import SettlementResult, settle

SETTLEMENTS: dict[str, tuple[str, str | None]] = {
    "conventional": ("conventional", None),
    "mmr_seed002": ("mmr", "seed002"),
    "bill_sharing_seed002": ("bill_sharing", "seed002"),
    "mmr_zhou2018": ("mmr", "zhou2018"),
    "bill_sharing_zhou2018": ("bill_sharing", "zhou2018"),
    "sdr": ("sdr", None),
    "sdrc": ("sdrc", None),
}
"""Key -> ``(mechanism, variant)`` of :func:`lectoolkit.settle`: seed 002's three
(conventional net billing, its MMR and bill sharing), the published forms of Zhou et al.
(2018), SDR and SDRC."""

SETTLEMENT_LABELS: dict[str, str] = {
    "conventional": "Conventional",
    "mmr_seed002": "MMR (seed 002)",
    "bill_sharing_seed002": "Bill sharing (seed 002)",
    "mmr_zhou2018": "MMR (Zhou 2018)",
    "bill_sharing_zhou2018": "Bill sharing (Zhou 2018)",
    "sdr": "SDR",
    "sdrc": "SDRC",
}
"""Key of :data:`SETTLEMENTS` -> label for tables and plots."""

SWEEP_COLUMNS = ("mechanism", "n_members", "prosumer_share", "replicate", "savings_share",
                 "worse_off_share", "self_sufficiency", "self_consumption")
"""Columns of the table returned by :func:`mechanism_sweep`."""


def _keys(mechanisms, name: str = "mechanisms") -> tuple[str, ...]:
    """Keys of :data:`SETTLEMENTS`, at least one, each once (default: all of them)."""
    if mechanisms is None:
        return tuple(SETTLEMENTS)
    if isinstance(mechanisms, (str, bytes, dict, set, frozenset)) or np.ndim(mechanisms) != 1:
        raise TypeError(
            f"{name}: expected a list of keys of SETTLEMENTS {list(SETTLEMENTS)}, got "
            f"{_validate.describe(mechanisms)}"
        )
    keys = tuple(_validate.choice(key, name, tuple(SETTLEMENTS)) for key in mechanisms)
    if not keys:
        raise ValueError(f"{name}: expected at least one key of SETTLEMENTS, got none")
    if len(set(keys)) != len(keys):
        raise ValueError(f"{name}: each key may appear once, got {list(keys)}")
    return keys


def settle_mechanisms(load_kwh, pv_kwh, *, price_buy_per_kwh, price_sell_per_kwh,
                      p2p_allowed=None, timestep_h: float = 0.25, compensation_per_kwh=None,
                      mechanisms=None) -> dict[str, SettlementResult]:
    """Settle one community under several mechanisms.

    Parameters
    ----------
    load_kwh, pv_kwh, price_buy_per_kwh, price_sell_per_kwh, p2p_allowed, timestep_h
        As for :func:`lectoolkit.settle`, the same for every mechanism.
    compensation_per_kwh : float or array_like, shape (n_steps,), optional
        SDRC compensation ``lambda`` [money/kWh] (as for :func:`lectoolkit.settle`);
        required when ``"sdrc"`` is among ``mechanisms``, refused otherwise.
    mechanisms : sequence of str, optional
        Keys of :data:`SETTLEMENTS`, each once (default: all of them, in its order).

    Returns
    -------
    dict of str to SettlementResult
        One result per key, in the order of ``mechanisms``; pass it to
        :func:`lectoolkit.metrics.compare_mechanisms` or :func:`~lectoolkit.metrics.bills_table`.

    Raises
    ------
    TypeError
        ``mechanisms`` is not a sequence of strings; the errors of :func:`lectoolkit.settle`.
    ValueError
        An unknown, repeated or empty list of keys; a missing ``compensation_per_kwh`` with
        ``"sdrc"``, or one given without it; the errors of :func:`lectoolkit.settle`.

    Examples
    --------
    Member 0 imports 2 kWh, member 1 exports 1 kWh (buy 10, sell 4):

    >>> import numpy as np
    >>> res = settle_mechanisms(np.array([[2.0, 0.0]]), np.array([[0.0, 1.0]]),
    ...                         price_buy_per_kwh=10.0, price_sell_per_kwh=4.0,
    ...                         mechanisms=["conventional", "mmr_zhou2018"])
    >>> {key: r.bills.tolist() for key, r in res.items()}
    {'conventional': [20.0, -4.0], 'mmr_zhou2018': [17.0, -7.0]}
    """
    keys = _keys(mechanisms)
    if ("sdrc" in keys) != (compensation_per_kwh is not None):
        raise ValueError(
            "compensation_per_kwh: required when 'sdrc' is among mechanisms and refused "
            f"otherwise; got {_validate.describe(compensation_per_kwh)} with mechanisms "
            f"{list(keys)}"
        )
    common = dict(price_buy_per_kwh=price_buy_per_kwh, price_sell_per_kwh=price_sell_per_kwh,
                  p2p_allowed=p2p_allowed, timestep_h=timestep_h)
    results = {}
    for key in keys:
        mechanism, variant = SETTLEMENTS[key]
        extra = {"compensation_per_kwh": compensation_per_kwh} if mechanism == "sdrc" else {}
        results[key] = settle(load_kwh, pv_kwh, mechanism, variant=variant, **common, **extra)
    return results


@dataclass(frozen=True)
class _Scenario:
    """One random community of a sweep (a picklable task for :func:`map_tasks`)."""

    n_members: int
    prosumer_share: float
    replicate: int
    days: int
    rng: np.random.Generator
    compensation_per_kwh: float | None
    mechanisms: tuple[str, ...]


def _n_prosumers(n_members: int, prosumer_share: float) -> int:
    """Prosumers of a community: the share rounded, at least one, at most everyone."""
    return min(max(1, round(prosumer_share * n_members)), n_members)


def _run_scenario(task: _Scenario) -> pd.DataFrame:
    """Draw one community, settle it under every mechanism, compare with conventional."""
    n_pv = _n_prosumers(task.n_members, task.prosumer_share)
    com = build_community(task.n_members - n_pv, n_pv, task.days, task.rng)
    results = settle_mechanisms(
        com.load_kwh, com.pv_kwh, price_buy_per_kwh=com.price_buy_per_kwh,
        price_sell_per_kwh=com.price_sell_per_kwh, p2p_allowed=com.p2p_allowed,
        timestep_h=com.timestep_h, compensation_per_kwh=task.compensation_per_kwh,
        mechanisms=task.mechanisms)
    table = compare_mechanisms(results).drop(index="conventional")
    return pd.DataFrame({
        "mechanism": table.index,
        "n_members": task.n_members,
        "prosumer_share": task.prosumer_share,
        "replicate": task.replicate,
        "savings_share": table["savings_share"].to_numpy(),
        "worse_off_share": table["n_worse_off"].to_numpy() / task.n_members,
        "self_sufficiency": table["self_sufficiency"].to_numpy(),
        "self_consumption": table["self_consumption"].to_numpy(),
    }, columns=list(SWEEP_COLUMNS))


def mechanism_sweep(sizes, prosumer_shares, *, replicates: int = 1, days: int = 14,
                    compensation_per_kwh: float | None = None, mechanisms=None, rng=None,
                    jobs: int = 1, client=None, progress: bool = False) -> pd.DataFrame:
    """Compare the mechanisms on random communities over sizes and prosumer shares.

    For every size, prosumer share and replicate, a community is drawn with
    :func:`lectoolkit.profiles.build_community` (default tariffs and events), settled
    with :func:`settle_mechanisms` and compared with conventional net billing
    (:func:`lectoolkit.metrics.compare_mechanisms`).

    Parameters
    ----------
    sizes : sequence of int
        Community sizes ``n_members``, each ``>= 1``, at least one.
    prosumer_shares : sequence of float
        Shares of prosumers, each in ``[0, 1]`` [-]; a community has
        ``min(max(1, round(share n_members)), n_members)`` prosumers (at least one: the
        reference sell tariff is a mean over prosumers).
    replicates : int, default 1
        Random communities per (size, share), ``>= 1``.
    days : int, default 14
        Horizon of each community [days], ``>= 1``.
    compensation_per_kwh : float, optional
        SDRC compensation ``lambda`` [money/kWh]; required when ``"sdrc"`` is among
        ``mechanisms``, refused otherwise; it must lie below every drawn community's
        ``buy_ref - sell_ref`` (at the default tariff bounds, above 1.2).
    mechanisms : sequence of str, optional
        Keys of :data:`SETTLEMENTS` to compare; ``"conventional"`` (the baseline) is
        always settled and is not a row of the result. Default: all.
    rng : int, numpy.random.Generator or None, optional
        Seed or generator; each community draws from its own child generator
        (``rng.spawn``), so results do not depend on ``jobs`` or ``client``.
    jobs : int, default 1
        Local worker processes (:func:`lectoolkit.parallel.map_tasks`), ``>= 1``.
    client : dask.distributed.Client, optional
        Run the communities on this Dask cluster (``jobs`` is then ignored).
    progress : bool, default False
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per community and mechanism other than conventional, with the columns
        of :data:`SWEEP_COLUMNS`: the key, ``n_members``, ``prosumer_share``,
        ``replicate`` (0-based), ``savings_share`` (community savings over the
        conventional bill), ``worse_off_share`` (share of members paying more than under
        conventional billing) and the community's ``self_sufficiency`` and
        ``self_consumption`` [0-1].

    Raises
    ------
    TypeError
        ``sizes``, ``prosumer_shares`` or ``mechanisms`` not a sequence, an element of
        the wrong kind, ``rng`` not a seed or a Generator; the errors of
        :func:`lectoolkit.parallel.map_tasks` for ``jobs`` and ``client``.
    ValueError
        An empty sequence, a size below 1, a share outside ``[0, 1]``, ``replicates`` or
        ``days`` below 1, a missing or superfluous ``compensation_per_kwh``, an unknown or
        repeated key; the errors of :func:`settle_mechanisms` for a drawn community.

    Examples
    --------
    >>> sweep = mechanism_sweep([4], [0.5], days=1, mechanisms=["conventional", "sdr"], rng=0)
    >>> sweep[["mechanism", "n_members", "prosumer_share", "replicate"]].to_dict("records")
    [{'mechanism': 'sdr', 'n_members': 4, 'prosumer_share': 0.5, 'replicate': 0}]
    """
    sizes = _validate.sequence_of(
        sizes, "sizes", lambda v, name: _validate.integer(v, name, minimum=1), "integers")
    shares = _validate.sequence_of(prosumer_shares, "prosumer_shares", _validate.share,
                                   "shares in [0, 1]")
    replicates = _validate.integer(replicates, "replicates", minimum=1)
    days = _validate.integer(days, "days", minimum=1)
    keys = _keys(mechanisms)
    if "conventional" not in keys:
        keys = ("conventional", *keys)
    if compensation_per_kwh is not None:
        compensation_per_kwh = _validate.positive(compensation_per_kwh, "compensation_per_kwh",
                                                  unit="money/kWh")
    if ("sdrc" in keys) != (compensation_per_kwh is not None):
        raise ValueError(
            "compensation_per_kwh: required when 'sdrc' is among mechanisms and refused "
            f"otherwise; got {_validate.describe(compensation_per_kwh)} with mechanisms "
            f"{list(keys)}"
        )
    if rng is not None and not isinstance(rng, np.random.Generator):
        if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
            raise TypeError(f"rng: expected an int seed or a numpy.random.Generator, got "
                            f"{_validate.describe(rng)}")
    generator = _validate.seeded_rng(rng)
    grid = [(n, share, r) for n in sizes for share in shares for r in range(replicates)]
    tasks = [_Scenario(n, share, r, days, child, compensation_per_kwh, keys)
             for (n, share, r), child in zip(grid, generator.spawn(len(grid)), strict=True)]
    tables = map_tasks(_run_scenario, tasks, jobs=jobs, client=client, progress=progress,
                       desc="communities")
    return pd.concat(tables, ignore_index=True)
