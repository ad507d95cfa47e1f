"""Bad-input battery entries for lectoolkit.io (see tests/battery.py).

The bad files are written once, at import, to a fresh folder under the system temp dir:
each is the seed-001 N3 file with one defect.
"""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from battery import Bad, Spec, factory

from lectoolkit.io import DataFormatError

N3 = Path(__file__).resolve().parents[1] / "data" / "prosumer_N3_model_20210129_1416.csv"
_FOLDER = Path(tempfile.mkdtemp(prefix="battery_io_"))
_HEADER, *_ROWS = N3.read_text().splitlines()
_FIRST = _ROWS[0].split(",")  # 2020-11-01,713.636892,1001.611236,0.0,-287.974344,12.0,1
_COLUMNS = _HEADER.split(",")


def _row(**changes) -> str:
    """The first data row with some fields replaced."""
    fields = list(_FIRST)
    for column, value in changes.items():
        fields[_COLUMNS.index(column)] = value
    return ",".join(fields)


def _file(label: str, content: str | bytes) -> Path:
    path = _FOLDER / f"{label}.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _with_first_row(label: str, **changes) -> Path:
    return _file(label, "\n".join([_HEADER, _row(**changes), *_ROWS[1:]]) + "\n")


def _content(label: str, content: str | bytes) -> Bad:
    return Bad(_file(label, content), DataFormatError, label)


def _field(label: str, **changes) -> Bad:
    return Bad(_with_first_row(label, **changes), DataFormatError, label)


_BODY = "\n".join(_ROWS) + "\n"

PATH_BADS = [
    # kinds of object
    Bad(None, TypeError, "none"), Bad(3, TypeError, "int_file_descriptor"),
    Bad(True, TypeError, "bool"), Bad(str(N3).encode(), TypeError, "bytes"),
    Bad("", ValueError, "empty_name"),
    Bad(_FOLDER / "no_such_file.csv", FileNotFoundError, "missing_file"),
    Bad(_FOLDER, IsADirectoryError, "directory"),
    # file-level problems
    _content("empty_file", ""),
    _content("header_only", _HEADER + "\n"),
    _content("not_utf8", (_HEADER + "\n" + _ROWS[0] + "\n").encode() + b"\xff\xfe,1\n"),
    _content("ragged_row", "\n".join([_HEADER, _ROWS[0] + ",9", *_ROWS[1:]]) + "\n"),
    _content("every_row_too_long", "\n".join([_HEADER] + [r + ",9" for r in _ROWS]) + "\n"),
    _content("short_row", "\n".join([_HEADER, ",".join(_FIRST[:4]), *_ROWS[1:]]) + "\n"),
    _content("blank_line", "\n".join([_HEADER, _ROWS[0], "", *_ROWS[1:]]) + "\n"),
    _content("missing_column", "\n".join(
        ",".join(line.split(",")[:-1]) for line in [_HEADER, *_ROWS]) + "\n"),
    _content("extra_column", "\n".join([_HEADER + ",extra"] + [r + ",1" for r in _ROWS]) + "\n"),
    _content("duplicated_id_time", "\n".join([_HEADER, _ROWS[0], *_ROWS]) + "\n"),
    # dates: only ISO YYYY-MM-DD [HH:MM[:SS]]
    _field("day_first_date", time="01/11/2020"),
    _field("month_first_date", time="11/01/2020"),
    _field("slashed_iso_date", time="2020/11/01"),
    _field("month_name_date", time="Nov 2020"),
    _field("month_only_date", time="2020-11"),
    _field("impossible_date", time="2020-13-01"),
    _field("timezone_date", time="2020-11-01 00:00+01:00"),
    # values
    _field("nan_demand", demand="nan"),
    _field("inf_generation", generation="inf"),
    _field("overflowing_demand", demand="1e400"),
    _field("text_price", price="abc"),
    _field("empty_price", price=""),
    _field("negative_demand", demand="-713.636892", generation="0.0", consumption="0.0",
           net_energy="0.0"),
    _field("negative_generation", generation="-1.0", consumption="714.636892",
           net_energy="0.0"),
    _field("positive_net_energy", net_energy="287.974344"),
    _field("broken_consumption_identity", consumption="1.5"),
    _field("broken_net_energy_identity", net_energy="-200.0"),
    _field("huge_id", id="1e20"),
    _field("id_beyond_float_integers", id="9007199254740993"),
    _field("negative_id", id="-1"),
    _field("fractional_id", id="1.5"),
    _field("text_id", id="one"),
]

SEED_FRAME = pd.DataFrame({"id": [1, 2], "time": ["2020-01-01"] * 2,
                           "consumption": [1.0, 0.0], "net_energy": [0.0, -1.0]})

SPECS = [
    Spec(
        "from_seed_prosumer_frame",
        good={"frame": factory(lambda: SEED_FRAME.copy())},
        positional=("frame",),
        bad={"frame": [Bad(None, TypeError, "none"), Bad("abc", TypeError, "str"),
                       Bad(SEED_FRAME.drop(columns="net_energy"), ValueError, "missing"),
                       Bad(SEED_FRAME.assign(net_energy=[1.0, -1.0]), ValueError, "positive"),
                       Bad(SEED_FRAME.assign(net_energy=["a", "b"]), TypeError, "str"),
                       Bad(SEED_FRAME.assign(net_energy=[np.nan, 0.0]), ValueError, "nan")]},
    ),
    Spec(
        "read_prosumer_monthly",
        good={"path": N3},
        positional=("path",),
        bad={"path": PATH_BADS},
    ),
]
