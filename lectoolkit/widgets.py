"""Interactive explorers for notebooks (ipywidgets, imported when an explorer is built).

Each explorer calls the same library functions as a notebook's batch path and returns an
ipywidgets container; its sliders react when released (``continuous_update=False``). A
setting the model cannot price shows a message in the explorer instead of a traceback.
"""

from __future__ import annotations

import html
import io

from lectoolkit import _validate


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the explorers need ipywidgets: pip install 'lectoolkit[notebooks]' "
            "(or pip install ipywidgets)"
        ) from err
    return ipywidgets


def _png(prices: dict, price_unit: str, title: str) -> bytes:
    """A step plot of price series (one per rule) as PNG bytes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.6), dpi=90)
    ax = fig.subplots()
    for (label, series), style in zip(prices.items(), ("-", "--", "-."), strict=False):
        ax.step(range(len(series)), series.to_numpy(), where="post", ls=style, label=label)
    ax.set(xlabel="Step", ylabel=f"LEM price [{price_unit}]", title=title)
    ax.grid(True, ls="--", alpha=0.5)
    ax.legend(loc="best", fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def lem_pricing_explorer(offers, *, steps=None, price_unit: str = "money/kWh"):
    """Sliders for the MMR divider and the SDRC compensation over an offers table.

    Shows the local-market price of every step under the crossing value, MMR and SDR/SDRC
    (:func:`lectoolkit.lem_prices`), complete or pruned, and the mean of each.

    Parameters
    ----------
    offers : pandas.DataFrame
        An offers table (:func:`lectoolkit.build_offers`); not modified.
    steps : sequence of step labels, optional
        The horizon (see :func:`lectoolkit.lem_prices`).
    price_unit : str, default "money/kWh"
        Unit of the offers' prices, for the labels (e.g. ``"EUR/kWh"``).

    Returns
    -------
    ipywidgets.VBox
        The controls (``divider`` and ``compensation`` sliders, ``pruned`` checkbox), a
        message line (``HTML``) and the price plot (``Image``, PNG).

    Raises
    ------
    TypeError, ValueError
        As :func:`lectoolkit.lem_prices` for ``offers`` and ``steps``; ``price_unit`` not a
        non-empty string. ImportError without ipywidgets.
    """
    from lectoolkit.lem import lem_prices

    price_unit = _validate.text(price_unit, "price_unit")
    crossing = lem_prices(offers, "crossing_value", steps=steps)  # validates the inputs
    widgets = _ipywidgets()
    style = {"description_width": "initial"}
    layout = widgets.Layout(width="340px")
    divider = widgets.FloatSlider(
        value=0.5, min=0.0, max=1.0, step=0.05, continuous_update=False, style=style,
        layout=layout, description="MMR divider (0 = highest sell, 1 = lowest buy) [-]")
    compensation = widgets.FloatSlider(
        value=0.0, min=0.0, max=1.0, step=0.05, continuous_update=False, style=style,
        layout=layout, description="SDRC compensation c [-]")
    pruned = widgets.Checkbox(value=True, description="pruned: accepted offers only")
    message = widgets.HTML()
    image = widgets.Image(format="png")

    def update(_change=None) -> None:
        try:
            prices = {
                "crossing value": crossing,
                f"MMR (divider {divider.value:.2f})": lem_prices(
                    offers, "mmr", pruned=pruned.value, divider=divider.value, steps=steps),
                ("SDR" if compensation.value == 0 else f"SDRC (c = {compensation.value:.2f})"):
                    lem_prices(offers, "sdr", pruned=pruned.value,
                               compensation=compensation.value, steps=steps),
            }
        except ValueError as err:
            message.value = ("<b>This setting cannot be priced:</b> "
                             f"{html.escape(str(err))}")
            return
        form = "pruned" if pruned.value else "complete"
        message.value = "Mean price: " + ", ".join(
            f"{label} {series.mean():.4g} {html.escape(price_unit)}"
            for label, series in prices.items())
        image.value = _png(prices, price_unit, f"LEM price per step ({form} offers)")

    for control in (divider, compensation, pruned):
        control.observe(update, names="value")
    update()
    return widgets.VBox([widgets.HBox([divider, compensation, pruned]), message, image])
