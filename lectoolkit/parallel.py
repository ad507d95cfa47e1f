"""Map a function over independent tasks: in-process, on a local process pool, or on Dask.

This is the one place where the toolkit runs things side by side (coalition
sub-problems, scenario sweeps, notebook batches). There is no scheduler of our own:
a :class:`concurrent.futures.ProcessPoolExecutor` locally, or a
``dask.distributed.Client`` (local cluster or remote scheduler) when one is given.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed

from tqdm.auto import tqdm


def map_tasks(
    fn: Callable,
    tasks: Iterable,
    *,
    jobs: int = 1,
    client=None,
    progress: bool = True,
    desc: str | None = None,
) -> list:
    """Apply ``fn`` to every task and return the results in task order.

    Parameters
    ----------
    fn : callable
        A picklable function of one argument, importable by the workers (defined in a
        module, not in a notebook), since local workers are started with ``spawn``.
    tasks : iterable
        The arguments, one per call.
    jobs : int, default 1
        Worker processes of the local pool; 1 runs in this process.
    client : dask.distributed.Client, optional
        When given, tasks are submitted to this Dask cluster and ``jobs`` is ignored.
    progress : bool, default True
        Show a tqdm progress bar as tasks finish.
    desc : str, optional
        Label of the progress bar.

    Examples
    --------
    >>> map_tasks(abs, [-2, 3, -4], progress=False)
    [2, 3, 4]
    """
    tasks = list(tasks)
    jobs = int(jobs)
    if jobs < 1:
        raise ValueError(f"jobs: expected a positive number of workers, got {jobs}")
    bar = tqdm(total=len(tasks), desc=desc, disable=not progress)
    results: list = [None] * len(tasks)
    try:
        if client is not None:
            from dask.distributed import as_completed as dask_as_completed

            futures = client.map(fn, tasks, pure=False)
            index = {f.key: i for i, f in enumerate(futures)}
            for future in dask_as_completed(futures):
                results[index[future.key]] = future.result()
                bar.update()
        elif jobs == 1 or len(tasks) <= 1:
            for i, task in enumerate(tasks):
                results[i] = fn(task)
                bar.update()
        else:
            # spawn, not fork: a forked child of a process whose numba thread pool is
            # running deadlocks or dies
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context) as pool:
                futures = {pool.submit(fn, task): i for i, task in enumerate(tasks)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update()
    finally:
        bar.close()
    return results
