"""Tests of lectoolkit.widgets: the explorers are driven without a browser."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from lectoolkit.lem import OFFER_COLUMNS  # noqa: E402
from lectoolkit.widgets import lem_pricing_explorer  # noqa: E402


def _offers(sell_price: float = 0.05) -> pd.DataFrame:
    rows = [(t, "a", "buy", 2.0, 0.20) for t in range(4)]
    rows += [(t, "b", "sell", 1.0, sell_price) for t in range(4)]
    return pd.DataFrame(rows, columns=list(OFFER_COLUMNS))


def _parts(explorer):
    controls, message, image = explorer.children
    divider, compensation, pruned = controls.children
    return divider, compensation, pruned, message, image


def test_controls_react_on_release_with_labelled_units():
    divider, compensation, pruned, message, image = _parts(lem_pricing_explorer(
        _offers(), price_unit="EUR/kWh"))
    assert not divider.continuous_update and not compensation.continuous_update
    assert "[-]" in divider.description and "[-]" in compensation.description
    assert "EUR/kWh" in message.value
    assert image.value[:4] == b"\x89PNG"


def test_moving_a_slider_updates_the_output():
    divider, compensation, pruned, message, image = _parts(lem_pricing_explorer(_offers()))
    before_message, before_image = message.value, image.value
    # one buy of 2 kWh at 0.20, one sell of 1 kWh at 0.05: MMR = 0.05 + divider x 0.15
    assert "MMR (divider 0.50) 0.125" in before_message
    divider.value = 1.0
    assert "MMR (divider 1.00) 0.2" in message.value
    assert image.value != before_image
    compensation.value = 0.5
    assert "SDRC (c = 0.50)" in message.value
    pruned.value = False
    assert message.value != before_message


def test_an_impossible_setting_shows_a_message_not_a_traceback():
    # a sell at -0.1 with short supply: SDR is undefined until c >= 0.1 / 0.3
    _, compensation, _, message, image = _parts(lem_pricing_explorer(_offers(-0.1)))
    assert message.value.startswith("<b>This setting cannot be priced:</b> offers:")
    compensation.value = 0.5
    assert message.value.startswith("Mean price:")
    assert image.value[:4] == b"\x89PNG"


def test_bad_offers_are_refused_up_front():
    with pytest.raises(TypeError, match="^offers: "):
        lem_pricing_explorer([1, 2, 3])
    with pytest.raises(ValueError, match="^price_unit: "):
        lem_pricing_explorer(_offers(), price_unit="")
