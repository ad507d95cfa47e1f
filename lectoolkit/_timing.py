"""Wall time and peak memory of one call: the measurements of the scaling studies.

Shared by :mod:`lectoolkit.scaling` (the studies notebook 06 plots) and the benchmark
suite (``benchmarks/timing.py`` re-exports these), so both measure the same way.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time


def best_of(fn, repeat: int = 3, warmup: int = 1) -> float:
    """Smallest wall time of ``repeat`` calls of ``fn()`` after ``warmup`` calls [s]."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def time_call(fn, slow_s: float = 1.0) -> float:
    """Wall time of ``fn()`` [s]: one call if it takes over ``slow_s``, else best of 4."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    if first > slow_s:
        return first
    return min(first, best_of(fn, repeat=3, warmup=0))


def _status_mb(key: str) -> float:
    """A memory line of ``/proc/self/status`` [MB]."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    raise OSError(f"{key} not in /proc/self/status")


def _measure_child(prepare, args, queue) -> None:
    call = prepare(*args)
    try:  # Linux: reset the peak (VmHWM) so that it measures this call only
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        before = _status_mb("VmRSS")
        call()
        queue.put(_status_mb("VmHWM") - before)
    except OSError:  # elsewhere: growth of the lifetime peak (an underestimate)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        call()
        queue.put((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024.0)


def peak_rss_growth_mb(prepare, *args) -> float:
    """Peak resident-memory growth of one call, measured in a fresh interpreter [MB].

    ``prepare(*args)`` runs in a spawned child: it builds the inputs, warms the kernels
    up (so compiling is not counted) and returns the zero-argument call to measure. The
    child then reports the peak reached during the call minus its resident memory just
    before, so inputs are not counted. Counts every allocation (numpy, numba, C
    libraries), unlike tracemalloc. ``prepare`` must be a module-level function. A
    spawned (not forked) child is used because numba's OpenMP threading layer is not
    fork-safe once a parallel kernel has run.
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_measure_child, args=(prepare, args, queue))
    proc.start()
    growth = queue.get()
    proc.join()
    return growth
