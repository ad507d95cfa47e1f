"""The ``lectoolkit`` command."""

from __future__ import annotations

import argparse
import sys


def _reproduce(args) -> int:
    from lectoolkit.reproduce import reproduce

    summary = reproduce(
        args.notebooks, args.figures, args.data, args.executed,
        quick=args.quick, only=args.only, jobs=args.jobs, progress=not args.no_progress,
    )
    print(summary.drop(columns=["executed"]).to_string(index=False))
    failed = summary[summary["status"] != "ok"]
    if len(failed):
        print(f"\n{len(failed)} of {len(summary)} notebooks failed; executed copies are in "
              f"{args.executed}", file=sys.stderr)
        return 1
    print(f"\nall {len(summary)} notebooks ran; figures in {args.figures}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of the ``lectoolkit`` command."""
    parser = argparse.ArgumentParser(prog="lectoolkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("reproduce", help="execute every study notebook and regenerate figures/")
    rep.add_argument("--quick", action="store_true", help="CI-sized parameters (params/quick.yaml)")
    rep.add_argument("--only", metavar="PATTERN", help="only notebooks whose name matches")
    rep.add_argument("--jobs", type=int, default=1, metavar="N", help="notebooks run side by side")
    rep.add_argument("--notebooks", default="notebooks", help="folder of the notebooks")
    rep.add_argument("--figures", default="figures", help="output folder of figures and metrics")
    rep.add_argument("--data", default="data", help="data folder passed to the notebooks")
    rep.add_argument("--executed", default="build/executed", help="folder of executed copies")
    rep.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    rep.set_defaults(func=_reproduce)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``lectoolkit`` console script."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
