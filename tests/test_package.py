"""The top-level namespace: every exported name resolves, and importing stays light."""

import subprocess
import sys

import pytest

import lectoolkit


@pytest.mark.parametrize("name", lectoolkit.__all__)
def test_every_export_resolves(name):
    assert getattr(lectoolkit, name) is not None


def test_unknown_name():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        lectoolkit.nope  # noqa: B018


def test_import_does_not_load_heavy_modules():
    code = ("import sys, lectoolkit; "
            "print(sorted(m for m in ('numba', 'pyomo', 'papermill', 'matplotlib', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
