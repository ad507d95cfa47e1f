"""An explorer in a real browser: Voilà serves it, headless Chromium moves a slider.

Needs the ``explore`` extra (voila), selenium and Debian's ``chromium`` and
``chromium-driver`` packages; skipped with the reason when one is missing. Marked
``browser`` (about 15 s: a Voilà server, a kernel and a browser start).
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.browser

CHROMIUM = next((path for path in map(shutil.which, ("chromium", "chromium-browser"))
                 if path), None)
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = [what for what, ok in (
    ("voila (pip install 'lectoolkit[explore]')", importlib.util.find_spec("voila")),
    ("selenium (pip install selenium)", importlib.util.find_spec("selenium")),
    ("chromium (apt-get install chromium)", CHROMIUM),
    ("chromedriver (apt-get install chromium-driver)", CHROMEDRIVER),
) if not ok]
if MISSING:
    pytest.skip("the browser test needs " + ", ".join(MISSING), allow_module_level=True)

EXPLORER = """\
from lectoolkit.io import read_prosumer_monthly
from lectoolkit.widgets import nrgx_explorer

n3 = read_prosumer_monthly({path!r})
nrgx_explorer(n3, max_price_per_kwh=0.1209, min_price_per_kwh=0.0984, a_kwh2=1e6,
              price_unit="$/kWh")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def voila_url(tmp_path_factory):
    """A Voilà server rendering a one-cell notebook with the NRG-X explorer."""
    folder = tmp_path_factory.mktemp("voila")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(
            EXPLORER.format(path=str(DATA / "prosumer_N3_model_20210129_1416.csv")))],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}})
    nbformat.write(notebook, folder / "explore.ipynb")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", "explore.ipynb", "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).close()  # noqa: S310 (local server)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"voila did not start (exit code {server.poll()})")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1200,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()


def test_moving_a_slider_redraws_the_plot(voila_url, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(voila_url)
    wait = WebDriverWait(browser, 120)
    image = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".widget-image"))
    message = browser.find_element(By.CSS_SELECTOR, ".widget-html-content")
    labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".widget-label")]
    assert "payment exponent n [-]" in labels and "bell width a [kWh²]" in labels
    before_src, before_text = image.get_attribute("src"), message.text
    assert before_text.startswith("Over 14 periods")
    exponent_handle = browser.find_elements(By.CSS_SELECTOR, ".noUi-handle")[0]
    ActionChains(browser).drag_and_drop_by_offset(exponent_handle, 60, 0).perform()
    # on release the kernel says "Computing…", settles again and sends a new message and
    # a new PNG (a new blob URL)
    def redrawn(driver):
        text = driver.find_element(By.CSS_SELECTOR, ".widget-html-content").text
        src = driver.find_element(By.CSS_SELECTOR, ".widget-image").get_attribute("src")
        return text.startswith("Over 14 periods") and text != before_text and src != before_src

    wait.until(redrawn)
