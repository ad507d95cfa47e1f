"""Settlement kernels: large-community throughput and the seed-002 workload.

Rows:
(a) conventional + MMR + bill sharing + SDR (Zhou forms) on 1,000 members x 35,040 steps
    (a year at 15 min), against the same four mechanisms in plain vectorised numpy, with the
    peak-memory growth of our call measured in a fresh process (inputs not counted there;
    their size is given in the size column).
(b) the seed-002 workload (10 households x 2,880 steps: conventional, seed MMR, seed bill
    sharing) against a loop implementation in the seed's style.
"""

from __future__ import annotations

import numpy as np
from timing import best_of, peak_rss_growth_mb, row

from lectoolkit.settlement import settle

FOUR = ("conventional", "mmr", "bill_sharing", "sdr")


def synthetic_inputs(n_steps: int, n_members: int, seed: int = 0):
    """Random loads, PV on 60 % of the members, heterogeneous tariffs [kWh, money/kWh]."""
    rng = np.random.default_rng(seed)
    load = rng.uniform(0.0, 1.0, (n_steps, n_members))
    pv = rng.uniform(0.0, 1.5, (n_steps, n_members)) * (rng.random(n_members) < 0.6)
    buy = rng.uniform(5.0, 7.0, n_members)
    sell = rng.uniform(3.0, 3.8, n_members)
    return load, pv, buy, sell


def ours_four(load, pv, buy, sell):
    """The four results, with their bills computed."""
    results = [settle(load, pv, m, price_buy_per_kwh=buy, price_sell_per_kwh=sell)
               for m in FOUR]
    for r in results:
        r.bills  # noqa: B018 - bills are summed on first access; include them in the time
    return results


def numpy_four(load, pv, buy, sell):
    """The same four mechanisms with whole-array numpy expressions (baseline)."""
    own = np.minimum(load, pv)
    imp = load - own
    exp = pv - own
    demand = imp.sum(axis=1)
    supply = exp.sum(axis=1)
    buy_ref, sell_ref = buy.mean(), sell[sell > 0].mean()
    bills = {"conventional": (imp * buy - exp * sell).sum(axis=0)}
    mid = 0.5 * (buy_ref + sell_ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_imp = np.where(supply >= demand, mid, (supply * mid + (demand - supply) * buy_ref)
                         / demand)
        p_exp = np.where(supply <= demand, mid, (demand * mid + (supply - demand) * sell_ref)
                         / supply)
        bills["mmr"] = (imp * p_imp[:, None] - exp * p_exp[:, None]).sum(axis=0)
        traded = np.minimum(demand, supply)
        p_buy = (buy_ref * (demand - traded)).sum() / demand.sum()
        p_sell = (sell_ref * (supply - traded)).sum() / supply.sum()
        bills["bill_sharing"] = (imp * p_buy - exp * p_sell).sum(axis=0)
        sdr = np.where(demand > 0, supply / demand, np.inf)
        short = sdr < 1
        s_sell = np.where(short, buy_ref * sell_ref / ((buy_ref - sell_ref) * sdr + sell_ref),
                          sell_ref)
        s_buy = np.where(short, s_sell * sdr + buy_ref * (1 - sdr), sell_ref)
        bills["sdr"] = (imp * s_buy[:, None] - exp * s_sell[:, None]).sum(axis=0)
    return bills


# ----------------------------------------------------- seed-002 style loops (baseline of b)


def seed_style_cp2p(L_total, PV_total, buy_ref, sell_ref):
    """Dynamic P2P price, one slot per iteration."""
    H = len(L_total)
    cp2p = np.zeros(H)
    mid = 0.5 * (buy_ref + sell_ref)
    half = 0.5 * (buy_ref - sell_ref)
    for h in range(H):
        total = L_total[h] + PV_total[h]
        if total < 1e-9:
            cp2p[h] = mid
        else:
            cp2p[h] = mid + half * (L_total[h] - PV_total[h]) / total
    return cp2p


def seed_style_residuals(L, PV):
    """Residual import and export, element by element (slot-major, as the seed)."""
    N, H = L.shape
    imp = np.zeros_like(L)
    exp = np.zeros_like(L)
    for h in range(H):
        for i in range(N):
            m = min(L[i, h], PV[i, h])
            imp[i, h] = L[i, h] - m
            exp[i, h] = PV[i, h] - m
    return imp, exp


def seed_style_conventional(L, PV, dt, buy, sell):
    """Net billing at own tariffs, one household per iteration."""
    N, H = L.shape
    own = np.minimum(L, PV)
    imp, exp = np.maximum(L - own, 0.0), np.maximum(PV - own, 0.0)
    cost = np.zeros((N, H))
    for i in range(N):
        cost[i, :] = imp[i] * dt * buy[i] - exp[i] * dt * sell[i]
    return cost.sum(axis=1)


def seed_style_mmr(L, PV, dt, buy_ref, sell_ref, allowed):
    """Seed-002 MMR: gross totals, dynamic mid price, loops over slots and households."""
    N, H = L.shape
    L_tot, PV_tot = L.sum(axis=0), PV.sum(axis=0)
    cp2p = seed_style_cp2p(L_tot, PV_tot, buy_ref, sell_ref)
    imp, exp = seed_style_residuals(L, PV)
    c_im = np.zeros(H)
    c_ex = np.zeros(H)
    for h in range(H):
        if not allowed[h]:
            c_im[h], c_ex[h] = buy_ref, sell_ref
        elif abs(PV_tot[h] - L_tot[h]) <= 1e-6:
            c_im[h] = c_ex[h] = cp2p[h]
        elif PV_tot[h] > L_tot[h]:
            c_im[h] = cp2p[h]
            c_ex[h] = (L_tot[h] * cp2p[h] + (PV_tot[h] - L_tot[h]) * sell_ref) / PV_tot[h]
        else:
            c_ex[h] = cp2p[h]
            c_im[h] = (PV_tot[h] * cp2p[h] + (L_tot[h] - PV_tot[h]) * buy_ref) / L_tot[h]
    cost = np.zeros((N, H))
    for i in range(N):
        for h in range(H):
            cost[i, h] += imp[i, h] * dt * c_im[h]
            cost[i, h] -= exp[i, h] * dt * c_ex[h]
    return cost.sum(axis=1)


def seed_style_bill_sharing(L, PV, dt, buy, sell, buy_ref, sell_ref, allowed):
    """Seed-002 bill sharing: pro-rata P2P at the dynamic price, residual at own tariffs."""
    N, H = L.shape
    cp2p = seed_style_cp2p(L.sum(axis=0), PV.sum(axis=0), buy_ref, sell_ref)
    imp, exp = seed_style_residuals(L, PV)
    cost = np.zeros((N, H))
    for h in range(H):
        imp_tot, exp_tot = np.sum(imp[:, h]), np.sum(exp[:, h])
        if imp_tot <= 0 and exp_tot <= 0:
            continue
        traded = min(imp_tot, exp_tot) if allowed[h] else 0.0
        f_imp = traded / imp_tot if imp_tot > 0 else 0.0
        f_exp = traded / exp_tot if exp_tot > 0 else 0.0
        for i in range(N):
            e_imp_p2p = imp[i, h] * f_imp * dt
            e_exp_p2p = exp[i, h] * f_exp * dt
            cost[i, h] += e_imp_p2p * cp2p[h] - e_exp_p2p * cp2p[h]
            cost[i, h] += (imp[i, h] * dt - e_imp_p2p) * buy[i]
            cost[i, h] -= (exp[i, h] * dt - e_exp_p2p) * sell[i]
    return cost.sum(axis=1)


def seed_style_three(L, PV, dt, buy, sell, allowed):
    """The seed's three settlement calls, each doing its own work (L, PV: N x H in kW)."""
    buy_ref, sell_ref = np.mean(buy), np.mean(sell[sell > 0])
    return (seed_style_conventional(L, PV, dt, buy, sell),
            seed_style_mmr(L, PV, dt, buy_ref, sell_ref, allowed),
            seed_style_bill_sharing(L, PV, dt, buy, sell, buy_ref, sell_ref, allowed))


def seed_workload():
    """The seed-002 community (lectoolkit.profiles) as plain arrays."""
    from lectoolkit.profiles import seed_community_002

    com = seed_community_002()
    return (np.ascontiguousarray(com.load_kwh), np.ascontiguousarray(com.pv_kwh),
            com.price_buy_per_kwh.to_numpy(),
            com.price_sell_per_kwh.to_numpy(), com.p2p_allowed.to_numpy(), com.timestep_h)


def ours_three(load, pv, buy, sell, allowed, dt):
    """Bills of the three seed mechanisms [money] (as the seed's functions return them)."""
    kw = dict(price_buy_per_kwh=buy, price_sell_per_kwh=sell, p2p_allowed=allowed,
              timestep_h=dt)
    return [settle(load, pv, mechanism, variant=variant, **kw).bills for mechanism, variant in
            (("conventional", None), ("mmr", "seed002"), ("bill_sharing", "seed002"))]


# ----------------------------------------------------------------- peak memory, own process


def _prepare_four(n_steps: int, n_members: int):
    """Inputs of the four-mechanism row, kernels warmed up; returns the call to measure."""
    inputs = synthetic_inputs(n_steps, n_members)
    ours_four(*(a[:16] if a.ndim == 2 else a for a in inputs))  # compile / load cache
    return lambda: ours_four(*inputs)


# --------------------------------------------------------------------------------- run


def run(quick: bool) -> list[dict]:
    rows = []
    n_steps, n_members = (2_880, 100) if quick else (35_040, 1_000)
    inputs = synthetic_inputs(n_steps, n_members)
    inputs_mb = (inputs[0].nbytes + inputs[1].nbytes) / 2**20
    ours_four(*(a[:16] if a.ndim == 2 else a for a in inputs))  # compile / load cache
    ours_s = best_of(lambda: ours_four(*inputs), repeat=3)
    base_s = best_of(lambda: numpy_four(*inputs), repeat=3 if quick else 1,
                     warmup=1 if quick else 0)
    ours_bills = [r.bills.to_numpy() for r in ours_four(*inputs)]
    base_bills = numpy_four(*inputs)
    for name, bills in zip(FOUR, ours_bills, strict=True):
        np.testing.assert_allclose(bills, base_bills[name], rtol=1e-8)
    peak = peak_rss_growth_mb(_prepare_four, n_steps, n_members)
    rows.append(row(
        "settle: conventional+MMR+bill sharing+SDR",
        f"{n_members} members x {n_steps} steps (inputs {inputs_mb:.0f} MB)",
        ours_s, "plain numpy, same mechanisms", base_s,
        target="<= 2 s, peak + inputs <= 3 GB", peak_mb=peak,
        met=(ours_s <= 2.0 and peak + inputs_mb <= 3072) if not quick else None,
    ))

    load, pv, buy, sell, allowed, dt = seed_workload()
    L, PV = load.T / dt, pv.T / dt  # the seed's layout and units: N x H in kW
    ours_three(load, pv, buy, sell, allowed, dt)
    ours_s = best_of(lambda: ours_three(load, pv, buy, sell, allowed, dt), repeat=20)
    base_s = best_of(lambda: seed_style_three(L, PV, dt, buy, sell, allowed), repeat=3,
                     warmup=0)
    ours = [b.to_numpy() for b in ours_three(load, pv, buy, sell, allowed, dt)]
    for a, b in zip(ours, seed_style_three(L, PV, dt, buy, sell, allowed), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    rows.append(row(
        "settle: seed-002 conventional+MMR+bill sharing",
        f"{load.shape[1]} households x {load.shape[0]} steps (seed_community_002)",
        ours_s, "loops in the seed's style", base_s, target=">= 100x", met=base_s / ours_s >= 100,
    ))
    return rows
