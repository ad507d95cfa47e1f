"""Reader of the seed-001 prosumer files: what it accepts and what it rejects."""

import numpy as np
import pandas as pd
import pytest

from lectoolkit.io import DataFormatError, from_seed_prosumer_frame, read_prosumer_monthly
from tests.conftest import DATA

N3 = DATA / "prosumer_N3_model_20210129_1416.csv"
N100_PARTIAL = DATA / "prosumer_N100_model_20210129_1414.partial_t0_t3.csv"


def test_reads_n3():
    frame = read_prosumer_monthly(N3)
    assert list(frame.columns) == [
        "member", "step", "load_kwh", "pv_kwh", "import_kwh", "export_kwh",
        "price_cents_per_kwh"]
    assert len(frame) == 42 and frame["member"].nunique() == 3
    assert frame["step"].nunique() == 14 and frame["step"].is_monotonic_increasing
    assert pd.api.types.is_datetime64_any_dtype(frame["step"])
    # seed 001, Out[92]: the first period as printed
    first = frame[frame["step"] == "2019-10-01"]
    np.testing.assert_allclose(first["pv_kwh"], [567.176089, 897.462539, 392.570712])
    np.testing.assert_allclose(first["price_cents_per_kwh"], 11.66)
    # the seed's net_energy (<= 0) is the export with its sign flipped
    raw = pd.read_csv(N3).sort_values(["time", "id"], kind="stable")
    np.testing.assert_allclose(frame["export_kwh"], -raw["net_energy"].to_numpy())
    np.testing.assert_allclose(frame["import_kwh"], raw["consumption"].to_numpy())


def test_reads_n100_partial():
    frame = read_prosumer_monthly(N100_PARTIAL)
    assert len(frame) == 200 and frame["member"].nunique() == 100


def test_a_seed_frame_is_renamed_in_one_step_without_touching_the_callers():
    seed = pd.DataFrame({"id": [1, 2], "time": ["2020-01-01"] * 2, "demand": [3.0, 1.0],
                         "generation": [0.0, 3.0], "consumption": [3.0, 0.0],
                         "net_energy": [0.0, -2.0], "price": [11.0, 11.0], "note": ["a", "b"]})
    before = seed.copy()
    house = from_seed_prosumer_frame(seed)
    assert list(house.columns) == ["member", "step", "load_kwh", "pv_kwh", "import_kwh",
                                   "export_kwh", "price_cents_per_kwh", "note"]
    assert house["export_kwh"].tolist() == [0.0, 2.0]
    pd.testing.assert_frame_equal(seed, before)
    with pytest.raises(ValueError, match="^frame: column 'net_energy'"):
        from_seed_prosumer_frame(seed.assign(net_energy=[1.0, 0.0]))
    with pytest.raises(ValueError, match="^frame: "):
        from_seed_prosumer_frame(seed.drop(columns="id"))


def test_dates_accept_the_seeds_time_of_day(tmp_path):
    # the seed parses '%Y-%m-%d %H:%M'; the data set stores '%Y-%m-%d'; both are read
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


def _write_rows(tmp_path, *rows, name="edited.csv"):
    header = N3.read_text().splitlines()[0]
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


GOOD_ROW = "2020-11-01,713.636892,1001.611236,0.0,-287.974344,12.0,1"


def test_negative_demand_is_refused(tmp_path):
    # demand - generation = -1 - 0 would satisfy both identities with consumption 0
    path = _write_rows(tmp_path, "2020-11-01,-1.0,0.0,0.0,-1.0,12.0,1")
    with pytest.raises(DataFormatError, match=r"^path: .*line 2, column 'demand': .*negative"):
        read_prosumer_monthly(path)


def test_huge_id_is_refused_not_wrapped(tmp_path):
    path = _write_rows(tmp_path, GOOD_ROW.rsplit(",", 1)[0] + ",1e20")
    with pytest.raises(DataFormatError, match=r"line 2, column 'id': '1e20' is not an integer"):
        read_prosumer_monthly(path)


@pytest.mark.parametrize("date", ["01/11/2020", "11/01/2020", "2020/11/01", "1 Nov 2020",
                                  "2020-11", "20201101", "2020-11-01T00:00+01:00"])
def test_dates_other_than_iso_are_refused_not_guessed(tmp_path, date):
    # '01/11/2020' (1 November, day first) used to be read as 11 January, and November
    # disappeared from the study
    path = _write_rows(tmp_path, GOOD_ROW.replace("2020-11-01", date))
    with pytest.raises(DataFormatError, match=r"line 2, column 'time': .* is not an ISO date"):
        read_prosumer_monthly(path)


def test_impossible_iso_date_is_refused(tmp_path):
    path = _write_rows(tmp_path, GOOD_ROW.replace("2020-11-01", "2020-02-30"))
    with pytest.raises(DataFormatError, match=r"'2020-02-30' is not a valid date"):
        read_prosumer_monthly(path)


def test_header_without_rows_is_refused(tmp_path):
    with pytest.raises(DataFormatError, match=r"^path: .*edited.csv: the header has no rows"):
        read_prosumer_monthly(_write_rows(tmp_path))


HEADER = N3.read_text().splitlines()[0]
OTHER_ROW = GOOD_ROW.replace("2020-11", "2020-10")


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        ("", r"the file is empty"),
        (b"time,demand\n\xff\xfe\n", r"line 2: not UTF-8 text"),
        (f"{HEADER}\n{GOOD_ROW}\n{OTHER_ROW},9\n",
         r"not a well-formed CSV table .*Expected 7 fields in line 3, saw 8"),
        (f"{HEADER}\n{GOOD_ROW},9\n", r"line 2: the row has 1 field\(s\) more than"),
    ],
    ids=["empty_file", "not_utf8", "ragged_row", "every_row_too_long"],
)
def test_unreadable_files_raise_data_format_error(tmp_path, content, pattern):
    # pandas' EmptyDataError, UnicodeDecodeError and ParserError used to escape; rows
    # longer than the header everywhere were silently read with their first field as index
    path = tmp_path / "broken.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(DataFormatError, match=r"^path: .*broken.csv.*" + pattern):
        read_prosumer_monthly(path)


def test_missing_file_and_folder_name_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^path: no file .*absent.csv"):
        read_prosumer_monthly(tmp_path / "absent.csv")
    with pytest.raises(IsADirectoryError, match=r"^path: .* is a folder"):
        read_prosumer_monthly(tmp_path)
    with pytest.raises(TypeError, match=r"^path: expected a str or os.PathLike"):
        read_prosumer_monthly(None)


def test_every_content_error_starts_with_path(tmp_path):
    path = _write_with(tmp_path, lambda f: f.loc.__setitem__((4, "demand"), "nan"))
    with pytest.raises(DataFormatError) as info:
        read_prosumer_monthly(path)
    assert str(info.value).startswith(f"path: {path}, line 6, column 'demand': ")
