"""House rules of the study notebooks, checked without executing them."""

import re

import nbformat
import pytest
import yaml

from tests.conftest import NOTEBOOKS

PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
REQUIRED = {"FIG_DIR", "DATA_DIR", "QUICK", "INTERACTIVE"}


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_parameters_cell(path):
    from papermill.translators import PythonTranslator

    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    cell = tagged[0]
    names = {p.name for p in PythonTranslator.inspect(cell)}
    assert REQUIRED <= names
    assignments = [ln for ln in cell.source.splitlines() if re.match(r"^[A-Z_0-9]+ = ", ln)]
    assert len(assignments) == len(names), "every parameter line parses (no '=' in comments)"
    for line in assignments:
        assert re.search(r"  # \[[^\]]+\] \S", line), f"no '# [unit] help' comment: {line}"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(c.outputs or c.execution_count for c in code)
    assert nb.cells[0].cell_type == "markdown"


def test_quick_parameters_name_existing_notebooks_and_parameters():
    spec = yaml.safe_load((NOTEBOOKS / "params" / "quick.yaml").read_text())
    from papermill.translators import PythonTranslator

    for stem, overrides in spec["notebooks"].items():
        nb = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        names = {p.name for p in PythonTranslator.inspect(cell)}
        assert set(overrides or {}) <= names, stem
