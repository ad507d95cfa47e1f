"""The bad-input battery: one table of bad values per argument of every public function.

Each ``tests/battery_<group>.py`` module defines ``SPECS``, a list of :class:`Spec`:
a public function, a call that is valid, and per argument a list of :class:`Bad` values.
A case replaces one argument of the valid call by one bad value and must end in a *clear
error*: the expected exception type (``TypeError`` for the wrong kind of object,
``ValueError`` or a subclass for a wrong value) whose message starts with an argument name
and names the bad argument. Anything else is one of the failures the battery counts:

* ``unclear``: another exception, or the right type without naming the argument;
* ``silent``: the call returned;
* ``hang``: the call ran past :data:`TIMEOUT_S` seconds.

``python tests/battery.py`` prints the size of the battery and the count of each outcome.
"""

from __future__ import annotations

import importlib
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TIMEOUT_S = 60
"""A case still running after this many seconds counts as a hang."""

NAN, INF = float("nan"), float("inf")


@dataclass(frozen=True)
class Bad:
    """One bad value for an argument and the exception type it must raise."""

    value: Any
    error: type[Exception]
    label: str


@dataclass
class Spec:
    """A public function, a valid call, and the bad values of its arguments.

    ``good`` maps argument names to valid values (a callable value is called afresh for
    every case, so cases cannot share mutable inputs). ``positional`` names the arguments
    passed by position, in order; the rest go by keyword. ``call`` replaces the exported
    function when the public name is a class or needs set-up (it receives the arguments).
    ``id`` tells apart two specs of one function (for example two modes). ``names`` adds
    argument names a message may start with (arguments of a wrapped call); ``unbroken``
    maps an argument that has no bad value to the reason (for example ``progress``, where
    any truthy object is fine).
    """

    function: str
    good: dict[str, Any]
    bad: dict[str, list[Bad]]
    positional: tuple[str, ...] = ()
    call: Callable[..., Any] | None = None
    id: str = ""
    names: tuple[str, ...] = field(default=())
    unbroken: dict[str, str] = field(default_factory=dict)

    def target(self) -> Callable[..., Any]:
        if self.call is not None:
            return self.call
        import lectoolkit

        return getattr(lectoolkit, self.function)


# --------------------------------------------------------------------------- tables


def number_bads(*, negative: bool = False, zero: bool = False, extra=()) -> list[Bad]:
    """Bad values of a finite real scalar; ``negative``/``zero``: those are bad too."""
    bads = [
        Bad(NAN, ValueError, "nan"), Bad(INF, ValueError, "inf"), Bad(-INF, ValueError, "-inf"),
        Bad("1.0", TypeError, "str"), Bad(True, TypeError, "bool"),
        Bad(None, TypeError, "none"), Bad([1.0, 2.0], TypeError, "list"),
    ]
    if negative:
        bads.append(Bad(-1.0, ValueError, "negative"))
    if zero:
        bads.append(Bad(0.0, ValueError, "zero"))
    return bads + list(extra)


def integer_bads(*, minimum: int | None = 1, extra=()) -> list[Bad]:
    """Bad values of an integer count."""
    bads = [
        Bad(NAN, ValueError, "nan"), Bad(INF, ValueError, "inf"), Bad(2.5, ValueError, "fraction"),
        Bad("3", TypeError, "str"), Bad(True, TypeError, "bool"), Bad(None, TypeError, "none"),
    ]
    if minimum is not None:
        bads.append(Bad(minimum - 1, ValueError, "below_minimum"))
    return bads + list(extra)


def choice_bads(extra=()) -> list[Bad]:
    """Bad values of a string option."""
    return [Bad("nope", ValueError, "unknown"), Bad(1, TypeError, "int"),
            Bad(None, TypeError, "none")] + list(extra)


def vector_bads(good, *, nonneg: bool = True, min_size: int = 1, fixed_length: bool = True,
                extra=()) -> list[Bad]:
    """Bad values of a per-member (or per-step) vector whose valid value is ``good``.

    ``fixed_length=False``: the vector may have any length, so a longer one is no bad value.
    """
    arr = np.asarray(good, dtype=float)
    bads = [
        Bad(_poke(arr, NAN), ValueError, "nan"), Bad(_poke(arr, INF), ValueError, "inf"),
        Bad(_poke(arr, -INF), ValueError, "-inf"), Bad(arr[None, :], ValueError, "2d"),
        Bad(np.array([]), ValueError, "empty"),
        Bad(arr.astype(str), TypeError, "str_dtype"), Bad(arr > 0, TypeError, "bool_dtype"),
        Bad("abc", TypeError, "str"), Bad(None, TypeError, "none"),
    ]
    if fixed_length:
        bads.append(Bad(np.append(arr, arr[:1]), ValueError, "too_long"))
    if min_size > 1:
        bads.append(Bad(arr[: min_size - 1], ValueError, "too_few"))
    if nonneg:
        bads.append(Bad(_poke(arr, -1.0), ValueError, "negative"))
    if isinstance(good, pd.Series):
        bads += series_bads(good)
    return bads + list(extra)


def series_bads(good: pd.Series) -> list[Bad]:
    """Duplicated and foreign labels of a labelled vector."""
    dup = good.copy()
    dup.index = [good.index[0]] * len(good)
    foreign = good.copy()
    foreign.index = [f"zz{i}" for i in range(len(good))]
    return [Bad(dup, ValueError, "duplicated_labels"), Bad(foreign, ValueError, "foreign_labels")]


def matrix_bads(good, *, nonneg: bool = True, extra=()) -> list[Bad]:
    """Bad values of an (n_steps, n_members) array whose valid value is ``good``."""
    arr = np.asarray(good, dtype=float)
    bads = [
        Bad(_poke(arr, NAN), ValueError, "nan"), Bad(_poke(arr, INF), ValueError, "inf"),
        Bad(_poke(arr, -INF), ValueError, "-inf"), Bad(arr[0], ValueError, "1d"),
        Bad(np.empty((0, arr.shape[1])), ValueError, "empty"),
        Bad(arr.astype(str), TypeError, "str_dtype"), Bad(arr > 0, TypeError, "bool_dtype"),
        Bad("abc", TypeError, "str"), Bad(None, TypeError, "none"),
    ]
    if arr.shape[0] != arr.shape[1]:
        bads.append(Bad(arr.T.copy(), ValueError, "transposed"))
    if nonneg:
        bads.append(Bad(_poke(arr, -1.0), ValueError, "negative"))
    if isinstance(good, pd.DataFrame):
        dup = good.copy()
        dup.columns = [good.columns[0]] * good.shape[1]
        bads.append(Bad(dup, ValueError, "duplicated_columns"))
        dup_rows = good.copy()
        dup_rows.index = [good.index[0]] * good.shape[0]
        bads.append(Bad(dup_rows, ValueError, "duplicated_index"))
    return bads + list(extra)


def _poke(arr: np.ndarray, value: float) -> np.ndarray:
    out = np.array(arr, dtype=float, copy=True)
    out.flat[out.size // 2] = value
    return out


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Case:
    spec: Spec
    argument: str
    bad: Bad

    @property
    def id(self) -> str:
        tag = f"[{self.spec.id}]" if self.spec.id else ""
        return f"{self.spec.function}{tag}-{self.argument}-{self.bad.label}"


def cases(specs: list[Spec]) -> list[Case]:
    return [Case(s, arg, b) for s in specs for arg, bads in s.bad.items() for b in bads]


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang


def _fresh(value):
    return value() if callable(value) and getattr(value, "_battery_factory", False) else value


def factory(make: Callable[[], Any]) -> Callable[[], Any]:
    """Wrap ``make`` (any callable, bound methods too) to build a fresh value for every case."""

    def build():
        return make()

    build._battery_factory = True  # type: ignore[attr-defined]
    return build


def _argument_names(spec: Spec) -> set[str]:
    return set(spec.good) | set(spec.names)


def run_case(case: Case) -> tuple[str, str]:
    """Run one case; return ``(outcome, detail)`` with outcome in clear/unclear/silent/hang."""
    spec = case.spec
    values = {k: _fresh(v) for k, v in spec.good.items()}
    values[case.argument] = case.bad.value
    args = [values.pop(k) for k in spec.positional]
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        result = spec.target()(*args, **values)
    except _Hang:
        return "hang", f"still running after {TIMEOUT_S} s"
    except Exception as err:  # noqa: BLE001 - the battery classifies every exception
        return _classify(case, err)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return "silent", f"returned {type(result).__name__}: {str(result)[:200]!r}"


def _classify(case: Case, err: Exception) -> tuple[str, str]:
    message = str(err)
    detail = f"{type(err).__name__}: {message[:300]}"
    if not isinstance(err, case.bad.error):
        return "unclear", f"expected {case.bad.error.__name__}, got {detail}"
    head = message.split(":", 1)[0]
    names = re.split(r"[,\s]+(?:and\s+)?", head.strip())
    if not names or not set(names) <= _argument_names(case.spec) | {""}:
        return "unclear", f"message does not start with an argument name: {detail}"
    if not re.search(rf"\b{re.escape(case.argument)}\b", message):
        return "unclear", f"message does not name {case.argument!r}: {detail}"
    return "clear", detail


def all_specs() -> dict[str, list[Spec]]:
    """``SPECS`` of every ``battery_*.py`` module, by module name."""
    here = Path(__file__).resolve().parent
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    return {
        path.stem: importlib.import_module(path.stem).SPECS
        for path in sorted(here.glob("battery_*.py"))
    }


def tally() -> tuple[int, int, Counter, list[tuple[str, str, str]]]:
    """Run the whole battery: (functions, cases, outcome counts, failures)."""
    specs = [s for group in all_specs().values() for s in group]
    counts: Counter = Counter()
    failures = []
    for case in cases(specs):
        outcome, detail = run_case(case)
        counts[outcome] += 1
        if outcome != "clear":
            failures.append((case.id, outcome, detail))
    return len({s.function for s in specs}), sum(counts.values()), counts, failures


if __name__ == "__main__":
    n_functions, n_cases, counts, failures = tally()
    for case_id, outcome, detail in failures:
        print(f"{outcome:8s} {case_id}: {detail}")
    print(f"{n_functions} functions, {n_cases} cases: " + ", ".join(
        f"{counts[k]} {k}" for k in ("clear", "unclear", "silent", "hang")))
