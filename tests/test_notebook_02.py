"""Study 02 (seed 001) executed with the quick parameters; its key numbers against the seed."""

import numpy as np
import pytest

from tests.test_nrgx import ATOL, SEED_MONTHLY_CASH

STEM = "02_nrgx_shapley_coalition"

pytestmark = pytest.mark.notebooks


def test_figures_written(study):
    _, figures = study
    assert {"n3_profiles", "n3_tp_vs_tc", "n100_tp_vs_tc", "coalition_payoff",
                 "coalition_gain_vs_n", "n100_sampled_shapley"} <= figures


def test_seed_numbers(study):
    metrics, _ = study
    assert metrics["max_price_cents"] == 12.09 and metrics["min_price_cents"] == 9.84
    np.testing.assert_allclose(metrics["first_month_nrg_cash"],
                               [-17.458161, 15.475455, -48.256628], atol=ATOL)
    np.testing.assert_allclose(metrics["first_month_nrg_cash_swapped"],
                               [-21.450119, 12.595408, -59.290917], atol=ATOL)
    for month, cash in SEED_MONTHLY_CASH.items():
        assert metrics["monthly_nrg_cash"][month] == pytest.approx(cash, abs=ATOL)


def test_coalition_findings(study):
    metrics, _ = study
    assert metrics["coalition_linear_max_gap"] < 1e-9  # additive game: Shapley = stand-alone
    assert metrics["coalition_superadditive_gain_total"] > 0  # n > 1: the coalition gains
    assert metrics["coalition_superadditive_efficiency_gap"] < 1e-9
    assert metrics["n100_prosumers"] == 100
    # months with more than 20 exporters are sampled: estimates still sum to v(N) exactly
    assert metrics["n100_sampled_months"] > 0 and metrics["n100_max_exporters"] > 20
    assert metrics["n100_max_std_error"] > 0
    assert metrics["n100_sampled_efficiency_gap"] < 1e-6


def test_an_interactive_session_shows_the_explorer_and_writes_nothing_into_figures(tmp_path):
    # the notebook opened by hand (INTERACTIVE = True, its default) in a copy of the project
    import shutil

    import nbformat
    import papermill

    from tests.conftest import DATA, NOTEBOOKS

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(NOTEBOOKS / f"{STEM}.ipynb", notebooks)
    executed = tmp_path / "executed.ipynb"
    papermill.execute_notebook(
        notebooks / f"{STEM}.ipynb", executed, cwd=notebooks, progress_bar=False,
        parameters={"DATA_DIR": str(DATA), "N100_PERMUTATIONS": 200, "N_SWEEP": [1.0, 1.1]})
    assert not (tmp_path / "figures").exists()  # FIG_DIR's default, ../figures
    written = {p.name for p in (tmp_path / "build" / "interactive").iterdir()}
    assert f"{STEM}__metrics.json" in written
    outputs = [o for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code"
               for o in c.get("outputs", [])]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
