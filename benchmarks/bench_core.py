"""Core family: least core and nucleolus against coopgame-py (a Rust TU-game library).

Both libraries solve the same games in the same run: the convex game
``v(S) = a(S)**1.5`` with a fixed-seed ``a ~ U(1, 2)`` (issue 12's game) and a noisy
zero-normalised game (``v({i}) = 0``, ``v(S) = |S|**2 * U(0, 1)``, ``v(N) = n**2 / 2``)
where individual rationality binds. coopgame-py's least core is asked over the
pre-imputations, like :func:`lectoolkit.least_core`; its nucleolus is Schmeidler's,
like :func:`lectoolkit.nucleolus`. Every row also checks that the two answers agree
(allocations, and the least-core value, whose sign coopgame flips, to ``1e-9``).
Least cores of up to 12 members come from lectoolkit's certified dense simplex
(``solver="lectoolkit-simplex"``), larger ones and every nucleolus from HiGHS.
The nucleolus at ``n = 25`` (dense worths, 256 MiB) is timed alone (target <= 30 s).

Needs the ``bench`` extra (``pip install -e .[bench]``); without coopgame-py only a
message is printed.
"""

from __future__ import annotations

import numpy as np
from timing import best_of, row

from lectoolkit import least_core, nucleolus
from lectoolkit.coalitions import popcounts, subset_sums

AGREEMENT_TOL = 1e-9
"""Largest difference [money] accepted between the two libraries' answers."""


def convex_game(n: int) -> np.ndarray:
    """``v(S) = a(S)**1.5``, ``a ~ U(1, 2)`` with seed 0: convex (core not empty)."""
    return subset_sums(np.random.default_rng(0).uniform(1, 2, n)) ** 1.5


def rational_game(n: int) -> np.ndarray:
    """Zero-normalised noisy game: its prenucleolus is usually not an imputation."""
    worths = np.random.default_rng(1).uniform(0, 1, 1 << n) * popcounts(n) ** 2.0
    worths[1 << np.arange(n)] = 0.0
    worths[0] = 0.0
    worths[-1] = 0.5 * n**2
    return worths


GAMES = {"convex a(S)^1.5": convex_game, "zero-normalised noisy": rational_game}


def _compare(coopgame, worths: np.ndarray, repeat: int) -> list[tuple]:
    """(concept, ours [s], coopgame [s], largest disagreement) for one game."""
    game = coopgame.Game(worths[1:].tolist())  # bitmask order without the empty set
    out = []
    ours_lc = least_core(worths)
    theirs_lc = coopgame.least_core(game, domain="preimputation")
    # the least core may be a set: compare the value (each allocation is one optimum)
    gap = abs(ours_lc.epsilon + theirs_lc["epsilon"])
    out.append(("least core", best_of(lambda: least_core(worths), repeat),
                best_of(lambda: coopgame.least_core(game, domain="preimputation"), repeat),
                gap))
    ours_nu = nucleolus(worths)
    theirs_nu = coopgame.nucleolus(game)
    gap = float(np.abs(ours_nu.allocation - np.asarray(theirs_nu["allocation"])).max())
    out.append(("nucleolus", best_of(lambda: nucleolus(worths), repeat),
                best_of(lambda: coopgame.nucleolus(game), repeat), gap))
    return out


def run(quick: bool) -> list[dict]:
    try:
        import coopgame
    except ImportError:
        print("   bench_core skipped: coopgame-py is not installed "
              "(pip install -e .[bench])")
        return []
    sizes = [8, 10] if quick else [8, 10, 12, 14, 16, 18]
    rows = []
    for label, build in GAMES.items():
        for n in sizes:
            worths = build(n)
            for concept, ours, theirs, gap in _compare(coopgame, worths, repeat=3):
                rows.append(row(
                    f"{concept}, {label}", f"n={n}", ours, "coopgame-py 0.3", theirs,
                    target=f"ratio > 1, agree to {AGREEMENT_TOL:g} (got {gap:.1e})",
                    met=bool(theirs > ours and gap <= AGREEMENT_TOL),
                ))
    if not quick:
        for label, build in GAMES.items():
            worths = build(25)
            ours = best_of(lambda w=worths: nucleolus(w), repeat=1, warmup=0)
            rows.append(row(f"nucleolus, {label}", "n=25", ours, "(target)", 30.0,
                            target="<= 30 s", met=ours <= 30.0))
    return rows
