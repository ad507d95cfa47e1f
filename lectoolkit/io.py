"""Readers of the toolkit's data sets, with schema and identity checks.

Nothing is silently dropped or repaired: a file that breaks the schema raises
:class:`DataFormatError` naming the file, the line and the column.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from lectoolkit._validate import describe

PROSUMER_MONTHLY_COLUMNS = (
    "time", "demand", "generation", "consumption", "net_energy", "price", "id",
)
"""Columns of the seed-001 prosumer file (any order, extra columns rejected)."""

SEED_PROSUMER_NAMES = {
    "id": "member", "time": "step", "demand": "load_kwh", "generation": "pv_kwh",
    "consumption": "import_kwh", "net_energy": "export_kwh", "price": "price_cents_per_kwh",
}
"""Seed-001 column -> the toolkit's name (``net_energy`` <= 0 becomes ``export_kwh`` >= 0)."""

IDENTITY_RTOL = 1e-6
"""Relative tolerance of the consumption / net-energy identities."""


DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")
"""Accepted ``time`` values: ISO dates ``YYYY-MM-DD`` (the data set) with an optional
``HH:MM`` or ``HH:MM:SS`` time (the seed's ``'%Y-%m-%d %H:%M'``)."""

MAX_ID = 2**53 - 1
"""Largest prosumer id: ids are read as float64, which holds every integer up to it."""


class DataFormatError(ValueError):
    """A data file violates its documented schema."""


def _fail(path, line: int | None, column: str | None, problem: str):
    where = f"{path}" + (f", line {line}" if line is not None else "")
    where += f", column '{column}'" if column is not None else ""
    raise DataFormatError(f"path: {where}: {problem}")


def _first(mask: np.ndarray) -> int | None:
    """Position of the first True of ``mask`` (None if there is none)."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _read_text_table(path: Path) -> pd.DataFrame:
    """The CSV as strings, with file-level problems turned into :class:`DataFormatError`."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # offsets count from the file start
    except UnicodeDecodeError as err:
        _fail(path, data[: err.start].count(b"\n") + 1, None,
              f"not UTF-8 text (byte {data[err.start]:#04x} at offset {err.start})")
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                          skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        _fail(path, None, None, "the file is empty (expected a header and rows)")
    except pd.errors.ParserError as err:
        _fail(path, None, None, f"not a well-formed CSV table ({err})".replace("\n", " "))
    if not isinstance(raw.index, pd.RangeIndex):  # pandas took surplus leading fields as labels
        _fail(path, 2, None, f"the row has {raw.index.nlevels} field(s) more than the header's "
                             f"{len(raw.columns)}")
    return raw


def read_prosumer_monthly(path: str | os.PathLike) -> pd.DataFrame:
    """Read a seed-001 prosumer file (one row per prosumer and month).

    Parameters
    ----------
    path : str or os.PathLike
        UTF-8 CSV file with the columns ``time, demand, generation, consumption,
        net_energy, price, id`` (any order, no others) and at least one row:

        * ``time``: ISO date ``YYYY-MM-DD`` (the data set), optionally followed by
          ``HH:MM`` or ``HH:MM:SS`` (the seed's ``'%Y-%m-%d %H:%M'``); day-first,
          month-first or other formats are refused, never guessed;
        * ``demand``, ``generation`` ≥ 0 [kWh/month];
        * ``consumption = max(demand - generation, 0)`` ≥ 0 and
          ``net_energy = min(demand - generation, 0)`` ≤ 0 [kWh/month] (negative
          means export), each within 1e-6 relative;
        * ``price``: any finite number [¢/kWh] (negative prices are kept as read);
        * ``id``: whole number in ``[0, 2**53 - 1]``, each ``(id, time)`` once.

    Returns
    -------
    pandas.DataFrame
        In the toolkit's names (:func:`from_seed_prosumer_frame`): columns ``member``
        (the seed's ``id``, int64), ``step`` (its ``time``, datetime64), ``load_kwh``,
        ``pv_kwh``, ``import_kwh``, ``export_kwh`` (``-net_energy``, >= 0) and
        ``price_cents_per_kwh``, sorted by ``(step, member)`` with a fresh RangeIndex.

    Raises
    ------
    TypeError
        ``path`` is not a string or path-like object.
    FileNotFoundError
        No file at ``path`` (message ``"path: no file ..."``).
    IsADirectoryError
        ``path`` is a folder.
    DataFormatError
        (a ``ValueError``) for every problem of the content, with a message
        ``"path: <file>, line <n>, column '<name>': <problem>"`` (header = line 1;
        line or column left out where they do not apply): an empty file, a file
        that is not UTF-8 text or not a well-formed CSV table, a header without
        rows, a missing or unexpected column, a date not in the format above, a
        value that is not a finite number or breaks its sign, an ``id`` that is not
        a whole number in range, a repeated ``(id, time)`` pair or a broken
        consumption / net-energy identity.

    Examples
    --------
    >>> frame = read_prosumer_monthly("data/prosumer_N3_model_20210129_1416.csv")
    >>> frame.shape
    (42, 7)
    >>> float(frame.loc[0, "load_kwh"])
    785.747309
    """
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path: expected a str or os.PathLike file name, got {describe(path)}")
    if str(path) == "":
        raise ValueError("path: expected a file name, got ''")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"path: no file {str(path)!r}")
    if path.is_dir():
        raise IsADirectoryError(f"path: {str(path)!r} is a folder, expected a CSV file")
    raw = _read_text_table(path)
    missing = [c for c in PROSUMER_MONTHLY_COLUMNS if c not in raw.columns]
    if missing:
        _fail(path, 1, missing[0], f"required column is missing (have {list(raw.columns)})")
    extra = [c for c in raw.columns if c not in PROSUMER_MONTHLY_COLUMNS]
    if extra:
        _fail(path, 1, extra[0], "unexpected column")
    if raw.empty:
        _fail(path, None, None, "the header has no rows below it")
    line = np.arange(len(raw)) + 2  # header is line 1

    text = raw["time"].str.strip()
    bad = _first(~text.str.match(DATE_PATTERN).to_numpy(dtype=bool))
    if bad is not None:
        _fail(path, int(line[bad]), "time",
              f"{raw['time'].iloc[bad]!r} is not an ISO date YYYY-MM-DD [HH:MM[:SS]]")
    time = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = _first(time.isna().to_numpy())
    if bad is not None:
        _fail(path, int(line[bad]), "time", f"{raw['time'].iloc[bad]!r} is not a valid date")

    frame = pd.DataFrame({"time": time})
    for column in PROSUMER_MONTHLY_COLUMNS[1:]:
        values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=float)
        bad = _first(~np.isfinite(values))
        if bad is not None:
            _fail(path, int(line[bad]), column,
                  f"{raw[column].iloc[bad]!r} is not a finite number")
        frame[column] = values
    for column, sign in (("demand", 1), ("generation", 1), ("consumption", 1),
                         ("net_energy", -1)):
        bad = _first(sign * frame[column].to_numpy() < 0)
        if bad is not None:
            _fail(path, int(line[bad]), column,
                  f"{raw[column].iloc[bad]!r} is {'negative' if sign > 0 else 'positive'}; "
                  f"expected {'>= 0' if sign > 0 else '<= 0 (negative means export)'}")
    ids = frame["id"].to_numpy()
    bad = _first((ids != np.round(ids)) | (ids < 0) | (ids > MAX_ID))
    if bad is not None:
        _fail(path, int(line[bad]), "id",
              f"{raw['id'].iloc[bad]!r} is not an integer in [0, {MAX_ID}]")
    frame["id"] = ids.astype(np.int64)

    bad = _first(frame.duplicated(["id", "time"]).to_numpy())
    if bad is not None:
        _fail(path, int(line[bad]), "id",
              f"prosumer {frame['id'].iloc[bad]} appears twice at {raw['time'].iloc[bad]}")

    balance = frame["demand"].to_numpy() - frame["generation"].to_numpy()
    scale = np.maximum.reduce([frame["demand"].to_numpy(), frame["generation"].to_numpy(),
                               np.ones(len(frame))])
    for column, expected in (("consumption", np.maximum(balance, 0.0)),
                             ("net_energy", np.minimum(balance, 0.0))):
        bad = _first(np.abs(frame[column].to_numpy() - expected) > IDENTITY_RTOL * scale)
        if bad is not None:
            rule = "max" if column == "consumption" else "min"
            _fail(path, int(line[bad]), column,
                  f"{frame[column].iloc[bad]} != {rule}(demand - generation, 0) = {expected[bad]}")

    columns = ["id"] + [c for c in PROSUMER_MONTHLY_COLUMNS if c != "id"]
    seed = frame[columns].sort_values(["time", "id"], kind="stable").reset_index(drop=True)
    return from_seed_prosumer_frame(seed)


def from_seed_prosumer_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A prosumer table in seed 001's column names, renamed to the toolkit's.

    The one step a seed-001 user takes to bring a table of its own
    (:data:`SEED_PROSUMER_NAMES`): ``id`` -> ``member``, ``time`` -> ``step``,
    ``demand`` -> ``load_kwh``, ``generation`` -> ``pv_kwh``, ``consumption`` ->
    ``import_kwh``, ``net_energy`` (<= 0, negative = export) -> ``export_kwh =
    -net_energy`` (>= 0) and ``price`` [¢/kWh] -> ``price_cents_per_kwh``. Other columns
    are kept; the caller's frame is not modified.

    Parameters
    ----------
    frame : pandas.DataFrame
        At least the seed columns ``id``, ``time``, ``consumption`` and ``net_energy``.

    Returns
    -------
    pandas.DataFrame
        A renamed copy, rows in the same order.

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame, or ``net_energy`` is not numeric.
    ValueError
        A required seed column is missing, or a ``net_energy`` value is positive.

    Examples
    --------
    >>> seed = pd.DataFrame({"id": [1, 2], "time": ["2020-01-01"] * 2,
    ...                      "consumption": [3.0, 0.0], "net_energy": [0.0, -2.0]})
    >>> from_seed_prosumer_frame(seed).columns.tolist()
    ['member', 'step', 'import_kwh', 'export_kwh']
    >>> from_seed_prosumer_frame(seed)["export_kwh"].tolist()
    [0.0, 2.0]
    """
    from lectoolkit import _validate

    frame = _validate.table(frame, "frame", ["id", "time", "consumption", "net_energy"])
    net = _validate.column(frame, "net_energy", "frame", unit="kWh")
    if (net > 0).any():
        i = int(np.flatnonzero(net > 0)[0])
        raise ValueError(f"frame: column 'net_energy': expected values <= 0 [kWh] (negative "
                         f"means export), got {net[i]} at {i}")
    out = frame.rename(columns=SEED_PROSUMER_NAMES)
    out["export_kwh"] = -net + 0.0  # + 0.0: no negative zeros
    return out
