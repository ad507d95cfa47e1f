"""Interactive explorers of the studies (ipywidgets, imported when an explorer is built).

One explorer per study: :func:`profit_allocation_explorer` (notebook 01),
:func:`nrgx_explorer` (02), :func:`settlement_explorer` (03), :func:`lem_pricing_explorer`
(local-market prices), :func:`operation_explorer` (05, operation) and
:func:`shapley_sampling_explorer` (06). Each calls the same
library functions as the notebook's batch path and returns an ``ipywidgets.VBox`` of three
children: the controls (a wrapping ``HBox``), a message line (``HTML``) and the plot
(``Image``, PNG). Sliders react when released (``continuous_update=False``), so a drag
recomputes once; labels carry their units and are never cut. A setting the model cannot
compute shows a message in the explorer (and no plot) instead of a traceback.

The helpers :func:`_control`, :func:`_explorer` and :func:`_figure_png` are shared by
every explorer of this module (and meant for new ones).
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable

from lectoolkit import _validate

CONTROL_STYLE = {"description_width": "initial"}
"""Widget style giving every label the width it needs (no "Cg [EUR/k…")."""


def _ipywidgets():
    try:
        import ipywidgets
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the explorers need ipywidgets: pip install 'lectoolkit[explore]' "
            "(or pip install ipywidgets)"
        ) from err
    return ipywidgets


def _control(kind: str, description: str, *, width: str = "360px", **options):
    """An ipywidgets control of class ``kind`` reacting on release, its label uncut."""
    widgets = _ipywidgets()
    if "Slider" in kind:
        options["continuous_update"] = False
    return getattr(widgets, kind)(description=description, style=CONTROL_STYLE,
                                  layout=widgets.Layout(width=width), **options)


def _figure_png(draw: Callable, figsize=(9.0, 4.0)) -> bytes:
    """PNG bytes of a figure drawn by ``draw(ax)`` (no pyplot: nothing left open)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=90)
    draw(fig.subplots())
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _explorer(controls: list, render: Callable[[], tuple[str, bytes]]):
    """Wire ``controls`` to ``render() -> (message HTML, PNG)`` and lay them out.

    ``render`` runs once now and again whenever a control's value changes (the message
    says "Computing…" meanwhile). A ``ValueError`` (the library's answer to an impossible
    setting) becomes the message "This setting cannot be computed: …" and clears the plot;
    any other exception is a bug and propagates.
    """
    widgets = _ipywidgets()
    message = widgets.HTML()
    # natural size, never stretched to the page's width
    image = widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start"))

    def update(_change=None) -> None:
        message.value = "<i>Computing…</i>"
        try:
            text, png = render()
        except ValueError as err:
            message.value = ("<b>This setting cannot be computed:</b> "
                             f"{html.escape(str(err))}")
            image.value = b""
            return
        message.value, image.value = text, png

    for control in controls:
        control.observe(update, names="value")
    update()
    box = widgets.HBox(controls, layout=widgets.Layout(flex_flow="row wrap"))
    return widgets.VBox([box, message, image])


def profit_allocation_explorer(communities, *, price_buy_per_kwh: float,
                               price_sell_per_kwh: float, share_sold: float = 1.0,
                               unit: str = "money"):
    """Sliders for the prices Cg, Cr and the share δ of a savings game, per community.

    Splits what a community saves by pooling its energy behind one meter under every
    allocation rule and checks each against the core
    (:func:`lectoolkit.compare_allocations`), as notebook 01 does.

    Parameters
    ----------
    communities : dict of str to pandas.DataFrame
        At least one community by name: one row per member (index, e.g. ``P1 … P4``)
        with the columns ``load_kwh`` and ``pv_kwh`` [kWh] as
        :func:`lectoolkit.compare_allocations` takes them; not modified.
    price_buy_per_kwh, price_sell_per_kwh : float
        Starting grid purchase price Cg and aggregator price Cr [``unit``/kWh]; the
        sliders span 0 to three times the larger of the two.
    share_sold : float, default 1
        Starting share δ of a surplus sold at Cr [-].
    unit : str, default "money"
        Money unit for the labels (e.g. ``"EUR"``).

    Returns
    -------
    ipywidgets.VBox
        The controls (``community`` menu, ``Cg``, ``Cr`` and ``δ`` sliders), a message
        line (the savings ``v(N)`` and which rules are in the core, or why nothing can be
        shared) and the grouped bars of every rule's split.

    Raises
    ------
    TypeError, ValueError
        ``communities`` not a non-empty dict of DataFrames with those columns; the
        errors of :func:`lectoolkit.compare_allocations` for the starting values;
        ``unit`` not a non-empty string. ImportError without ipywidgets.
    """
    from lectoolkit.allocation import compare_allocations
    from lectoolkit.plotting import plot_allocations

    unit = _validate.text(unit, "unit")
    if not isinstance(communities, dict) or not communities:
        raise TypeError(f"communities: expected a non-empty dict of name -> DataFrame, got "
                        f"{_validate.describe(communities)}")
    for name, frame in communities.items():
        frame = _validate.table(frame, f"communities[{name!r}]", ["load_kwh", "pv_kwh"])
        compare_allocations(frame["load_kwh"], frame["pv_kwh"], price_buy_per_kwh,
                            price_sell_per_kwh, share_sold)
    top = 3 * max(float(price_buy_per_kwh), float(price_sell_per_kwh)) or 1.0
    community = _control("Dropdown", "community", options=list(communities), width="260px")
    buy = _control("FloatSlider", f"grid price Cg [{unit}/kWh]", value=float(price_buy_per_kwh),
                   min=0.0, max=top, step=0.01)
    sell = _control("FloatSlider", f"aggregator price Cr [{unit}/kWh]",
                    value=float(price_sell_per_kwh), min=0.0, max=top, step=0.01)
    share = _control("FloatSlider", "share sold δ [-]", value=float(share_sold), min=0.0,
                     max=1.0, step=0.05)
    money = html.escape(unit)

    def render():
        frame = communities[community.value]
        out = compare_allocations(frame["load_kwh"], frame["pv_kwh"], buy.value, sell.value,
                                  share.value)
        if out.grand_worth == 0:
            text = ("<b>Nothing to share:</b> at these prices pooling saves nothing "
                    "(v(N) = 0), so every rule gives every member 0. Raise Cg above δ·Cr "
                    "to give the netting a value.")
        else:
            stable = [rule for rule, ok in out.core["in_core"].items() if ok]
            text = (f"{html.escape(community.value)}: pooling saves v(N) = "
                    f"{out.grand_worth:.4g} {money}; in the core: "
                    f"{html.escape(', '.join(stable) or 'no rule')}")
        title = (f"{community.value}: $C_g$ = {buy.value:.2f}, $C_r$ = {sell.value:.2f}, "
                 f"$\\delta$ = {share.value:.2f}")
        return text, _figure_png(lambda ax: plot_allocations(
            out.allocations, ax=ax, in_core=out.core["in_core"], unit=unit,
            quantity="profit", title=title), (9, 4.2))

    return _explorer([community, buy, sell, share], render)


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
        The controls (``divider`` and ``compensation_share`` sliders, ``pruned`` checkbox), a
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
    divider = _control("FloatSlider", "MMR divider (0 = highest sell, 1 = lowest buy) [-]",
                       value=0.5, min=0.0, max=1.0, step=0.05)
    compensation = _control("FloatSlider", "SDRC compensation c [-]", value=0.0, min=0.0,
                            max=1.0, step=0.05)
    pruned = _control("Checkbox", "pruned: accepted offers only", value=True, width="260px")

    def render():
        prices = {
            "crossing value": crossing,
            f"MMR (divider {divider.value:.2f})": lem_prices(
                offers, "mmr", pruned=pruned.value, divider=divider.value, steps=steps),
            ("SDR" if compensation.value == 0 else f"SDRC (c = {compensation.value:.2f})"):
                lem_prices(offers, "sdr", pruned=pruned.value,
                           compensation_share=compensation.value, steps=steps),
        }
        form = "pruned" if pruned.value else "complete"

        def draw(ax):
            for (label, series), style in zip(prices.items(), ("-", "--", "-."), strict=True):
                ax.step(range(len(series)), series.to_numpy(), where="post", ls=style,
                        label=label)
            ax.set(xlabel="step", ylabel=f"LEM price [{price_unit}]",
                   title=f"LEM price per step ({form} offers)")
            ax.grid(True, ls="--", alpha=0.5)
            ax.legend(loc="best", fontsize=9)

        text = "Mean price: " + ", ".join(f"{label} {series.mean():.4g} {html.escape(price_unit)}"
                                          for label, series in prices.items())
        return text, _figure_png(draw, (9, 3.6))

    return _explorer([divider, compensation, pruned], render)


def nrgx_explorer(frame, *, max_price_per_kwh: float, min_price_per_kwh: float,
                  a_kwh2: float, exponent: float = 1.0, price_unit: str = "money/kWh"):
    """Sliders for the NRG-X-Change exponent, prices and bell width over a prosumer table.

    Settles every period (:func:`lectoolkit.settle_nrgx`) and draws the periods in the
    (total import, total export) plane, sized and coloured by net cash
    (:func:`lectoolkit.plotting.plot_nrgx_scatter`), as notebook 02 does.

    Parameters
    ----------
    frame : pandas.DataFrame
        A prosumer table as :func:`lectoolkit.settle_nrgx` takes it; not modified.
    max_price_per_kwh, min_price_per_kwh : float
        Starting payment price ``q`` and charge price ``r`` [``price_unit``]; the sliders
        span 0 to twice the larger of the two.
    a_kwh2 : float
        Starting width of the payment bell, ``> 0`` [kWh²]; the slider spans two decades
        either side.
    exponent : float, default 1
        Starting payment exponent ``n`` [-]; the slider spans 0.5 to 2.
    price_unit : str, default "money/kWh"
        Unit of the prices for the labels (e.g. ``"$/kWh"``); money is its part before
        ``/``.

    Returns
    -------
    ipywidgets.VBox
        The controls (``exponent``, ``q``, ``r``, ``a`` sliders), a message line with the
        community's payments, charges and net cash, and the scatter plot.

    Raises
    ------
    TypeError, ValueError
        As :func:`lectoolkit.settle_nrgx` for the starting values (validated up front);
        ``price_unit`` not a non-empty string. ImportError without ipywidgets.
    """
    import math

    from lectoolkit.nrgx import settle_nrgx
    from lectoolkit.plotting import plot_nrgx_scatter

    price_unit = _validate.text(price_unit, "price_unit")
    money = html.escape(price_unit.split("/")[0])
    settle_nrgx(frame, max_price_per_kwh, min_price_per_kwh, a_kwh2, exponent)
    top = 2 * max(float(max_price_per_kwh), float(min_price_per_kwh))
    step = 10 ** math.floor(math.log10(top / 200)) if top > 0 else 0.01
    decade = math.log10(float(a_kwh2))
    n = _control("FloatSlider", "payment exponent n [-]", value=float(exponent), min=0.5,
                 max=2.0, step=0.05)
    q = _control("FloatSlider", f"payment price q [{price_unit}]", value=float(max_price_per_kwh),
                 min=0.0, max=top or 1.0, step=step, readout_format=".4g")
    r = _control("FloatSlider", f"charge price r [{price_unit}]", value=float(min_price_per_kwh),
                 min=0.0, max=top or 1.0, step=step, readout_format=".4g")
    a = _control("FloatLogSlider", "bell width a [kWh²]", value=float(a_kwh2), base=10,
                 min=decade - 2, max=decade + 2, step=0.1, readout_format=".3g")

    def render():
        settled = settle_nrgx(frame, q.value, r.value, a.value, n.value)
        cash = settled["nrg_cash"]
        text = (f"Over {settled['step'].nunique()} periods: paid to exporters "
                f"{cash.clip(lower=0).sum():,.2f} {money}, charged to consumers "
                f"{-cash.clip(upper=0).sum():,.2f} {money}, community net cash "
                f"{cash.sum():,.2f} {money}")
        unit = price_unit.replace("$", r"\$")  # a currency sign, not mathtext
        title = f"$n$ = {n.value:.2f}, $q$ = {q.value:.4g}, $r$ = {r.value:.4g} {unit}"
        return text, _figure_png(lambda ax: plot_nrgx_scatter(
            settled, ax=ax, title=title, unit=price_unit.split("/")[0]),
            (7, 4.8))

    return _explorer([n, q, r, a], render)


def shapley_sampling_explorer(net_load_kwh, *, price_buy_per_kwh, price_sell_per_kwh,
                              seed: int = 0, unit: str = "money"):
    """A slider for the number of sampled permutations of a community savings game.

    Estimates the Shapley value by permutation sampling
    (:func:`lectoolkit.settlement_game_shapley_sampled`) and compares it with the exact
    value (:func:`lectoolkit.settlement_game_shapley`, computed once), as notebook 06
    does: the error falls like ``1/sqrt(m)`` and the standard errors say how far off an
    estimate may be.

    Parameters
    ----------
    net_load_kwh : array_like or pandas.DataFrame, shape (n_steps, n_members)
        Net load per step and member [kWh]; at most
        :data:`lectoolkit._limits.MAX_GAME_PLAYERS` members (the exact value needs all
        ``2**n`` worths).
    price_buy_per_kwh, price_sell_per_kwh : float or array_like, shape (n_steps,)
        Grid tariffs [money/kWh], as :func:`lectoolkit.settlement_game_worths` takes them.
    seed : int, default 0
        Seed of the sampling, ``>= 0``: a given number of permutations always gives the
        same estimate.
    unit : str, default "money"
        Money unit for the labels (e.g. ``"EUR"``).

    Returns
    -------
    ipywidgets.VBox
        The controls (``permutations`` slider, ``antithetic`` checkbox), a message line
        (root-mean-square error, mean standard error, members within two standard
        errors) and the plot of the estimate with its error bars and the exact values.

    Raises
    ------
    TypeError, ValueError
        As :func:`lectoolkit.settlement_game_shapley` for the community and tariffs;
        ``seed`` not an integer ``>= 0``; ``unit`` not a non-empty string. ImportError
        without ipywidgets.
    """
    import numpy as np
    import pandas as pd

    from lectoolkit.plotting import plot_sampled_shapley
    from lectoolkit.shapley import settlement_game_shapley, settlement_game_shapley_sampled

    seed = _validate.integer(seed, "seed", minimum=0)
    unit = _validate.text(unit, "unit")
    prices = {"price_buy_per_kwh": price_buy_per_kwh, "price_sell_per_kwh": price_sell_per_kwh}
    exact = settlement_game_shapley(net_load_kwh, **prices)
    if not isinstance(exact, pd.Series):  # an array community: members 0 … n-1
        exact = pd.Series(exact, index=pd.RangeIndex(len(exact), name="member"))
    permutations = _control(
        "SelectionSlider", "sampled permutations m [-]", value=100,
        options=[10, 20, 50, 100, 200, 500, 1000, 2000, 5000])
    antithetic = _control("Checkbox", "antithetic pairs", value=True, width="200px")

    def render():
        sampled = settlement_game_shapley_sampled(
            net_load_kwh, n_permutations=permutations.value, rng=seed,
            antithetic=antithetic.value, **prices)
        estimate = sampled.shapley.set_axis(exact.index)
        std_error = sampled.std_error.set_axis(exact.index)
        error = estimate - exact
        within = int((error.abs() <= 2 * std_error).sum())
        text = (f"m = {permutations.value}: RMS error vs exact "
                f"{float(np.sqrt((error ** 2).mean())):.4g} {html.escape(unit)}, mean "
                f"reported standard error {std_error.mean():.4g} {html.escape(unit)}; "
                f"{within} of {len(exact)} members within 2 standard errors")
        return text, _figure_png(lambda ax: plot_sampled_shapley(
            estimate, std_error, ax=ax, exact=exact, unit=unit,
            title=f"{len(exact)} members, {permutations.value} permutations"), (9, 3.8))

    return _explorer([permutations, antithetic], render)


def settlement_explorer(*, n_consumers: int = 3, n_prosumers: int = 7, days: int = 30,
                        seed: int = 42, mechanism: str = "sdrc",
                        compensation_per_kwh: float = 0.5, price_unit: str = "money/kWh"):
    """Controls for the mechanism, the PV penetration and the SDRC compensation.

    Draws a community (:func:`lectoolkit.build_community`, seed 002's distributions and
    events, always from ``seed``), settles it conventionally and under the chosen
    mechanism (:func:`lectoolkit.mechanisms.settle_mechanisms`) and shows each member's
    savings with the community totals (:func:`lectoolkit.compare_mechanisms`), as
    notebook 03 does.

    Parameters
    ----------
    n_consumers : int, default 3
        Households without PV, ``>= 0``.
    n_prosumers : int, default 7
        Starting number of households with PV, ``1 <= n_prosumers <= 40``.
    days : int, default 30
        Horizon of the community [days], ``1 <= days <= 366``.
    seed : int, default 42
        Seed of the community's draws, ``>= 0``.
    mechanism : str, default "sdrc"
        Starting mechanism, a key of :data:`lectoolkit.mechanisms.SETTLEMENTS` other
        than ``"conventional"`` (the baseline).
    compensation_per_kwh : float, default 0.5
        Starting SDRC compensation ``lambda`` [``price_unit``]; must stay below the spread
        of the reference tariffs (the explorer says so otherwise).
    price_unit : str, default "money/kWh"
        Unit of the tariffs for the labels (seed 002: ``"Rs/kWh"``); money is its part
        before ``/``.

    Returns
    -------
    ipywidgets.VBox
        The controls (``mechanism`` menu, ``prosumers`` slider, ``PV / load`` range
        slider, ``compensation`` slider), a message line (community bills, savings share,
        members worse off) and the plot of each member's savings.

    Raises
    ------
    TypeError, ValueError
        A count, ``seed`` or ``mechanism`` out of range or of the wrong kind;
        ``compensation_per_kwh`` not a non-negative number; ``price_unit`` not a
        non-empty string. ImportError without ipywidgets.
    """
    import numpy as np

    from lectoolkit.mechanisms import SETTLEMENT_LABELS, SETTLEMENTS, settle_mechanisms
    from lectoolkit.metrics import bills_table, compare_mechanisms, savings
    from lectoolkit.plotting import plot_allocations
    from lectoolkit.profiles import build_community

    n_consumers = _validate.integer(n_consumers, "n_consumers", minimum=0)
    n_prosumers = _validate.integer(n_prosumers, "n_prosumers", minimum=1, maximum=40)
    days = _validate.integer(days, "days", minimum=1, maximum=366)
    seed = _validate.integer(seed, "seed", minimum=0)
    options = {SETTLEMENT_LABELS[key]: key for key in SETTLEMENTS if key != "conventional"}
    mechanism = _validate.choice(mechanism, "mechanism", tuple(options.values()))
    compensation_per_kwh = _validate.nonnegative(compensation_per_kwh, "compensation_per_kwh",
                                                 unit=price_unit)
    price_unit = _validate.text(price_unit, "price_unit")
    money = price_unit.split("/")[0]
    chosen = _control("Dropdown", "mechanism", options=options, value=mechanism,
                      width="300px")
    prosumers = _control("IntSlider", "prosumers (with PV) [-]", value=n_prosumers, min=1,
                         max=40)
    sizing = _control("FloatRangeSlider", "PV / own load, drawn in [-]", value=(0.4, 1.5),
                      min=0.0, max=3.0, step=0.1)
    compensation = _control("FloatSlider", f"SDRC compensation λ [{price_unit}]",
                            value=compensation_per_kwh, min=0.0, max=3.0, step=0.05)
    communities: dict = {}

    def render():
        key = (prosumers.value, sizing.value)
        if key not in communities:
            communities.clear()  # keep one: a redraw with other sliders reuses it
            communities[key] = build_community(
                n_consumers, prosumers.value, days, np.random.default_rng(seed),
                pv_sizing_factor=sizing.value)
        com = communities[key]
        extra = ({"compensation_per_kwh": compensation.value}
                 if chosen.value == "sdrc" else {})
        results = settle_mechanisms(
            com.load_kwh, com.pv_kwh, price_buy_per_kwh=com.price_buy_per_kwh,
            price_sell_per_kwh=com.price_sell_per_kwh, p2p_allowed=com.p2p_allowed,
            timestep_h=com.timestep_h, mechanisms=["conventional", chosen.value], **extra)
        row = compare_mechanisms(results).loc[chosen.value]
        saved = savings(bills_table(results))[[chosen.value]]
        label = SETTLEMENT_LABELS[chosen.value]
        text = (f"{label}: community bill {row['total_bill']:,.0f} {html.escape(money)} "
                f"({100 * row['savings_share']:.1f} % less than conventional); "
                f"{int(row['n_worse_off'])} of {len(saved)} members worse off")
        title = f"{label}, {n_consumers} consumers + {prosumers.value} prosumers, {days} days"
        return text, _figure_png(lambda ax: plot_allocations(
            saved.rename(columns=SETTLEMENT_LABELS), ax=ax, unit=money,
            quantity="savings vs conventional", title=title), (10, 4))

    return _explorer([chosen, prosumers, sizing, compensation], render)


def invoicing_explorer(inputs, *, model: str = "fair_price", unit: str = "EUR"):
    """Sliders for the community tariff and the community peak price of an invoicing run.

    Re-invoices the community (:func:`lectoolkit.invoice_community`) with the chosen
    tariff ``tau`` and peak price, and shows per period the gain of the community over
    its members alone and the smallest relative gain ``alpha``, as notebook 04 does.

    Parameters
    ----------
    inputs : lectoolkit.InvoicingInputs
        The community (e.g. :func:`lectoolkit.read_invoicing_inputs`); its tariff and
        peak price are the sliders' starting values.
    model : {"fair_price", "bilevel"}
        Pricing model, see :func:`lectoolkit.invoice_community`.
    unit : str, default "EUR"
        Money unit for the labels.

    Returns
    -------
    ipywidgets.VBox
        The controls (``tau`` and ``peak price`` sliders), a message line (community and
        alone totals, exchanged energy, operator revenue, periods without a Pareto price)
        and the plot of the gain and ``alpha`` per period.

    Raises
    ------
    TypeError, ValueError
        As :func:`lectoolkit.invoice_community` for ``inputs`` and ``model``; ``unit``
        not a non-empty string. ImportError without ipywidgets.
    """
    from dataclasses import replace

    from lectoolkit.invoicing import InvoicingInputs, invoice_community

    if not isinstance(inputs, InvoicingInputs):
        raise TypeError(f"inputs: expected an InvoicingInputs, got {_validate.describe(inputs)}")
    model = _validate.choice(model, "model", ("fair_price", "bilevel"))
    unit = _validate.text(unit, "unit")
    unit_html = html.escape(unit)
    tau = _control("FloatSlider", f"community tariff τ [{unit}/kWh]",
                   value=inputs.tariff_per_kwh, min=0.0, max=0.1, step=0.005,
                   readout_format=".3f")
    peak = _control("FloatLogSlider", f"community peak price [{unit}/kW]",
                    value=max(inputs.community_peak_price_per_kw, 1e-4), base=10, min=-4,
                    max=1, step=0.25, readout_format=".3g")

    def render():
        result = invoice_community(replace(inputs, tariff_per_kwh=tau.value,
                                           community_peak_price_per_kw=peak.value),
                                   model=model)
        periods = result.periods
        gain = periods["welfare_community"] - periods["welfare_alone"]
        closed = int((periods["status"] != "optimal").sum())
        text = (f"{model}: community {periods['welfare_community'].sum():,.3f} {unit_html} vs "
                f"alone {periods['welfare_alone'].sum():,.3f} {unit_html}; "
                f"{periods['exchanged_kwh'].sum():,.1f} kWh exchanged, operator revenue "
                f"{periods['operator_revenue'].sum():,.3f} {unit_html}; mean α "
                f"{100 * periods['alpha'].mean():.2f} %; {closed} period(s) without a "
                "Pareto price")

        def draw(ax):
            hours = periods.index.hour + periods.index.minute / 60
            ax.bar(range(len(gain)), gain.to_numpy(), color="C0", label="gain over alone")
            ax.set(xlabel="market period", ylabel=f"gain [{unit}]",
                   title=f"τ = {tau.value:.3f} {unit}/kWh, peak {peak.value:.3g} {unit}/kW")
            twin = ax.twinx()
            twin.plot(range(len(gain)), 100 * periods["alpha"].to_numpy(), color="C3",
                      label="α")
            twin.set_ylabel("α [%]")
            ax.set_xticks(range(0, len(gain), max(1, len(gain) // 8)))
            ax.set_xticklabels([f"{h:.1f}" for h in hours[::max(1, len(gain) // 8)]])
            ax.set_xlabel("period start [h]")
            ax.grid(True, ls="--", alpha=0.5)

        return text, _figure_png(draw, (9, 3.8))

    return _explorer([tau, peak], render)


def _scaled_case(inputs, tariff_per_kwh: float, scale: float):
    """``inputs`` with one access tariff at every step and every battery scaled.

    The scale multiplies each battery's capacity, power and initial energy.
    """
    from dataclasses import replace

    import pandas as pd

    batteries = inputs.batteries.assign(**{
        column: inputs.batteries[column] * scale
        for column in ("capacity_kwh", "power_kw", "initial_kwh")})
    return replace(inputs, batteries=batteries if len(batteries) else None,
                   price_access_per_kwh=pd.Series(tariff_per_kwh, index=inputs.steps))


def _tariff_and_scale(inputs, unit: str):
    """The access-tariff and battery-scale sliders of the operation explorers."""
    start = max(float(inputs.price_access_per_kwh.mean()), 0.0)
    tariff = _control("FloatSlider", f"access tariff, every step [{unit}/kWh]",
                      value=start, min=0.0, max=max(3.0 * start, 0.1), step=0.005,
                      readout_format=".3f")
    scale = _control("FloatSlider", "scale of every battery (capacity, power) [-]", value=1.0,
                     min=0.0, max=3.0, step=0.25)
    return tariff, scale


def operation_explorer(inputs, *, unit: str = "EUR"):
    """Sliders for the access tariff and the battery size of a community's two-stage pool.

    Re-solves the two-stage pool (:func:`lectoolkit.run_collective` with ``no_loss=True``,
    as notebook 05 does) with one access tariff for every step and every battery scaled,
    and shows the community cost against the members alone, the status the solver proved
    and each member's cost in the pool beside its cost alone (stage 1).

    Parameters
    ----------
    inputs : lectoolkit.OperationInputs
        The community (e.g. :func:`lectoolkit.from_rec_op_inputs`); not modified. The
        tariff slider starts at the mean of ``inputs.price_access_per_kwh`` (0 if that is
        negative) and spans 0 to three times it, at least to 0.1 [``unit``/kWh]; every
        step gets the slider's tariff. The battery slider multiplies every battery's
        ``capacity_kwh``, ``power_kw`` and ``initial_kwh`` (0 to 3; 0 is a battery without
        capacity, which the model refuses with a message).
    unit : str, default "EUR"
        Money unit for the labels.

    Returns
    -------
    ipywidgets.VBox
        The controls (``access tariff`` and ``battery size`` sliders), a message line
        (community cost in the pool and alone, status, solver and solve time; a solver
        failure is shown there too) and the bars of every member's cost in the pool and
        alone.

    Raises
    ------
    TypeError, ValueError
        As :func:`lectoolkit.check_inputs` for ``inputs`` (refused before any control is
        shown); ``unit`` not a non-empty string. ImportError without ipywidgets.
    """
    import numpy as np

    from lectoolkit.operation import check_inputs, run_collective
    from lectoolkit.solvers import SolverError

    inputs = check_inputs(inputs)
    unit = _validate.text(unit, "unit")
    unit_html = html.escape(unit)
    tariff, scale = _tariff_and_scale(inputs, unit)

    def render():
        case = _scaled_case(inputs, tariff.value, scale.value)
        batteries = case.batteries
        try:
            result = run_collective(case, no_loss=True)
        except SolverError as err:
            return f"<b>The solver failed:</b> {html.escape(str(err))}", b""
        alone = result.individual_costs
        text = (f"two-stage pool: community {result.objective:,.3f} {unit_html} vs alone "
                f"{alone.sum():,.3f} {unit_html} (saves {alone.sum() - result.objective:,.3f} "
                f"{unit_html}); status {result.status} ({result.solver}, "
                f"{result.solve_time_s:.1f} s); battery capacity "
                f"{batteries['capacity_kwh'].sum():,.1f} kWh")

        def draw(ax):
            position = np.arange(inputs.n_members)
            ax.bar(position - 0.2, alone.to_numpy(), width=0.4, color="0.6", label="alone")
            ax.bar(position + 0.2, result.member_costs.to_numpy(), width=0.4, color="C0",
                   label="in the pool")
            ax.axhline(0.0, color="k", lw=0.8)
            ax.set(xlabel="member", ylabel=f"cost over the horizon [{unit}]",
                   title=f"access tariff {tariff.value:.3f} {unit}/kWh, batteries × "
                         f"{scale.value:g}")
            ax.set_xticks(position[::max(1, inputs.n_members // 10)])
            ax.set_xticklabels(inputs.members[::max(1, inputs.n_members // 10)], fontsize=8)
            ax.grid(True, axis="y", ls="--", alpha=0.5)
            ax.legend(loc="best", fontsize=9)

        return text, _figure_png(draw, (9, 3.8))

    return _explorer([tariff, scale], render)


STORAGE_GAME_MAX_MEMBERS = 7
"""Most members :func:`storage_game_explorer` takes (127 coalition operations per move)."""


def storage_game_explorer(inputs, *, unit: str = "EUR"):
    """Sliders for the access tariff and the battery size of a storage-aware game.

    Recomputes every coalition's optimal operation (:func:`lectoolkit.operation_game`)
    with one access tariff for every step and every battery scaled, and shows who brings
    the value: each member's Shapley value and nucleolus, members with a battery marked.

    Parameters
    ----------
    inputs : lectoolkit.OperationInputs
        A small community (at most :data:`STORAGE_GAME_MAX_MEMBERS` members: every move
        solves all its coalitions; e.g. ``inputs.select(inputs.members[:6])``); not
        modified. Sliders as :func:`operation_explorer`'s.
    unit : str, default "EUR"
        Money unit for the labels.

    Returns
    -------
    ipywidgets.VBox
        The controls, a message line (``v(N)``, the coalitions solved and the time) and
        the bars of each member's Shapley value and nucleolus.

    Raises
    ------
    TypeError, ValueError
        ``inputs`` not an OperationInputs of 2 to :data:`STORAGE_GAME_MAX_MEMBERS`
        members (or values beyond the solvers' range); ``unit`` not a non-empty string.
        ImportError without ipywidgets.
    """
    import numpy as np

    from lectoolkit.core import nucleolus
    from lectoolkit.operation import check_inputs
    from lectoolkit.shapley import shapley_values
    from lectoolkit.storage_games import operation_game

    inputs = check_inputs(inputs)
    if not 2 <= inputs.n_members <= STORAGE_GAME_MAX_MEMBERS:
        raise ValueError(f"inputs: {inputs.n_members} members; the explorer solves every "
                         f"coalition on each move and takes 2 to {STORAGE_GAME_MAX_MEMBERS} "
                         "(inputs.select(...) keeps fewer)")
    unit = _validate.text(unit, "unit")
    unit_html = html.escape(unit)
    tariff, scale = _tariff_and_scale(inputs, unit)
    battery = inputs.members.isin(inputs.batteries.index)

    def render():
        game = operation_game(_scaled_case(inputs, tariff.value, scale.value), progress=False)
        shapley = shapley_values(game.worths)
        point = np.asarray(nucleolus(game.worths).allocation)
        text = (f"the community saves v(N) = {game.worths[-1]:,.3f} {unit_html} against its "
                f"members alone; {game.n_solved} coalition operations solved and proven in "
                f"{game.wall_time_s:.1f} s")

        def draw(ax):
            position = np.arange(inputs.n_members)
            for offset, values, label, color in ((-0.2, shapley, "Shapley value", "C0"),
                                                 (0.2, point, "nucleolus", "C1")):
                bars = ax.bar(position + offset, values, width=0.4, color=color, label=label)
                for bar, has in zip(bars, battery, strict=True):
                    bar.set_hatch("//" if has else "")
            ax.axhline(0.0, color="k", lw=0.8)
            ax.set(xlabel="member (hatched: with a battery)",
                   ylabel=f"share of the savings [{unit}]",
                   title=f"access tariff {tariff.value:.3f} {unit}/kWh, batteries × "
                         f"{scale.value:g}")
            ax.set_xticks(position)
            ax.set_xticklabels(inputs.members, fontsize=8)
            ax.grid(True, axis="y", ls="--", alpha=0.5)
            ax.legend(loc="best", fontsize=9)

        return text, _figure_png(draw, (9, 3.8))

    return _explorer([tariff, scale], render)
