"""Run the benchmark suite and write benchmarks/BENCHMARKS.md.

Every ``benchmarks/bench_*.py`` module exposes ``run(quick: bool) -> list[dict]``
(rows built with :func:`timing.row`). Each row pairs our time with a baseline timed in
the same run, so the ratio is meaningful on a shared, noisy machine.

BENCHMARKS.md holds one section per module, each with the command, date and machine of
the run that wrote it: a full run rewrites every section, ``--only NAME`` rewrites the
section of ``bench_NAME.py`` and keeps the others. ``--quick`` and ``--no-write`` only print.

Usage: ``python benchmarks/run.py [--quick] [--only NAME] [--no-write]``
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _fmt(value, digits=4):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


HEADER = """# Benchmarks

Written by `python benchmarks/run.py` (all sections) or `python benchmarks/run.py --only NAME`
(the section of `bench_NAME.py`). Each row times our implementation and a baseline in the
same run; ratio = baseline / ours. Timings are machine measurements: compare ratios, not
seconds, across sections run at different times.
"""


def render_section(name: str, rows: list[dict], command: str) -> str:
    """The BENCHMARKS.md section of one benchmark module."""
    lines = [
        f"## {name}",
        "",
        f"Command: `{command}`  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        "",
        "| benchmark | size | ours [s] | baseline | baseline [s] | ratio | peak [MB] "
        "| target | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            "| " + " | ".join(
                _fmt(r.get(k)) for k in
                ("benchmark", "size", "ours_s", "baseline", "baseline_s", "ratio",
                 "peak_mb", "target", "met")
            ) + " |"
        )
    return "\n".join(lines) + "\n"


def sections(text: str) -> dict[str, str]:
    """Module name -> its section in an existing BENCHMARKS.md text (in file order)."""
    parts = text.split("\n## ")[1:]
    return {part.split("\n", 1)[0].strip(): "## " + part.rstrip("\n") + "\n"
            for part in parts}


def merge(existing: str, new: dict[str, str]) -> str:
    """BENCHMARKS.md text: the existing sections with ``new`` replacing or added, sorted."""
    merged = {**sections(existing), **new}
    return HEADER + "".join("\n" + merged[name] for name in sorted(merged))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    parser.add_argument("--only", help="run only bench_<ONLY>.py")
    parser.add_argument("--no-write", action="store_true", help="print, do not write BENCHMARKS.md")
    args = parser.parse_args(argv)
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if args.only:
        names = [n for n in names if n == f"bench_{args.only}"]
    written = {}
    for name in names:
        print(f"== {name}", flush=True)
        rows = []
        for r in importlib.import_module(name).run(quick=args.quick):
            print("   " + ", ".join(f"{k}={_fmt(v)}" for k, v in r.items()), flush=True)
            rows.append(r)
        command = "python benchmarks/run.py" + (" --quick" if args.quick else "") + (
            f" --only {args.only}" if args.only else "")
        written[name] = render_section(name, rows, command)
    path = HERE / "BENCHMARKS.md"
    existing = path.read_text() if (args.only and path.exists()) else ""
    text = merge(existing, written)
    if not (args.no_write or args.quick):
        path.write_text(text)
    print("".join(written.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
