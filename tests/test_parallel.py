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
