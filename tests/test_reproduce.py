"""The batch runner and the `lectoolkit reproduce` command on throwaway notebooks."""

import time

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


def _args(project, *extra):
    return ["reproduce", "--no-progress", "--notebooks", str(project / "notebooks"),
            "--figures", str(project / "figures"), "--data", str(project),
            "--executed", str(project / "executed"), *extra]


@pytest.mark.parametrize("extra", [
    ["--only", "zzz"],              # no notebook matches
    ["--jobs", "0"],                # no workers
    ["--jobs", "two"],              # not a number
    ["--timeout", "-5"],            # not a time limit
    ["--notebooks", "/nonexistent/folder"],
])
def test_command_line_mistakes_end_with_one_line_and_exit_code_2(project, capsys, extra):
    with pytest.raises(SystemExit) as stop:
        raise SystemExit(main(_args(project, *extra)))
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]
    assert "Traceback" not in err[0]


@pytest.mark.parametrize("only", ["good", "0?_good", "goo*", "*good", "01_good"])
def test_only_matches_globs_and_substrings_alike(project, only):
    assert [p.stem for p in find_notebooks(project / "notebooks", only)] == ["01_good"]


def test_a_notebook_past_its_time_limit_fails_and_the_batch_goes_on(project, capsys):
    _notebook(project / "notebooks" / "00_sleepy.ipynb", "import time\ntime.sleep(600)")
    start = time.time()
    assert main(_args(project, "--timeout", "20")) == 1
    assert time.time() - start < 120
    out = capsys.readouterr()
    assert "timed out after 20 s" in out.out
    assert "2 of 3 notebooks failed" in out.err
    assert (project / "figures" / "01_good__line.png").exists()


@pytest.mark.parametrize("stop", ["raise SystemExit(0)", "import sys\nsys.exit(0)"])
def test_a_notebook_that_stops_early_counts_as_failed(project, capsys, stop):
    _notebook(project / "notebooks" / "03_early.ipynb", stop)
    nb = nbformat.read(project / "notebooks" / "03_early.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("open('never', 'w')"))
    nbformat.write(nb, project / "notebooks" / "03_early.ipynb")
    assert main(_args(project, "--only", "early")) == 1
    out = capsys.readouterr().out
    assert "stopped early" in out and "SystemExit" in out


def test_version_and_help_say_what_is_written_where(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("lectoolkit ")
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    text = capsys.readouterr().out
    assert "--timeout" in text and "figures" in text and "executed" in text


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


def test_quick_runs_do_not_overwrite_the_full_size_figures(project, monkeypatch):
    monkeypatch.chdir(project)
    args = ["reproduce", "--quick", "--only", "good", "--no-progress",
            "--notebooks", "notebooks", "--data", ".", "--executed", "executed"]
    assert main(args) == 0
    assert (project / "build" / "figures-quick" / "01_good__line.png").exists()
    assert not (project / "figures").exists()


@pytest.mark.slow  # two notebook runs, about 17 s
def test_two_runs_write_the_same_bytes(project):
    # `make reproduce` twice must leave git clean: same figure and metrics bytes
    first, second = project / "first", project / "second"
    for out in (first, second):
        assert main(["reproduce", "--only", "good", "--no-progress",
                     "--notebooks", str(project / "notebooks"), "--figures", str(out),
                     "--data", str(project), "--executed", str(project / "executed")]) == 0
    for name in ("01_good__line.png", "01_good__metrics.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_top_level_help_describes_the_toolkit(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "energy communities" in text and "--version" in text and "reproduce" in text
    with pytest.raises(SystemExit):
        main(["reproduce", "--help"])
    text = capsys.readouterr().out
    assert "__metrics.json" in text and "__timings.json" in text and "INTERACTIVE" in text


def test_scheduler_runs_the_notebooks_on_a_dask_cluster(project, capsys):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        args = ["reproduce", "--scheduler", cluster.scheduler_address, "--no-progress",
                "--only", "good", "--notebooks", str(project / "notebooks"),
                "--figures", str(project / "figures"), "--data", str(project),
                "--executed", str(project / "executed")]
        assert main(args) == 0
    assert "01_good" in capsys.readouterr().out
    assert (project / "figures" / "01_good__line.png").exists()


def test_an_unreachable_scheduler_is_a_usage_error(project, capsys):
    pytest.importorskip("dask.distributed")
    args = ["reproduce", "--scheduler", "tcp://127.0.0.1:9", "--no-progress",
            "--notebooks", str(project / "notebooks")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("lectoolkit reproduce: error: --scheduler:") and err.count("\n") == 1
