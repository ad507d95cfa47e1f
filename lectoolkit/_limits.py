"""Size limits and the thread policy of the toolkit: one home for every cut-off.

Player limits bound the dense ``2**n`` computations (a float64 worth array of ``n``
players takes ``8 · 2**n`` bytes); the ``PARALLEL_MIN_*`` sizes say from which problem
size a numba kernel runs on the thread pool instead of one thread. Modules read these
names at call time (``_limits.NAME``), so a test can lower a cut-off with
``monkeypatch.setattr(_limits, NAME, ...)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# --------------------------------------------------------------------------- players

MAX_DENSE_PLAYERS = 40
"""Largest player count for which a dense ``2**n`` array is even considered (8 TiB of
float64 at 40: the free-memory check then decides)."""

MAX_COMBINATION_PLAYERS = 30
"""Largest player count of the combination-order converters (``2**30`` worths, 8 GiB)."""

MAX_GAME_PLAYERS = 25
"""Largest member count of a worth builder and of an exact coalition Shapley value
(a ``2**25`` float64 worth array takes 256 MiB)."""

MAX_OPERATION_GAME_PLAYERS = 16
"""Largest community whose every coalition's operation is solved (65,535 optimisations,
about an hour at 16 members of 96 steps on two cores); beyond, sample the Shapley value."""

FULL_ENUMERATION_MAX_PLAYERS = 16
"""With ``method="auto"``, core LPs up to this size get one row per coalition (65,534
rows solve in seconds; beyond, row generation is faster)."""

FULL_ENUMERATION_LIMIT = 20
"""Largest game whose core LP accepts one row per coalition (``2**20 - 2`` rows, about
the most an LP solver holds in memory on a laptop)."""

# --------------------------------------------------------------------------- threads

PARALLEL_MIN_WORTHS = 1 << 17
"""Dense worth arrays of at least this length (17 players) run on the thread pool:
below, waking the threads costs more than the ``O(2**n)`` pass they share."""

PARALLEL_MIN_VALUES = 1_000_000
"""Settlement inputs with at least this many values (``n_steps · n_members``) run on
the thread pool: below, starting and synchronising threads costs more than it saves."""

PARALLEL_MIN_OFFERS = 200_000
"""Offer tables with at least this many offers run the parallel market kernels: below,
waking the thread pool costs more than it saves."""


def run_parallel(size: int, min_size: int) -> bool:
    """Whether a kernel over ``size`` values runs on numba's thread pool.

    The one serial-or-parallel decision of the toolkit: parallel from ``min_size``
    values on (one of the ``PARALLEL_MIN_*`` constants of this module).

    Examples
    --------
    >>> run_parallel(10, PARALLEL_MIN_VALUES), run_parallel(10**7, PARALLEL_MIN_VALUES)
    (False, True)
    """
    return size >= min_size


@contextmanager
def kernel_threads(size: int, min_size: int) -> Iterator[None]:
    """Run numba's kernels in the block on one thread unless ``size`` is worth the pool.

    The decision is :func:`run_parallel`; the previous thread count is restored after.
    """
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(previous if run_parallel(size, min_size) else 1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)
