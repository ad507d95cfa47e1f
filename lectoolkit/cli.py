"""The ``lectoolkit`` command: regenerate the figures of the study notebooks.

``lectoolkit reproduce`` executes every notebook of ``notebooks/`` with papermill, writes
figures, metrics and timings to ``figures/`` (``build/figures-quick/`` with ``--quick``)
and the executed copies to ``build/executed/``, and prints a summary table. Mistakes in
the command line end with one line on stderr and exit code 2; failed notebooks end with
exit code 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

QUICK_FIGURES_DIR = "build/figures-quick"
"""Where ``--quick`` writes figures by default, so the committed full-size ones stay."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr, exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _reproduce(args) -> int:
    from lectoolkit.reproduce import reproduce

    if args.figures is None:
        args.figures = QUICK_FIGURES_DIR if args.quick else "figures"
    try:
        with _dask_client(args.scheduler) as client:
            summary = reproduce(
                args.notebooks, args.figures, args.data, args.executed,
                quick=args.quick, only=args.only, jobs=args.jobs,
                client=client, progress=not args.no_progress, timeout_s=args.timeout,
            )
    except (FileNotFoundError, TypeError, ValueError, OSError) as err:
        print(f"lectoolkit reproduce: error: {err}", file=sys.stderr)
        return 2
    print(summary.drop(columns=["executed"]).to_string(index=False))
    failed = summary[summary["status"] != "ok"]
    if len(failed):
        print(f"\n{len(failed)} of {len(summary)} notebooks failed; executed copies are in "
              f"{args.executed}", file=sys.stderr)
        return 1
    print(f"\nall {len(summary)} notebooks ran; figures in {args.figures}")
    return 0


@contextmanager
def _dask_client(address: str | None) -> Iterator:
    """A Dask client of the scheduler at ``address`` (None: no client, local processes)."""
    if address is None:
        yield None
        return
    try:
        from dask.distributed import Client
    except ImportError as err:
        raise ValueError("--scheduler: needs Dask; install it with "
                         "`pip install 'lectoolkit[dask]'`") from err
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise ValueError(f"--scheduler: no Dask scheduler answered at {address!r} ({err})"
                         ) from err
    with client:
        yield client


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the ``lectoolkit`` command."""
    from lectoolkit import __version__

    parser = _Parser(
        prog="lectoolkit",
        description=(
            "lectoolkit: research toolkit for local and renewable energy communities "
            "(settlement mechanisms, cooperative games, operation models). The command "
            "regenerates the studies: `lectoolkit reproduce` executes the notebooks of "
            "notebooks/ and writes their figures and key numbers to figures/. For "
            "interactive use open a notebook in Jupyter (or `voila notebooks/<study>.ipynb`)."
        ),
        epilog="Run `lectoolkit reproduce --help` for what each option writes where.",
    )
    parser.add_argument("--version", action="version", version=f"lectoolkit {__version__}",
                        help="print the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser,
                                metavar="COMMAND")
    rep = sub.add_parser(
        "reproduce", help="execute every study notebook and regenerate figures/",
        description=(
            "Execute the study notebooks with papermill, in sorted order, each in a process "
            "of its own with INTERACTIVE = False. Writes every figure as "
            "<stem>__<slug>.png, the key numbers as <stem>__metrics.json (floats rounded to "
            "13 significant digits, so a second run leaves git clean) and machine "
            "measurements as <stem>__timings.json into --figures; executed copies of the "
            "notebooks (with their outputs) into --executed. Prints one summary row per "
            "notebook. Exit status: 0 all ran, 1 a notebook failed, 2 a usage error."
        ),
        epilog=("Examples: `lectoolkit reproduce` (the committed figures/), "
                "`lectoolkit reproduce --quick --only p2p` (CI-sized, into "
                f"{QUICK_FIGURES_DIR}/)."),
    )
    rep.add_argument("--quick", action="store_true",
                     help=("CI-sized parameters from <notebooks>/params/quick.yaml; figures go "
                           f"to {QUICK_FIGURES_DIR}/ unless --figures is given, so the "
                           "committed full-size figures stay untouched"))
    rep.add_argument("--only", metavar="PATTERN",
                     help=("only notebooks whose stem matches PATTERN (glob, or a substring "
                           "such as 'p2p'); the others' figures are left as they are"))
    rep.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                     help="notebooks run side by side in N processes (default 1)")
    rep.add_argument("--scheduler", metavar="ADDRESS",
                     help=("run the notebooks on the Dask cluster whose scheduler is at ADDRESS "
                           "(for example tcp://10.0.0.5:8786; needs the dask extra) instead of "
                           "local processes; --jobs is then ignored. The workers must see the "
                           "same paths (a shared file system): they write --figures and "
                           "--executed themselves"))
    rep.add_argument("--timeout", type=_positive_float, default=3600.0, metavar="SECONDS",
                     help=("time limit per notebook; past it the notebook is stopped and "
                           "reported as failed (default 3600)"))
    rep.add_argument("--notebooks", default="notebooks", metavar="DIR",
                     help="folder of the notebooks and of params/quick.yaml (default notebooks)")
    rep.add_argument("--figures", default=None, metavar="DIR",
                     help=("where <stem>__<slug>.png, <stem>__metrics.json and "
                           "<stem>__timings.json are written, created if missing (default "
                           f"figures, or {QUICK_FIGURES_DIR} with --quick)"))
    rep.add_argument("--data", default="data", metavar="DIR",
                     help=("data folder passed to the notebooks as DATA_DIR; read only "
                           "(default data)"))
    rep.add_argument("--executed", default="build/executed", metavar="DIR",
                     help=("where the executed notebook copies (<stem>.ipynb, with outputs) are "
                           "written (default build/executed, git-ignored)"))
    rep.add_argument("--no-progress", action="store_true",
                     help="hide the progress bar (written to stderr)")
    rep.set_defaults(func=_reproduce)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``lectoolkit`` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
