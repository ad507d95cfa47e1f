"""Reader of the seed-001 prosumer files: what it accepts and what it rejects."""

import numpy as np
import pandas as pd
import pytest

from lectoolkit.io import DataFormatError, read_prosumer_monthly
from tests.conftest import DATA

N3 = DATA / "prosumer_N3_model_20210129_1416.csv"
N100_PARTIAL = DATA / "prosumer_N100_model_20210129_1414.partial_t0_t3.csv"


def test_reads_n3():
    frame = read_prosumer_monthly(N3)
    assert list(frame.columns) == [
        "id", "time", "demand", "generation", "consumption", "net_energy", "price"]
    assert len(frame) == 42 and frame["id"].nunique() == 3 and frame["time"].nunique() == 14
    assert frame["time"].is_monotonic_increasing
    assert pd.api.types.is_datetime64_any_dtype(frame["time"])
    # seed 001, Out[92]: the first period as printed
    first = frame[frame["time"] == "2019-10-01"]
    np.testing.assert_allclose(first["generation"], [567.176089, 897.462539, 392.570712])
    np.testing.assert_allclose(first["price"], 11.66)


def test_reads_n100_partial():
    frame = read_prosumer_monthly(N100_PARTIAL)
    assert len(frame) == 200 and frame["id"].nunique() == 100


def test_dates_parse_without_fixed_format(tmp_path):
    text = N3.read_text().splitlines()
    header, rows = text[0], text[1:]
    rows[0] = rows[0].replace("2020-11-01", "2020-11-01 00:00")
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    assert len(read_prosumer_monthly(path)) == 42


def _write_with(tmp_path, edit):
    frame = pd.read_csv(N3, dtype=str, keep_default_na=False)
    edit(frame)
    path = tmp_path / "broken.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (lambda f: f.pop("price"), r"line 1, column 'price': required"),
        (lambda f: f.__setitem__("extra", "1"), r"column 'extra': unexpected"),
        (lambda f: f.loc.__setitem__((4, "demand"), "nan"), r"line 6, column 'demand': 'nan'"),
        (lambda f: f.loc.__setitem__((4, "price"), "abc"), r"line 6, column 'price': 'abc'"),
        (lambda f: f.loc.__setitem__((2, "time"), "not a date"), r"line 4, column 'time'"),
        (lambda f: f.loc.__setitem__((7, "consumption"), "1.5"),
         r"line 9, column 'consumption': 1.5 != max\(demand - generation, 0\)"),
        (lambda f: f.loc.__setitem__((0, "net_energy"), "0.0"),
         r"line 2, column 'net_energy': 0.0 != min\(demand - generation, 0\)"),
        (lambda f: f.loc.__setitem__((1, "time"), f.loc[0, "time"]),
         r"line 3, column 'id': prosumer 1 appears twice at 2020-11-01"),
        (lambda f: f.loc.__setitem__((5, "id"), "1.5"),
         r"line 7, column 'id': '1.5' is not an integer"),
    ],
)
def test_rejections_name_file_line_and_column(tmp_path, edit, pattern):
    path = _write_with(tmp_path, edit)
    with pytest.raises(DataFormatError, match=pattern) as info:
        read_prosumer_monthly(path)
    assert "broken.csv" in str(info.value)
    assert isinstance(info.value, ValueError)
