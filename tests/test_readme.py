"""The README shows the two commands and a gallery of exactly the figures in figures/."""

import re

from tests.conftest import ROOT


def test_readme_commands_and_gallery():
    text = (ROOT / "README.md").read_text()
    assert "make reproduce" in text and "make test" in text
    shown = set(re.findall(r"\]\(figures/([^)]+\.png)\)", text))
    on_disk = {p.name for p in (ROOT / "figures").glob("*.png")}
    assert shown == on_disk, f"missing from README: {on_disk - shown}; stale: {shown - on_disk}"


def test_ci_script_calls_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
