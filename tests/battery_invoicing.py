"""Bad-input battery entries for lectoolkit.invoicing (see tests/battery.py).

Bad seed files are written once, at import, to a fresh folder under the system temp dir:
each is the first two market periods of the seed-003 example with one defect.
"""

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from battery import INF, NAN, Bad, Spec, choice_bads, factory, integer_bads, number_bads

from lectoolkit import invoicing
from lectoolkit.io import DataFormatError

_DATA = Path(__file__).resolve().parents[1] / "data" / "mlec_invoicing"
_FOLDER = Path(tempfile.mkdtemp(prefix="battery_invoicing_"))
_STRUCTURE = json.loads((_DATA / "invoicing.json").read_text())
_CSV = pd.read_csv(_DATA / "input_for_invoicing.csv").head(60)

STEPS = pd.date_range("2024-01-01", periods=4, freq="30min")
MEMBERS = ["a", "b"]


def _frame(values) -> pd.DataFrame:
    return pd.DataFrame(np.broadcast_to(values, (4, 2)).astype(float), index=STEPS,
                        columns=MEMBERS)


NET = _frame([[-2.0, 1.0], [1.0, -1.0], [0.0, 2.0], [-1.0, 0.0]])
BUY, SELL = _frame(0.20), _frame(0.05)
MEMBER_TABLE = pd.DataFrame({"past_peak_kw": [0.0, 1.0], "peak_price_per_kw": [0.01, 0.01],
                             "storage_fee_per_kwh": [0.02, 0.0],
                             "charge_efficiency": [0.9, 1.0], "discharge_efficiency": [0.9, 1.0]},
                            index=MEMBERS)


def _poke(frame: pd.DataFrame, value) -> pd.DataFrame:
    out = frame.copy()
    out.iloc[1, 1] = value
    return out


def _relabel(frame, *, index=None, columns=None) -> pd.DataFrame:
    out = frame.copy()
    if index is not None:
        out.index = index
    if columns is not None:
        out.columns = columns
    return out


def _price_bads(good: pd.DataFrame) -> list[Bad]:
    return [
        Bad(None, TypeError, "none"), Bad(good.to_numpy(), TypeError, "ndarray"),
        Bad(0.2, TypeError, "scalar"),
        Bad(_poke(good, NAN), ValueError, "nan"), Bad(_poke(good, INF), ValueError, "inf"),
        Bad(good.astype(str), TypeError, "str_dtype"),
        Bad(_relabel(good, columns=["a", "z"]), ValueError, "foreign_member"),
        Bad(_relabel(good, columns=["a", "a"]), ValueError, "duplicated_member"),
        Bad(_relabel(good, index=STEPS + pd.Timedelta("1h")), ValueError, "other_steps"),
        Bad(good.iloc[:2], ValueError, "too_few_steps"),
    ]


NET_BADS = [
    Bad(None, TypeError, "none"), Bad(NET.to_numpy(), TypeError, "ndarray"),
    Bad(_poke(NET, NAN), ValueError, "nan"), Bad(_poke(NET, -INF), ValueError, "-inf"),
    Bad(NET.astype(str), TypeError, "str_dtype"), Bad(NET > 0, TypeError, "bool_dtype"),
    Bad(NET.reset_index(drop=True), TypeError, "no_time_index"),
    Bad(_relabel(NET, columns=["a", "a"]), ValueError, "duplicated_member"),
    Bad(_relabel(NET, index=[STEPS[0]] * 4), ValueError, "duplicated_steps"),
    Bad(_relabel(NET, index=STEPS[::-1]), ValueError, "unsorted_steps"),
    Bad(_relabel(NET, index=STEPS.delete(2).append(pd.DatetimeIndex(["2024-01-01 03:00"]))),
        ValueError, "irregular_steps"),
    Bad(_relabel(NET, index=STEPS + pd.Timedelta("30min")), ValueError, "misaligned_start"),
    Bad(NET.iloc[:3], ValueError, "not_whole_periods"),
    Bad(NET.iloc[:1], ValueError, "one_step_without_frequency"),
]

MEMBERS_BADS = [
    Bad("abc", TypeError, "str"), Bad(MEMBER_TABLE.to_numpy(), TypeError, "ndarray"),
    Bad(MEMBER_TABLE.assign(colour=1.0), ValueError, "unknown_column"),
    Bad(MEMBER_TABLE.assign(past_peak_kw=[-1.0, 0.0]), ValueError, "negative_past_peak"),
    Bad(MEMBER_TABLE.assign(peak_price_per_kw=[NAN, 0.0]), ValueError, "nan_peak_price"),
    Bad(MEMBER_TABLE.assign(storage_fee_per_kwh=[INF, 0.0]), ValueError, "inf_fee"),
    Bad(MEMBER_TABLE.assign(charge_efficiency=[0.0, 1.0]), ValueError, "zero_efficiency"),
    Bad(MEMBER_TABLE.assign(discharge_efficiency=[1.5, 1.0]), ValueError, "efficiency_above_1"),
    Bad(MEMBER_TABLE.rename(index={"b": "z"}), ValueError, "foreign_member"),
    Bad(_relabel(MEMBER_TABLE, index=["a", "a"]), ValueError, "duplicated_member"),
    Bad(MEMBER_TABLE.iloc[:1], ValueError, "missing_member"),
]


def _inputs() -> invoicing.InvoicingInputs:
    return invoicing.InvoicingInputs(NET, BUY, SELL, members=MEMBER_TABLE, tariff_per_kwh=0.01,
                                     community_peak_price_per_kw=0.01, n_steps_per_period=2)


def _json_file(label: str, structure) -> Path:
    path = _FOLDER / f"{label}.json"
    path.write_text(structure if isinstance(structure, str) else json.dumps(structure))
    return path


def _csv_file(label: str, frame: pd.DataFrame) -> Path:
    path = _FOLDER / f"{label}.csv"
    frame.to_csv(path, index=False)
    return path


GOOD_JSON = _json_file("good", _STRUCTURE)
GOOD_CSV = _csv_file("good", _CSV)


def _entity(k: int, **changes) -> dict:
    entities = [dict(e) for e in _STRUCTURE["entities"]]
    entities[k].update(changes)
    return _STRUCTURE | {"entities": entities}


def _structure_bad(label: str, structure) -> Bad:
    return Bad(_json_file(label, structure), DataFormatError, label)


def _csv_bad(label: str, frame: pd.DataFrame) -> Bad:
    return Bad(_csv_file(label, frame), DataFormatError, label)


def _path_bads(missing: str) -> list[Bad]:
    return [Bad(None, TypeError, "none"), Bad(3, TypeError, "int"), Bad(True, TypeError, "bool"),
            Bad(b"x.json", TypeError, "bytes"), Bad("", ValueError, "empty_name"),
            Bad(_FOLDER / missing, FileNotFoundError, "missing_file"),
            Bad(_FOLDER, IsADirectoryError, "directory")]


STRUCTURE_JSON_BADS = _path_bads("none.json") + [
    _structure_bad("not_json", "{"), _structure_bad("a_list", "[1, 2]"),
    _structure_bad("no_entities", {k: v for k, v in _STRUCTURE.items() if k != "entities"}),
    _structure_bad("no_tariff", {k: v for k, v in _STRUCTURE.items()
                                 if k != "community_tariff"}),
    _structure_bad("negative_tariff", _STRUCTURE | {"community_tariff": -0.01}),
    _structure_bad("nan_tariff", _STRUCTURE | {"community_tariff": NAN}),
    _structure_bad("string_tariff", _STRUCTURE | {"community_tariff": "0.02"}),
    _structure_bad("negative_community_peak_price", _STRUCTURE | {"community_peak_price": -1}),
    _structure_bad("negative_community_past_peak", _STRUCTURE | {"community_past_peak": -1}),
    _structure_bad("empty_entities", _STRUCTURE | {"entities": []}),
    _structure_bad("duplicated_id", _STRUCTURE | {
        "entities": _STRUCTURE["entities"] + _STRUCTURE["entities"][:1]}),
    _structure_bad("string_id", _entity(1, entity_id="2")),
    _structure_bad("unknown_key", _entity(1, colour="red")),
    _structure_bad("negative_peak_price", _entity(1, peak_price=-0.1)),
    _structure_bad("negative_past_peak", _entity(1, past_peak=-0.1)),
    _structure_bad("storage_without_inj", _entity(0, EAN_inj=None)),
    _structure_bad("zero_efficiency", _entity(0, storage={
        "usage_fee": 0.02, "charge_efficiency": 0.0, "discharge_efficiency": 0.9})),
    _structure_bad("negative_fee", _entity(0, storage={
        "usage_fee": -0.02, "charge_efficiency": 0.9, "discharge_efficiency": 0.9})),
    _structure_bad("storage_missing_key", _entity(0, storage={"usage_fee": 0.02})),
    _structure_bad("unknown_ean", _entity(1, EAN_wd="EAN999")),
]

DATA_CSV_BADS = _path_bads("none.csv") + [
    Bad(_FOLDER / "empty.csv", DataFormatError, "empty_file"),
    _csv_bad("unknown_ean_column", _CSV.assign(EAN999=1.0)),
    _csv_bad("missing_price", _CSV.drop(columns="purchase_price_2")),
    _csv_bad("no_datetime", _CSV.drop(columns="datetime")),
    _csv_bad("bad_datetime", _CSV.assign(datetime="yesterday")),
    _csv_bad("nan_power", _CSV.assign(EAN102=np.where(_CSV.index == 7, np.nan, 1.0))),
    _csv_bad("nan_price", _CSV.assign(sale_price_1=np.where(_CSV.index == 7, np.nan, 0.04))),
    _csv_bad("text_power", _CSV.assign(EAN102="x")),
    _csv_bad("negative_power", _CSV.assign(EAN102=-1.0)),
    _csv_bad("irregular", _CSV.drop(index=9)),
    _csv_bad("resolution_7min", _CSV.assign(datetime=pd.date_range(
        "2019-10-07", periods=60, freq="7min").strftime("%Y-%m-%dT%H:%M:%S"))),
    _csv_bad("misaligned_start", _CSV.assign(datetime=pd.date_range(
        "2019-10-07 00:05", periods=60, freq="30s").strftime("%Y-%m-%dT%H:%M:%S"))),
]
(_FOLDER / "empty.csv").write_text("")

SEED_DATA = _CSV.set_index(pd.DatetimeIndex(pd.to_datetime(_CSV["datetime"]))).drop(
    columns="datetime")

DATA_BADS = [
    Bad(None, TypeError, "none"), Bad(SEED_DATA.to_numpy(), TypeError, "ndarray"),
    Bad(SEED_DATA.reset_index(drop=True), TypeError, "no_time_index"),
    Bad(SEED_DATA.assign(EAN999=1.0), ValueError, "unknown_column"),
    Bad(SEED_DATA.drop(columns="sale_price_4"), ValueError, "missing_price"),
    Bad(SEED_DATA.assign(EAN104=np.where(np.arange(60) == 3, np.nan, 1.0)), ValueError, "nan"),
    Bad(SEED_DATA.assign(EAN104=-1.0), ValueError, "negative_power"),
    Bad(SEED_DATA.iloc[:45], ValueError, "not_whole_periods"),
]

STRUCTURE_BADS = [
    Bad(None, TypeError, "none"), Bad([1], TypeError, "list"),
    Bad({"entities": _STRUCTURE["entities"]}, ValueError, "no_tariff"),
    Bad(_STRUCTURE | {"community_tariff": -1.0}, ValueError, "negative_tariff"),
    Bad(_entity(2, EAN_wd="EAN999"), ValueError, "unknown_ean"),
    Bad(_entity(0, storage={"usage_fee": 0.02, "charge_efficiency": 2.0,
                            "discharge_efficiency": 0.9}), ValueError, "efficiency_above_1"),
]

RESULT_BADS = [Bad(None, TypeError, "none"), Bad({"flows": 1}, TypeError, "dict"),
               Bad(pd.DataFrame({"a": [1]}), TypeError, "frame")]


def _result():
    return invoicing.invoice_community(_inputs())


SPECS = [
    Spec(
        "InvoicingInputs",
        good={"net_load_kw": NET, "price_buy_per_kwh": BUY, "price_sell_per_kwh": SELL,
              "members": MEMBER_TABLE, "tariff_per_kwh": 0.01, "community_past_peak_kw": 0.0,
              "community_peak_price_per_kw": 0.01, "n_steps_per_period": 2},
        bad={"net_load_kw": NET_BADS, "price_buy_per_kwh": _price_bads(BUY),
             "price_sell_per_kwh": _price_bads(SELL), "members": MEMBERS_BADS,
             "tariff_per_kwh": number_bads(negative=True),
             "community_past_peak_kw": number_bads(negative=True),
             "community_peak_price_per_kw": number_bads(negative=True),
             "n_steps_per_period": integer_bads(minimum=1, extra=[
                 Bad(3, ValueError, "not_a_divisor")])},
        call=invoicing.InvoicingInputs,
    ),
    Spec(
        "read_invoicing_inputs",
        good={"structure_json": GOOD_JSON, "data_csv": GOOD_CSV, "period_minutes": 15},
        positional=("structure_json", "data_csv"),
        bad={"structure_json": STRUCTURE_JSON_BADS, "data_csv": DATA_CSV_BADS,
             "period_minutes": integer_bads(minimum=1, extra=[
                 Bad(8, ValueError, "not_dividing_the_data")])},
    ),
    Spec(
        "invoice_community",
        good={"inputs": factory(_inputs), "model": "fair_price", "solver": "auto", "jobs": 1},
        positional=("inputs",),
        bad={"inputs": [Bad(None, TypeError, "none"), Bad(NET, TypeError, "frame"),
                        Bad({"net_load_kw": NET}, TypeError, "dict")],
             "model": choice_bads(), "solver": choice_bads(),
             "jobs": integer_bads(minimum=1)},
    ),
    Spec(
        "compute_invoice",
        good={"structure": _STRUCTURE, "data": SEED_DATA, "n_periods_in_quarter": 30,
              "model": "fair_price", "solver": "auto"},
        positional=("structure", "data"),
        bad={"structure": STRUCTURE_BADS, "data": DATA_BADS,
             "n_periods_in_quarter": integer_bads(minimum=1, extra=[
                 Bad(7, ValueError, "not_a_divisor")]),
             "model": choice_bads(), "solver": choice_bads()},
    ),
    Spec("monthly_invoices", good={"result": factory(_result)}, positional=("result",),
         bad={"result": RESULT_BADS}),
    Spec("operator_invoice", good={"result": factory(_result)}, positional=("result",),
         bad={"result": RESULT_BADS}),
]
