"""Every public signature speaks the README's vocabulary (issue 8: one word, one meaning).

The allowed names are those of the tables under the README's "Nomenclature" heading whose
first column is ``name`` (quantities, and the other parameters that are not quantities);
the seed-data column table is data, not arguments, and is not read. Checked: the parameters
of every function exported by ``lectoolkit`` (``lectoolkit._EXPORTS``), the fields of every
exported dataclass and the ``__init__`` parameters of other exported classes (exceptions
excepted).
"""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest

import lectoolkit
from tests.conftest import ROOT

FORBIDDEN_WORDS = {"consumption", "supply", "demand", "currency", "id", "ids"}
"""Words with two meanings in the toolkit's past: refused anywhere in a name (as one of
its ``_``-separated words)."""

FORBIDDEN_NAMES = {"n", "time", "prices_in_cents", "tariff_axis"}
"""Whole names refused: ``n`` (exponent or player count), ``time`` (the step index is
``step``), a unit flag instead of a unit in the name, and the length-guessing axis."""


def _nomenclature_names() -> dict[str, int]:
    """Names of the README's Nomenclature ``name`` tables -> how often each is listed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Nomenclature", 1)[1].split("\n## ", 1)[0]
    names: dict[str, int] = {}
    in_table = False
    for line in section.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        first = line.split("|")[1].strip()
        if first in ("name", "column"):
            in_table = first == "name"
            continue
        if in_table and not set(first) <= {"-", " ", ":"}:
            for name in re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", first):
                names[name] = names.get(name, 0) + 1
    return names


def _public_names() -> list[tuple[str, str]]:
    """``(public object, parameter or field)`` pairs of everything exported."""
    pairs = []
    for export in sorted(lectoolkit._EXPORTS):
        obj = getattr(lectoolkit, export)
        if inspect.isclass(obj):
            if issubclass(obj, BaseException):
                continue
            if dataclasses.is_dataclass(obj):
                names = [field.name for field in dataclasses.fields(obj)]
            else:
                names = list(inspect.signature(obj.__init__).parameters)[1:]
        else:
            names = list(inspect.signature(obj).parameters)
        pairs += [(export, name) for name in names if not name.startswith("_")]
    return pairs


def _forbidden(name: str) -> bool:
    return name in FORBIDDEN_NAMES or bool(FORBIDDEN_WORDS & set(name.split("_")))


ALLOWED = _nomenclature_names()


def test_the_nomenclature_is_read_and_uses_no_forbidden_word():
    assert {"load_kwh", "pv_kwh", "net_load_kwh", "solver", "rng"} <= set(ALLOWED)
    assert len(ALLOWED) > 100
    assert not [name for name in ALLOWED if _forbidden(name)]
    assert not [name for name, count in ALLOWED.items() if count > 1], "listed twice"


@pytest.mark.parametrize(("name", "forbidden"), [
    ("consumption_kwh", True), ("total_consumption_kwh", True), ("supply_total_kwh", True),
    ("prosumer_ids", True), ("currency", True), ("n", True), ("time", True),
    ("tariff_axis", True), ("prices_in_cents", True), ("n_members", False),
    ("time_limit_s", False), ("load_kwh", False), ("exponent", False),
])
def test_the_forbidden_word_rule(name, forbidden):
    assert _forbidden(name) is forbidden


def test_every_public_signature_uses_the_nomenclature():
    pairs = _public_names()
    assert len(pairs) > 200
    offending = sorted((export, name) for export, name in pairs
                       if name not in ALLOWED or _forbidden(name))
    assert not offending, (
        f"{len(offending)} (function, parameter) pairs outside the README's Nomenclature "
        "or using a forbidden word:\n" + "\n".join(f"{e}: {n}" for e, n in offending))
