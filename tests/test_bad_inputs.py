"""The bad-input battery (tests/battery.py): every case ends in a clear error."""

from __future__ import annotations

import inspect

import battery
import pytest

import lectoolkit

SPECS = [spec for group in battery.all_specs().values() for spec in group]
CASES = battery.cases(SPECS)

# Exported names that take no input worth a battery entry, with the reason.
EXEMPT = {
    "free_memory_bytes": "takes no argument",
    "available_solvers": "takes no argument",
}


def _is_result_or_error_type(obj) -> bool:
    return inspect.isclass(obj)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_gives_a_clear_error(case):
    outcome, detail = battery.run_case(case)
    assert outcome == "clear", f"{outcome}: {detail}"


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s.function}{s.id}" for s in SPECS])
def test_the_valid_call_of_each_entry_runs(spec):
    """Each entry's valid call succeeds, so every bad case differs from a good call in
    exactly the argument it breaks."""
    values = {k: battery._fresh(v) for k, v in spec.good.items()}
    args = [values.pop(k) for k in spec.positional]
    spec.target()(*args, **values)


def test_every_export_has_a_battery_entry():
    covered = {spec.function for spec in SPECS}
    missing = [
        name for name in lectoolkit.__all__
        if name not in covered and name not in EXEMPT
        and not _is_result_or_error_type(getattr(lectoolkit, name))
    ]
    assert not missing, f"exported functions without a battery entry: {missing}"


def test_every_entry_breaks_every_argument():
    """An entry lists bad values for each argument of its function's signature."""
    gaps = []
    for spec in SPECS:
        if spec.call is not None:
            continue
        params = inspect.signature(spec.target()).parameters
        wanted = {name for name, p in params.items()
                  if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        missing = wanted - set(spec.bad) - set(spec.unbroken)
        if missing:
            gaps.append(f"{spec.function}: {sorted(missing)}")
    assert not gaps, "arguments without bad values: " + "; ".join(gaps)
