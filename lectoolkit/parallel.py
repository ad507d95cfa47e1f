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

from lectoolkit import _validate


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
        The arguments, one per call (any iterable but a string, bytes, a dict or a set:
        those are refused as almost certainly a mistake or of no fixed order).
    jobs : int, default 1
        Worker processes of the local pool, an integer >= 1; 1 runs in this process.
    client : dask.distributed.Client, optional
        When given, tasks are submitted to this Dask cluster and ``jobs`` is ignored.
    progress : bool, default True
        Show a tqdm progress bar as tasks finish (any truthy value shows it).
    desc : str, optional
        Label of the progress bar, a non-empty string.

    Returns
    -------
    list
        ``[fn(task) for task in tasks]``.

    Raises
    ------
    TypeError
        If ``fn`` is not callable, ``tasks`` not an iterable (or a string, bytes, dict,
        set), ``jobs`` not an integer, ``client`` has no ``map`` method, or ``desc`` is
        not a string.
    ValueError
        If ``jobs`` is below 1 or ``desc`` is empty.

    Examples
    --------
    >>> map_tasks(abs, [-2, 3, -4], progress=False)
    [2, 3, 4]
    """
    if not callable(fn):
        raise TypeError(f"fn: expected a callable of one argument, got {_validate.describe(fn)}")
    if isinstance(tasks, (str, bytes, dict, set, frozenset)) or not isinstance(tasks, Iterable):
        raise TypeError(f"tasks: expected an iterable of task arguments (a list), got "
                        f"{_validate.describe(tasks)}")
    jobs = _validate.integer(jobs, "jobs", minimum=1)
    if client is not None and not callable(getattr(client, "map", None)):
        raise TypeError(f"client: expected a dask.distributed.Client, got "
                        f"{_validate.describe(client)}")
    if desc is not None:
        _validate.text(desc, "desc")
    tasks = list(tasks)
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
