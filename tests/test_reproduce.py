"""The batch runner and the `lectoolkit reproduce` command on throwaway notebooks."""

import nbformat
import pytest

from lectoolkit.cli import main
from lectoolkit.reproduce import find_notebooks, load_quick_parameters, notebook_parameters

GOOD = """
import matplotlib.pyplot as plt
from lectoolkit.plotting import save_figure, save_metrics
fig, ax = plt.subplots()
ax.plot([0, 1], [0, SCALE])
save_figure(fig, "01_good__line", FIG_DIR)
save_metrics({"scale": SCALE, "quick": QUICK}, "01_good", FIG_DIR)
"""


def _notebook(path, body, parameters="FIG_DIR = 'figs'\nQUICK = False\nSCALE = 1.0"):
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(
        cells=[params, nbformat.v4.new_code_cell(body)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}},
    )
    nbformat.write(nb, path)


@pytest.fixture
def project(tmp_path):
    notebooks = tmp_path / "notebooks"
    (notebooks / "params").mkdir(parents=True)
    _notebook(notebooks / "01_good.ipynb", GOOD)
    _notebook(notebooks / "02_bad.ipynb", "raise RuntimeError('broken on purpose')")
    (notebooks / "params" / "quick.yaml").write_text(
        "all:\n  QUICK: true\nnotebooks:\n  01_good:\n    SCALE: 2.5\n")
    return tmp_path


def test_runner_goes_on_past_a_failure_and_reports(project, capsys):
    args = ["reproduce", "--quick", "--no-progress",
            "--notebooks", str(project / "notebooks"), "--figures", str(project / "figures"),
            "--data", str(project), "--executed", str(project / "executed")]
    assert main(args) == 1
    out = capsys.readouterr()
    assert "01_good" in out.out and "02_bad" in out.out and "broken on purpose" in out.out
    assert "1 of 2 notebooks failed" in out.err
    assert (project / "figures" / "01_good__line.png").exists()
    metrics = (project / "figures" / "01_good__metrics.json").read_text()
    assert '"scale": 2.5' in metrics and '"quick": true' in metrics
    assert (project / "executed" / "02_bad.ipynb").exists()


def test_only_filter_and_success_exit(project, capsys):
    args = ["reproduce", "--only", "good", "--no-progress",
            "--notebooks", str(project / "notebooks"), "--figures", str(project / "figures"),
            "--data", str(project), "--executed", str(project / "executed")]
    assert main(args) == 0
    assert "all 1 notebooks ran" in capsys.readouterr().out


def test_find_and_parameters(project):
    nbs = project / "notebooks"
    assert [p.stem for p in find_notebooks(nbs)] == ["01_good", "02_bad"]
    assert [p.stem for p in find_notebooks(nbs, "0?_bad")] == ["02_bad"]
    spec = load_quick_parameters(nbs)
    params = notebook_parameters("01_good", quick=True, figures_dir="f", data_dir="d",
                                 quick_spec=spec)
    assert params["SCALE"] == 2.5 and params["QUICK"] is True
    full = notebook_parameters("01_good", quick=False, figures_dir="f", data_dir="d")
    assert full["QUICK"] is False


def test_no_matching_notebook(project):
    with pytest.raises(FileNotFoundError, match="notebooks_dir"):
        main(["reproduce", "--only", "zzz", "--notebooks", str(project / "notebooks")])


def test_bad_quick_yaml(project):
    (project / "notebooks" / "params" / "quick.yaml").write_text("defaults: {}\n")
    with pytest.raises(ValueError, match="unknown top-level keys"):
        load_quick_parameters(project / "notebooks")


def test_jobs_run_notebooks_side_by_side(project, capsys):
    args = ["reproduce", "--jobs", "2", "--no-progress",
            "--notebooks", str(project / "notebooks"), "--figures", str(project / "figures"),
            "--data", str(project), "--executed", str(project / "executed")]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert out.index("01_good") < out.index("02_bad")  # summary in notebook order
    assert (project / "figures" / "01_good__line.png").exists()
