"""Local-energy-market pricing on offers (lectoolkit.lem, seed 004).

Rows:
(a) the six pricing variants (crossing value; MMR and SDR complete and pruned; SDRC pruned)
    on the 50-meter, 96-step instance of ``rec_instances`` (the original library's input
    format), offers built included, against a loop implementation in the original's style
    (lists of dicts per session, pandas per session for MMR/SDR, sorted deep copies for the
    crossing value and the pruning; each variant building its own offers); same prices,
    asserted.
(b) the six variants on a year at 15 min for 1,000 meters (35,040 steps, about 35 M offers),
    offers built once (not timed), against the same six calls on one thread; with the peak
    memory growth of the six calls measured in a fresh process.
"""

from __future__ import annotations

import json
import os
from copy import deepcopy
from pathlib import Path

import numba
import numpy as np
import pandas as pd
from timing import best_of, peak_rss_growth_mb, row

from lectoolkit.lem import build_offers, lem_prices

INSTANCE = "rec_n50_s96.json"
VARIANTS = {  # label -> (rule, options)
    "crossing value": ("crossing_value", {}),
    "MMR complete": ("mmr", {"pruned": False}),
    "MMR pruned": ("mmr", {"pruned": True}),
    "SDR complete": ("sdr", {"pruned": False}),
    "SDR pruned": ("sdr", {"pruned": True}),
    "SDRC pruned": ("sdr", {"pruned": True, "compensation_share": 0.5}),
}


def instance_path() -> Path:
    """The 50-meter instance: the project's data folder, else the shared one."""
    root = Path(__file__).resolve().parents[1]
    for folder in (root / "data" / "rec_instances",
                   root.parent / "shared" / "data" / "rec_instances"):
        if (folder / INSTANCE).exists():
            return folder / INSTANCE
    raise FileNotFoundError(f"{INSTANCE} not found under data/rec_instances")


# ------------------------------------------------- loops in the original's style (baseline)
# Written for this benchmark after the structure of the original library (rec_op_lem_prices):
# offers for every session as lists of dicts (member by member, step by step); per session,
# the MMR and SDR rules read the offers through one pandas DataFrame per side, and the
# crossing value and the pruning walk deep copies of the offers sorted by price with their
# amounts turned into running sums. Same rules as SPEC §3, same prices as ours (asserted).


def loop_offers(instance: dict) -> tuple[list[list[dict]], list[list[dict]]]:
    """Buy and sell offers of every session, meter by meter, as lists of dicts."""
    n_steps = len(instance["l_market_buy"])
    buys: list[list[dict]] = [[] for _ in range(n_steps)]
    sells: list[list[dict]] = [[] for _ in range(n_steps)]
    for meter_id, meter in instance["meters"].items():
        for t in range(n_steps):
            e_met = meter["e_c"][t] - meter["e_g"][t]
            if e_met > 0:
                buys[t].append({"origin": meter_id, "amount": e_met,
                                "value": min(meter["l_buy"][t], instance["l_market_buy"][t])})
            elif e_met < 0:
                sells[t].append({"origin": meter_id, "amount": abs(e_met),
                                 "value": max(meter["l_sell"][t], instance["l_market_sell"][t])})
    return buys, sells


def loop_running_sums(buys: list[dict], sells: list[dict]):
    """Deep copies sorted by price (buyers descending), amounts as running sums."""
    buyers = sorted(deepcopy(buys), key=lambda o: o["value"], reverse=True)
    sellers = sorted(deepcopy(sells), key=lambda o: o["value"])
    for side in (buyers, sellers):
        for i in range(1, len(side)):
            side[i]["amount"] += side[i - 1]["amount"]
    return buyers, sellers


def loop_crossing(buys: list[dict], sells: list[dict]) -> float:
    """Crossing value of one session (SPEC §3)."""
    if not buys and not sells:
        return 0.0
    buyers, sellers = loop_running_sums(buys, sells)
    if not sellers:
        return buyers[0]["value"]
    if not buyers:
        return sellers[0]["value"]
    b = s = 0
    price = last = sellers[0]["value"]
    while s < len(sellers) and b < len(buyers):
        if sellers[s]["value"] >= buyers[b]["value"]:
            return last
        last = sellers[s]["value"]
        if buyers[b]["amount"] > sellers[s]["amount"]:
            price, s = buyers[b]["value"], s + 1
        else:
            price, b = sellers[s]["value"], b + 1
    return price


def loop_accepted(buys: list[dict], sells: list[dict]):
    """Offers a pool clearing accepts (SPEC §3), as lists of the original offers."""
    if not buys or not sells:
        return [], []
    buyers, sellers = loop_running_sums(buys, sells)
    by_price_b = sorted(buys, key=lambda o: o["value"], reverse=True)
    by_price_s = sorted(sells, key=lambda o: o["value"])
    accepted_b, accepted_s, last = [], [], "both"
    b = s = 0
    while s < len(sellers) and b < len(buyers):
        if sellers[s]["value"] > buyers[b]["value"]:
            break
        if buyers[b]["amount"] < sellers[s]["amount"]:
            accepted_b.append(by_price_b[b])
            b, last = b + 1, "buy"
        elif sellers[s]["amount"] < buyers[b]["amount"]:
            accepted_s.append(by_price_s[s])
            s, last = s + 1, "sell"
        else:
            accepted_b.append(by_price_b[b])
            accepted_s.append(by_price_s[s])
            b, s, last = b + 1, s + 1, "both"
    if last == "buy":
        accepted_s.append(by_price_s[s])
    elif last == "sell":
        accepted_b.append(by_price_b[b])
    return accepted_b, accepted_s


def loop_price(buys: list[dict], sells: list[dict], rule: str, pruned: bool,
               compensation_share: float = 0.0) -> float:
    """One session's price under MMR or SDR (SPEC §3), reading the offers through pandas."""
    if pruned:
        buys, sells = loop_accepted(buys, sells)
    buy_offers, sell_offers = pd.DataFrame(buys), pd.DataFrame(sells)
    if sell_offers.empty and not buy_offers.empty:
        return buy_offers["value"].max()
    if buy_offers.empty and not sell_offers.empty:
        return sell_offers["value"].min()
    if buy_offers.empty:
        return 0.0
    min_buy, max_sell = buy_offers["value"].min(), sell_offers["value"].max()
    if min_buy < max_sell:
        return loop_crossing(buys, sells)
    if rule == "mmr":
        return max_sell + 0.5 * (min_buy - max_sell)
    sdr = sell_offers["amount"].abs().sum() / buy_offers["amount"].sum()
    lam = compensation_share * (min_buy - max_sell)
    if sdr >= 1:
        return max_sell + lam / sdr
    return min_buy * (max_sell + lam) / ((min_buy - max_sell - lam) * sdr + max_sell + lam)


def loop_prices(instance: dict, rule: str, options: dict) -> list[float]:
    """A price per session: the offers of the day, then one rule call per session."""
    buys, sells = loop_offers(instance)
    if rule == "crossing_value":
        return [loop_crossing(b, s) for b, s in zip(buys, sells, strict=True)]
    return [loop_price(b, s, rule, options.get("pruned", True),
                       options.get("compensation_share", 0.0))
            for b, s in zip(buys, sells, strict=True)]


# ----------------------------------------------------------------------------- ours


def instance_arrays(instance: dict):
    """The instance as (n_steps, n_meters) arrays and per-step market prices."""
    meters = instance["meters"].values()
    def stack(key):
        return np.array([m[key] for m in meters]).T
    return (stack("e_c"), stack("e_g"), stack("l_buy"), stack("l_sell"),
            np.asarray(instance["l_market_buy"]), np.asarray(instance["l_market_sell"]))


def ours_day(arrays) -> dict[str, np.ndarray]:
    """The six variants through the public API, offers built once from the arrays."""
    load, pv, buy, sell, market_buy, market_sell = arrays
    offers = build_offers(load, pv, price_buy_per_kwh=buy, price_sell_per_kwh=sell,
                          price_market_buy_per_kwh=market_buy,
                          price_market_sell_per_kwh=market_sell)
    steps = range(load.shape[0])
    return {label: lem_prices(offers, rule, steps=steps, **options).to_numpy()
            for label, (rule, options) in VARIANTS.items()}


def loops_day(instance: dict) -> dict[str, list[float]]:
    return {label: loop_prices(instance, rule, options)
            for label, (rule, options) in VARIANTS.items()}


# ---------------------------------------------------------------------------- the year


def year_offers(n_steps: int, n_meters: int, seed: int = 0):
    """A synthetic year: loads, PV on 60 % of the meters, retail and market tariffs."""
    rng = np.random.default_rng(seed)
    load = rng.uniform(0.0, 1.0, (n_steps, n_meters))
    pv = rng.uniform(0.0, 1.5, (n_steps, n_meters)) * (rng.random(n_meters) < 0.6)
    offers = build_offers(load, pv, price_buy_per_kwh=rng.uniform(0.18, 0.22, n_meters),
                          price_sell_per_kwh=rng.uniform(0.04, 0.06, n_meters),
                          price_market_buy_per_kwh=rng.uniform(0.14, 0.22, n_steps),
                          price_market_sell_per_kwh=rng.uniform(0.03, 0.06, n_steps))
    return offers


def six_variants(offers) -> list:
    return [lem_prices(offers, rule, **options) for rule, options in VARIANTS.values()]


def _prepare_year(n_steps: int, n_meters: int):
    """Offers of the year, kernels warmed up; returns the call to measure."""
    offers = year_offers(n_steps, n_meters)
    six_variants(offers.iloc[:1000])
    return lambda: six_variants(offers)


# ------------------------------------------------------------------------------- run


def _time_year(n_steps: int, n_meters: int, quick: bool) -> tuple[str, float, float]:
    """Size, seconds of the six variants, and seconds on one thread."""
    offers = year_offers(n_steps, n_meters)
    six_variants(offers.iloc[:1000])
    ours_s = best_of(lambda: six_variants(offers), repeat=1 if quick else 3)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one_s = best_of(lambda: six_variants(offers), repeat=1, warmup=0)
    finally:
        numba.set_num_threads(threads)
    return f"{n_meters} meters x {n_steps} steps ({len(offers) / 1e6:.1f} M offers)", ours_s, one_s


def run(quick: bool) -> list[dict]:
    rows = []
    instance = json.loads(instance_path().read_text())
    arrays = instance_arrays(instance)  # the toolkit's input form (read once, not timed)
    ours, loops = ours_day(arrays), loops_day(instance)
    for label in VARIANTS:
        np.testing.assert_allclose(ours[label], loops[label], rtol=1e-12, atol=0,
                                   err_msg=label)
    ours_s = best_of(lambda: ours_day(arrays), repeat=5 if quick else 20)
    loops_s = best_of(lambda: loops_day(instance), repeat=2 if quick else 5)
    rows.append(row("LEM prices: 6 variants, offers built included",
                    "50 meters x 96 steps (rec_n50_s96)", ours_s,
                    "loops in the original's style (dicts, pandas per session)", loops_s,
                    target=">= 30x", met=loops_s / ours_s >= 30))
    n_steps, n_meters = (2_880, 200) if quick else (35_040, 1_000)
    size, ours_s, one_s = _time_year(n_steps, n_meters, quick)
    peak = peak_rss_growth_mb(_prepare_year, n_steps, n_meters)
    rows.append(row("LEM prices: 6 variants on a year", size, ours_s,
                    f"ours on 1 thread (of {os.cpu_count()})", one_s, peak_mb=peak,
                    target="<= 5 s and <= 4 GB", met=ours_s <= 5 and peak <= 4096))
    return rows
