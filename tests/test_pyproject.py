"""Packaging metadata (issue 8): SPDX licence, distinct test and dev extras."""

import pytest

from tests.conftest import ROOT

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_licence_is_an_spdx_expression_with_its_file():
    # the deprecated table form ({text = ...} / {file = ...}) makes setuptools warn
    assert PROJECT["license"] == "BSD-3-Clause"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("BSD 3-Clause License")


def test_dev_extra_is_the_test_extra_plus_the_linter():
    extras = PROJECT["optional-dependencies"]
    assert extras["test"] != extras["dev"]
    assert "lectoolkit[test]" in extras["dev"]
    assert any(req.startswith("ruff") for req in extras["dev"])
    assert not any(req.startswith("ruff") for req in extras["test"])
