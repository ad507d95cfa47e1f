"""The one thread policy and the size limits (lectoolkit._limits, issue 8)."""

import numba
import pytest

from lectoolkit import _limits


def test_run_parallel_is_a_threshold():
    assert not _limits.run_parallel(99, 100)
    assert _limits.run_parallel(100, 100)


def test_kernel_threads_switches_to_one_thread_below_the_cut_off_and_restores():
    before = numba.get_num_threads()
    with _limits.kernel_threads(10, _limits.PARALLEL_MIN_VALUES):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with _limits.kernel_threads(_limits.PARALLEL_MIN_VALUES, _limits.PARALLEL_MIN_VALUES):
        assert numba.get_num_threads() == before
    with pytest.raises(RuntimeError), _limits.kernel_threads(1, 2):
        raise RuntimeError("a failing kernel")
    assert numba.get_num_threads() == before


def test_player_limits_are_ordered():
    # a builder's game fits the dense routes; the LP limits are below the builders'
    assert (_limits.FULL_ENUMERATION_MAX_PLAYERS <= _limits.FULL_ENUMERATION_LIMIT
            <= _limits.MAX_GAME_PLAYERS <= _limits.MAX_COMBINATION_PLAYERS
            <= _limits.MAX_DENSE_PLAYERS)
