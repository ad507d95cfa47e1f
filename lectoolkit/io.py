"""Readers of the toolkit's data sets, with schema and identity checks.

Nothing is silently dropped or repaired: a file that breaks the schema raises
:class:`DataFormatError` naming the file, the line and the column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

PROSUMER_MONTHLY_COLUMNS = (
    "time", "demand", "generation", "consumption", "net_energy", "price", "id",
)
"""Columns of the seed-001 prosumer file (any order, extra columns rejected)."""

IDENTITY_RTOL = 1e-6
"""Relative tolerance of the consumption / net-energy identities."""


class DataFormatError(ValueError):
    """A data file violates its documented schema."""


def _fail(path, line: int | None, column: str, problem: str):
    where = f"{path}" + (f", line {line}" if line is not None else "")
    raise DataFormatError(f"{where}, column '{column}': {problem}")


def read_prosumer_monthly(path) -> pd.DataFrame:
    """Read a seed-001 prosumer file (one row per prosumer and month).

    Parameters
    ----------
    path : str or pathlib.Path
        CSV with columns ``time, demand, generation, consumption, net_energy, price,
        id``: energies in [kWh/month], ``price`` in [¢/kWh], ``net_energy ≤ 0``
        meaning export. Dates are parsed without a fixed format.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, time, demand, generation, consumption, net_energy, price``,
        sorted by ``(time, id)`` with a fresh RangeIndex; ``time`` is datetime64.

    Raises
    ------
    DataFormatError
        (a ``ValueError``) naming the file, the CSV line (header = line 1) and the
        column when a column is missing or unexpected, a date does not parse, a value
        is not a finite number, an ``(id, time)`` pair repeats, or
        ``consumption = max(demand - generation, 0)`` or
        ``net_energy = min(demand - generation, 0)`` is broken beyond 1e-6 relative.

    Examples
    --------
    >>> frame = read_prosumer_monthly("data/prosumer_N3_model_20210129_1416.csv")
    >>> frame.shape
    (42, 7)
    >>> float(frame.loc[0, "demand"])
    785.747309
    """
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in PROSUMER_MONTHLY_COLUMNS if c not in raw.columns]
    if missing:
        _fail(path, 1, missing[0], f"required column is missing (have {list(raw.columns)})")
    extra = [c for c in raw.columns if c not in PROSUMER_MONTHLY_COLUMNS]
    if extra:
        _fail(path, 1, extra[0], "unexpected column")
    line = np.arange(len(raw)) + 2  # header is line 1

    time = pd.to_datetime(raw["time"], format="mixed", errors="coerce")
    bad = time.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _fail(path, int(line[i]), "time", f"cannot parse {raw['time'].iloc[i]!r} as a date")

    frame = pd.DataFrame({"time": time})
    for column in PROSUMER_MONTHLY_COLUMNS[1:]:
        values = pd.to_numeric(raw[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _fail(path, int(line[i]), column,
                  f"{raw[column].iloc[i]!r} is not a finite number")
        frame[column] = values
    ids = frame["id"].to_numpy()
    if not np.array_equal(ids, np.round(ids)):
        i = int(np.flatnonzero(ids != np.round(ids))[0])
        _fail(path, int(line[i]), "id", f"{raw['id'].iloc[i]!r} is not an integer")
    frame["id"] = ids.astype(np.int64)

    dup = frame.duplicated(["id", "time"]).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        _fail(path, int(line[i]), "id",
              f"prosumer {frame['id'].iloc[i]} appears twice at {raw['time'].iloc[i]}")

    balance = frame["demand"].to_numpy() - frame["generation"].to_numpy()
    scale = np.maximum.reduce([np.abs(frame["demand"].to_numpy()),
                               np.abs(frame["generation"].to_numpy()), np.ones(len(frame))])
    for column, expected in (("consumption", np.maximum(balance, 0.0)),
                             ("net_energy", np.minimum(balance, 0.0))):
        off = np.abs(frame[column].to_numpy() - expected) > IDENTITY_RTOL * scale
        if off.any():
            i = int(np.flatnonzero(off)[0])
            rule = "max" if column == "consumption" else "min"
            _fail(path, int(line[i]), column,
                  f"{frame[column].iloc[i]} != {rule}(demand - generation, 0) = {expected[i]}")

    columns = ["id"] + [c for c in PROSUMER_MONTHLY_COLUMNS if c != "id"]
    return frame[columns].sort_values(["time", "id"], kind="stable").reset_index(drop=True)
