"""Timing and memory helpers shared by the benchmark modules."""

from __future__ import annotations

from lectoolkit._timing import best_of, peak_rss_growth_mb, time_call

__all__ = ["best_of", "peak_rss_growth_mb", "row", "time_call"]


def row(benchmark: str, size: str, ours_s: float, baseline: str, baseline_s: float,
        target: str = "", peak_mb: float | None = None, met: bool | None = None) -> dict:
    """One row of BENCHMARKS.md; ``ratio`` is baseline time over ours."""
    return {
        "benchmark": benchmark,
        "size": size,
        "ours_s": ours_s,
        "baseline": baseline,
        "baseline_s": baseline_s,
        "ratio": baseline_s / ours_s if ours_s > 0 else float("inf"),
        "peak_mb": peak_mb,
        "target": target,
        "met": met,
    }
