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


INTERACTIVE_STUDIES = ["01_profit_allocation", "02_nrgx_shapley_coalition", "03_p2p_settlement",
                       "04_community_invoicing", "05_rec_pricing", "06_shapley_at_scale",
                       "07_storage_games"]


@pytest.mark.parametrize("stem", INTERACTIVE_STUDIES)
def test_interactive_sessions_open_on_an_explorer_and_keep_out_of_figures(stem):
    nb = nbformat.read(NOTEBOOKS / f"{stem}.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    params = next(i for i, c in enumerate(nb.cells)
                  if "parameters" in c.metadata.get("tags", []))
    after = [c.source for c in nb.cells[params + 1:] if c.cell_type == "code"]
    # the cell after the parameters sends an interactive session's outputs to build/
    assert re.search(r"^if INTERACTIVE:.*\n\s+FIG_DIR = .*build", after[0], re.M), after[0]
    # the explorer comes right after it, from lectoolkit.widgets, only when INTERACTIVE
    assert re.match(r"if INTERACTIVE:\n\s+display\(\w+_explorer\(", after[1]), after[1]
    assert any("from lectoolkit.widgets import" in source for source in code)
    # notebooks call the library: no function defined here, nothing from benchmarks/
    assert not any(re.search(r"^\s*def ", source, re.M) for source in code)
    assert not any("benchmarks" in source or "sys.path" in source for source in code)
