"""map_tasks: order kept, local process pool safe after numba's parallel kernels ran."""

import math

import numpy as np
import pytest

from lectoolkit.parallel import map_tasks
from lectoolkit.settlement import settle


def test_in_process_keeps_order():
    assert map_tasks(math.sqrt, [9.0, 1.0, 4.0], progress=False) == [3.0, 1.0, 2.0]


def test_process_pool_after_numba_parallel_kernel():
    # a parallel numba kernel (2e6 values: above settle's single-thread cut-off) has run
    # in this process before the pool starts
    rng = np.random.default_rng(0)
    bills = settle(rng.random((2000, 1000)), rng.random((2000, 1000)), "mmr",
                   price_buy_per_kwh=0.3, price_sell_per_kwh=0.1).bills
    assert bills.shape == (1000,)
    assert map_tasks(math.factorial, [5, 3, 4, 6], jobs=2, progress=False) == [120, 6, 24, 720]


def test_rejects_bad_jobs():
    with pytest.raises(ValueError, match="jobs"):
        map_tasks(abs, [1], jobs=0)


@pytest.mark.parametrize(("jobs", "error"), [(True, TypeError), (2.5, ValueError),
                                             ("2", TypeError), (None, TypeError),
                                             (float("nan"), ValueError), (-1, ValueError)])
def test_jobs_must_be_an_integer_of_at_least_one(jobs, error):
    with pytest.raises(error, match=r"^jobs: expected"):
        map_tasks(abs, [1], jobs=jobs, progress=False)


@pytest.mark.parametrize(("args", "match"), [
    (("abs", [1]), r"^fn: expected a callable"),
    ((abs, None), r"^tasks: expected an iterable"),
    ((abs, 3), r"^tasks: expected an iterable"),
    ((abs, "abc"), r"^tasks: expected an iterable"),
    ((abs, {1, 2}), r"^tasks: expected an iterable"),
])
def test_fn_must_be_callable_and_tasks_an_iterable(args, match):
    with pytest.raises(TypeError, match=match):
        map_tasks(*args, progress=False)


def test_client_and_desc_are_checked():
    with pytest.raises(TypeError, match=r"^client: expected a dask.distributed.Client"):
        map_tasks(abs, [1], client="tcp://scheduler:8786", progress=False)
    with pytest.raises(TypeError, match=r"^desc: expected a string"):
        map_tasks(abs, [1], desc=3, progress=False)


def test_generators_are_accepted_as_tasks():
    assert map_tasks(abs, (x for x in [-1, 2]), progress=False) == [1, 2]
