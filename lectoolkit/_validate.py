"""Input checks shared by every public function.

Exception policy (one for the whole package):

* :class:`TypeError` when the argument is the wrong kind of object: a string, a bool or
  ``None`` where a number is expected, a DataFrame where a vector is expected, an array of
  strings, booleans or objects where numbers are expected.
* :class:`ValueError` (or a subclass: :class:`lectoolkit.DataFormatError` for files,
  :class:`ResultRangeError` for results that leave float64's range) when the value is
  wrong: NaN or infinite, out of its domain, of the wrong shape or length, empty,
  misaligned or duplicated pandas labels.

Every message starts with the argument's name and a colon, then says what was expected
and what came (``"timestep_h: expected a positive number [h], got -1.0"``). Checks return
the cleaned value (float64 arrays, Python numbers), so callers never convert twice.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

FLOAT_MAX = float(np.finfo(np.float64).max)
"""Largest finite float64."""


class ResultRangeError(ValueError):
    """A result would leave the range of float64 (overflow to inf or NaN)."""


def describe(value) -> str:
    """Short description of ``value`` for an error message."""
    if isinstance(value, (pd.Series, pd.DataFrame, np.ndarray)):
        dtype = "" if isinstance(value, pd.DataFrame) else f" and dtype {value.dtype}"
        return f"{type(value).__name__} of shape {value.shape}{dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _unit(unit: str | None) -> str:
    return f" [{unit}]" if unit else ""


def _is_real_number(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, numbers.Real)


def number(value, name: str, *, unit: str | None = None, minimum: float | None = None,
           maximum: float | None = None, above: float | None = None,
           below: float | None = None) -> float:
    """A finite real scalar, optionally bounded, as a Python float.

    ``minimum``/``maximum`` are inclusive bounds, ``above``/``below`` strict ones.
    """
    if not _is_real_number(value):
        raise TypeError(f"{name}: expected a real number{_unit(unit)}, got {describe(value)}")
    number_ = float(value)
    if not np.isfinite(number_):
        raise ValueError(f"{name}: expected a finite number{_unit(unit)}, got {number_}")
    if minimum is not None and number_ < minimum:
        raise ValueError(f"{name}: expected a number >= {minimum}{_unit(unit)}, got {number_}")
    if maximum is not None and number_ > maximum:
        raise ValueError(f"{name}: expected a number <= {maximum}{_unit(unit)}, got {number_}")
    if above is not None and number_ <= above:
        raise ValueError(f"{name}: expected a number > {above}{_unit(unit)}, got {number_}")
    if below is not None and number_ >= below:
        raise ValueError(f"{name}: expected a number < {below}{_unit(unit)}, got {number_}")
    return number_


def positive(value, name: str, *, unit: str | None = None) -> float:
    """A finite number > 0."""
    return number(value, name, unit=unit, above=0.0)


def nonnegative(value, name: str, *, unit: str | None = None) -> float:
    """A finite number >= 0."""
    return number(value, name, unit=unit, minimum=0.0)


def share(value, name: str) -> float:
    """A fraction in [0, 1]."""
    return number(value, name, unit="-", minimum=0.0, maximum=1.0)


def integer(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (int, numpy integer, or a float with no fractional part)."""
    if isinstance(value, (bool, np.bool_)) or not _is_real_number(value):
        raise TypeError(f"{name}: expected an integer, got {describe(value)}")
    if not isinstance(value, (numbers.Integral, np.integer)) and not (
        isinstance(value, np.ndarray) and value.dtype.kind in "iu"
    ):
        as_float = float(value)
        if not np.isfinite(as_float) or not as_float.is_integer():
            raise ValueError(f"{name}: expected a whole number, got {as_float}")
    whole = int(value)
    if minimum is not None and whole < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {whole}")
    if maximum is not None and whole > maximum:
        raise ValueError(f"{name}: expected an integer <= {maximum}, got {whole}")
    return whole


def flag(value, name: str) -> bool:
    """A bool (Python or numpy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {describe(value)}")
    return bool(value)


def choice(value, name: str, options: Sequence[str]) -> str:
    """One of a fixed set of strings."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {tuple(options)}, got {describe(value)}")
    if value not in options:
        raise ValueError(f"{name}: expected one of {tuple(options)}, got {value!r}")
    return value


def text(value, name: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a string, got {describe(value)}")
    if not value:
        raise ValueError(f"{name}: expected a non-empty string, got ''")
    return value


def rng(value, name: str = "rng", *, legacy: bool = True):
    """A numpy random generator (``RandomState`` too when ``legacy``); ``None`` is refused."""
    kinds = (np.random.Generator, np.random.RandomState) if legacy else (np.random.Generator,)
    if not isinstance(value, kinds):
        raise TypeError(
            f"{name}: expected a numpy.random.Generator"
            + (" (or a legacy numpy.random.RandomState)" if legacy else "")
            + f", got {describe(value)}"
        )
    return value


def seeded_rng(value, name: str = "rng") -> np.random.Generator:
    """``None``, an int seed or a Generator, as a Generator."""
    if value is None:
        return np.random.default_rng()
    if isinstance(value, np.random.Generator):
        return value
    return np.random.default_rng(integer(value, name, minimum=0))


# --------------------------------------------------------------------------- labels


def unique_labels(index: pd.Index, name: str, what: str = "labels") -> pd.Index:
    """Refuse duplicated pandas labels."""
    if not index.is_unique:
        dup = index[index.duplicated()].unique()[:3].tolist()
        raise ValueError(f"{name}: duplicated {what} {dup}; each label must appear once")
    return index


def align(reference, reference_name: str, other, other_name: str):
    """Return ``other`` in the order of ``reference`` when both are labelled.

    Two Series (or DataFrames) are paired by label, never by position: the labels must
    be unique and the same set on both sides (any order). An unlabelled ``other`` is
    returned as is (paired by position; the caller checks its length).
    """
    ref_labelled = isinstance(reference, (pd.Series, pd.DataFrame))
    other_labelled = isinstance(other, (pd.Series, pd.DataFrame))
    if not (ref_labelled and other_labelled):
        return other
    unique_labels(reference.index, reference_name)
    unique_labels(other.index, other_name)
    if reference.index.equals(other.index):
        return other
    if len(reference.index) != len(other.index) or not other.index.isin(reference.index).all():
        missing = reference.index.difference(other.index)[:3].tolist()
        extra = other.index.difference(reference.index)[:3].tolist()
        raise ValueError(
            f"{other_name}: labels differ from those of {reference_name} "
            f"(missing {missing}, unexpected {extra}); pandas inputs are paired by label"
        )
    return other.reindex(reference.index)


# --------------------------------------------------------------------------- arrays


def _numeric_array(value, name: str, unit: str | None) -> np.ndarray:
    """``value`` as a float64 ndarray; TypeError for non-numeric kinds."""
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(f"{name}: expected numbers{_unit(unit)}, got {describe(value)}")
    if isinstance(value, pd.DataFrame):
        bad = [c for c, d in value.dtypes.items() if d.kind not in "iuf"]
        if bad:
            raise TypeError(
                f"{name}: expected numeric columns{_unit(unit)}, column {bad[0]!r} has dtype "
                f"{value.dtypes[bad[0]]}"
            )
        return value.to_numpy(dtype=np.float64, copy=False, na_value=np.nan)
    if isinstance(value, pd.Series):
        if value.dtype.kind not in "iuf":
            raise TypeError(f"{name}: expected numbers{_unit(unit)}, got {describe(value)}")
        return value.to_numpy(dtype=np.float64, copy=False, na_value=np.nan)
    try:
        arr = np.asarray(value)
    except ValueError as err:  # ragged nested sequences
        raise ValueError(f"{name}: expected a rectangular array{_unit(unit)} ({err})") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name}: expected numbers{_unit(unit)}, got an array of dtype {arr.dtype}"
            + (" (booleans are not numbers here)" if arr.dtype.kind == "b" else "")
        )
    return np.asarray(arr, dtype=np.float64)


def _check_values(arr: np.ndarray, name: str, unit: str | None, nonneg: bool) -> None:
    if arr.size and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad) if arr.ndim > 1 else int(bad[0])
        raise ValueError(
            f"{name}: expected finite values{_unit(unit)}, got {arr[tuple(bad)]} at {where}"
        )
    if nonneg and arr.size and (arr < 0).any():
        bad = np.argwhere(arr < 0)[0]
        where = tuple(int(i) for i in bad) if arr.ndim > 1 else int(bad[0])
        raise ValueError(
            f"{name}: expected non-negative values{_unit(unit)}, got {arr[tuple(bad)]} at {where}"
        )


def vector(value, name: str, *, unit: str | None = None, nonneg: bool = False,
           size: int | None = None, min_size: int = 1, max_size: int | None = None
           ) -> tuple[np.ndarray, pd.Index | None]:
    """A 1-D vector of finite numbers as contiguous float64, with its labels if a Series.

    Returns ``(array, index)``; ``index`` is ``None`` unless ``value`` is a Series (whose
    labels must be unique).
    """
    if isinstance(value, pd.DataFrame):
        raise TypeError(f"{name}: expected a 1-D vector{_unit(unit)}, got a DataFrame")
    index = unique_labels(value.index, name) if isinstance(value, pd.Series) else None
    arr = _numeric_array(value, name, unit)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D vector{_unit(unit)}, got shape {arr.shape}")
    if size is not None and arr.size != size:
        raise ValueError(f"{name}: expected {size} values{_unit(unit)}, got {arr.size}")
    if arr.size < min_size:
        raise ValueError(
            f"{name}: expected at least {min_size} value{'s' if min_size > 1 else ''}"
            f"{_unit(unit)}, got {arr.size}"
        )
    if max_size is not None and arr.size > max_size:
        raise ValueError(f"{name}: expected at most {max_size} values{_unit(unit)}, got {arr.size}")
    _check_values(arr, name, unit, nonneg)
    return np.ascontiguousarray(arr), index


def matrix_layout(value, name: str, *, unit: str | None = None
                  ) -> tuple[np.ndarray, pd.Index | None, pd.Index | None]:
    """:func:`matrix` without its pass over the values: kinds, shape and labels only.

    For kernels that check the values themselves while they stream over the array (one
    pass, bounded memory); on a bad value they call :func:`matrix` for the message.
    Returns ``(array, index, columns)`` as :func:`matrix` does, the values unchecked.
    """
    if isinstance(value, pd.Series):
        raise TypeError(
            f"{name}: expected a 2-D array or DataFrame (n_steps, n_members){_unit(unit)}, "
            "got a Series"
        )
    index = columns = None
    if isinstance(value, pd.DataFrame):
        index = unique_labels(value.index, name, "index labels")
        columns = unique_labels(value.columns, name, "column labels")
    arr = _numeric_array(value, name, unit)
    if arr.ndim != 2:
        raise ValueError(
            f"{name}: expected a 2-D array (n_steps, n_members){_unit(unit)}, got shape "
            f"{arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(
            f"{name}: expected at least one step and one member, got shape {arr.shape}"
        )
    return arr, index, columns


def matrix(value, name: str, *, unit: str | None = None, nonneg: bool = False,
           shape: tuple[int, int] | None = None, copy: bool = False
           ) -> tuple[np.ndarray, pd.Index | None, pd.Index | None]:
    """A 2-D array ``(n_steps, n_members)`` of finite numbers as float64.

    Returns ``(array, index, columns)``, the labels ``None`` unless a DataFrame (whose
    index and columns must be unique). Without ``copy`` a float64 array is not copied.
    """
    arr, index, columns = matrix_layout(value, name, unit=unit)
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}, got {arr.shape}")
    _check_values(arr, name, unit, nonneg)
    return (arr.copy() if copy else arr), index, columns


def finite_result(values, what: str, culprits: str) -> None:
    """Refuse a result that overflowed: ``culprits`` names the arguments responsible.

    Raises :class:`ResultRangeError` (a ``ValueError``) whose message starts with
    ``culprits`` when any value of ``values`` is NaN or infinite.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.size and not np.isfinite(arr).all():
        raise ResultRangeError(
            f"{culprits}: {what} leave the range of float64 (largest finite value "
            f"{FLOAT_MAX:.3g}); rescale the inputs (for example to MWh or thousands of currency "
            "units)"
        )


# --------------------------------------------------------------------------- broadcasting, tables


def array(value, name: str, *, unit: str | None = None, nonneg: bool = False,
          max_ndim: int | None = None) -> np.ndarray:
    """A number or a non-empty array of finite numbers, as float64.

    For arguments that broadcast against each other (a scalar comes back 0-d); check
    their shapes together with :func:`broadcast`. ``max_ndim`` bounds the dimensions
    (1: a number or a 1-D vector).
    """
    if isinstance(value, pd.DataFrame):
        raise TypeError(f"{name}: expected a number or an array{_unit(unit)}, got a DataFrame")
    arr = _numeric_array(value, name, unit)
    if max_ndim is not None and arr.ndim > max_ndim:
        raise ValueError(
            f"{name}: expected a number or an array of at most {max_ndim} dimension(s)"
            f"{_unit(unit)}, got shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{name}: expected at least one value{_unit(unit)}, got shape {arr.shape}")
    if arr.ndim == 0:
        number(arr[()], name, unit=unit, minimum=0.0 if nonneg else None)
    else:
        _check_values(arr, name, unit, nonneg)
    return arr


def broadcast(**arrays: np.ndarray) -> tuple[int, ...]:
    """The common shape of named arrays; a mismatch names the first one that does not fit."""
    shape: tuple[int, ...] = ()
    seen: list[str] = []
    for name, arr in arrays.items():
        try:
            shape = np.broadcast_shapes(shape, np.shape(arr))
        except ValueError:
            raise ValueError(
                f"{name}: shape {np.shape(arr)} does not broadcast with the shape {shape} of "
                f"{', '.join(seen)}"
            ) from None
        seen.append(name)
    return shape


def table(value, name: str, columns: Sequence[str]) -> pd.DataFrame:
    """A DataFrame with at least one row, unique column labels and (at least) ``columns``."""
    if not isinstance(value, pd.DataFrame):
        raise TypeError(
            f"{name}: expected a pandas DataFrame with columns {list(columns)}, got "
            f"{describe(value)}"
        )
    unique_labels(value.columns, name, "column labels")
    missing = [c for c in columns if c not in value.columns]
    if missing:
        raise ValueError(
            f"{name}: missing columns {missing} (have {[str(c) for c in value.columns][:10]})"
        )
    if len(value) == 0:
        raise ValueError(f"{name}: expected at least one row, got an empty DataFrame")
    return value


def unique_rows(frame: pd.DataFrame, name: str, keys: Sequence[str]) -> None:
    """Refuse missing values in the key columns ``keys`` and rows that repeat a key."""
    for key in keys:
        missing = np.flatnonzero(frame[key].isna().to_numpy())
        if missing.size:
            raise ValueError(f"{name}: column {key!r} has a missing value at row {missing[0]}")
    repeat = np.flatnonzero(frame.duplicated(list(keys)).to_numpy())
    if repeat.size:
        key = ", ".join(str(frame[k].iloc[repeat[0]]) for k in keys)
        raise ValueError(
            f"{name}: ({', '.join(keys)}) = ({key}) repeats at row {repeat[0]}; each "
            "key must appear once"
        )


# --------------------------------------------------------------------------- streamed arrays, masks


def boolean_vector(value, name: str, *, size: int | None = None
                   ) -> tuple[np.ndarray, pd.Index | None]:
    """A 1-D vector of booleans, with its labels if a Series.

    Numbers are not booleans (0/1 are refused, as are NaN and object arrays); a pandas
    nullable ``boolean`` Series is accepted when it has no missing value.
    """
    if isinstance(value, pd.DataFrame):
        raise TypeError(f"{name}: expected a 1-D vector of booleans, got a DataFrame")
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(f"{name}: expected a 1-D vector of booleans, got {describe(value)}")
    index = None
    if isinstance(value, pd.Series):
        index = unique_labels(value.index, name)
        if isinstance(value.dtype, pd.BooleanDtype):
            missing = np.flatnonzero(value.isna().to_numpy())
            if missing.size:
                raise ValueError(f"{name}: missing value (NA) at position {missing[0]}")
            value = value.to_numpy(dtype=bool)
    try:
        arr = np.asarray(value)
    except ValueError as err:  # ragged nested sequences
        raise ValueError(f"{name}: expected a rectangular array of booleans ({err})") from None
    if arr.dtype.kind != "b":
        raise TypeError(
            f"{name}: expected booleans (True/False), got an array of dtype {arr.dtype} "
            "(numbers such as 0/1 are not booleans here)"
        )
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D vector of booleans, got shape {arr.shape}")
    if size is not None and arr.size != size:
        raise ValueError(f"{name}: expected {size} booleans, got {arr.size}")
    return np.ascontiguousarray(arr), index


# --------------------------------------------------------------------------- sizes


def fits_in_memory(n_bytes: int, name: str, what: str) -> None:
    """Refuse, before allocating, ``n_bytes`` that exceed the memory free on this machine.

    A ``ValueError`` whose message starts with ``name`` (the size arguments responsible),
    so a huge count fails at once instead of swapping or dying in the allocator.
    """
    from lectoolkit.shapley import free_memory_bytes  # lazy: shapley imports numba

    free = free_memory_bytes()
    if n_bytes > free:
        raise ValueError(
            f"{name}: {what} would need {n_bytes / 2**30:.3g} GiB but only "
            f"{free / 2**30:.3g} GiB of memory is free"
        )


def column(frame: pd.DataFrame, key: str, name: str, *, unit: str | None = None,
           nonneg: bool = False, positive: bool = False) -> np.ndarray:
    """Column ``key`` of the DataFrame argument ``name`` as finite float64 values.

    Messages start with ``name`` and quote the column (``"offers: column 'energy_kwh':
    expected finite values [kWh], got nan at 3"``). The frame's labels are not checked
    (a column is read by position, not paired with another argument). ``positive``
    refuses zeros as well as negative values.
    """
    label = f"{name}: column {key!r}"
    if key not in frame.columns:
        raise ValueError(f"{label} is missing; got columns {list(frame.columns)}")
    arr = _numeric_array(frame[key], label, unit)
    _check_values(arr, label, unit, nonneg or positive)
    if positive and arr.size and not (arr > 0).all():
        where = int(np.argmin(arr > 0))
        raise ValueError(f"{label}: expected positive values{_unit(unit)}, got 0.0 at {where}")
    return arr


# --------------------------------------------------------------------------- member labels


def labels(value, name: str, size: int) -> pd.Index:
    """``size`` unique hashable labels (list, tuple, range, 1-D array, Index) as an Index.

    A string, a set (no order), a dict or a scalar is refused with ``TypeError``, as is
    an unhashable label; a wrong count or a repeated label with ``ValueError``.
    """
    if isinstance(value, (str, bytes, dict, set, frozenset, pd.DataFrame)) or not (
        isinstance(value, (Sequence, np.ndarray, pd.Index, pd.Series))
    ):
        raise TypeError(f"{name}: expected a list of {size} labels, got {describe(value)}")
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D list of {size} labels, got shape {value.shape}")
    items = list(value)
    for item in items:
        try:
            hash(item)
        except TypeError:
            raise TypeError(f"{name}: labels must be hashable, got {describe(item)}") from None
    if len(items) != size:
        raise ValueError(f"{name}: expected {size} labels, got {len(items)}")
    return unique_labels(pd.Index(items), name)


# --------------------------------------------------------------------------- games


def dense_worths(value, *, min_players: int = 1) -> tuple[np.ndarray, int, float]:
    """The argument ``worths``: a dense worth array ``v(S)`` [money] of a game.

    One entry per coalition in bitmask order (``2**n`` entries, the empty coalition
    first and worth 0; see :mod:`lectoolkit.coalitions`). A float64 C-contiguous array
    is used as is (no copy); anything else is converted once, after checking that the
    copy fits in memory. The finiteness scan is a max and a min (no temporary array).

    Returns ``(array, n, max |v(S)|)``.
    """
    from lectoolkit.coalitions import n_players_of  # lazy: coalitions imports this module

    if not (isinstance(value, np.ndarray) and value.dtype.kind in "iuf"):
        # lists, Series and arrays of a non-numeric dtype: kinds, shape and values checked
        value = vector(value, "worths", unit="money")[0]
    if value.ndim != 1:
        raise ValueError(f"worths: expected a 1-D array, got shape {value.shape}")
    n = n_players_of(value)
    if n < min_players:
        raise ValueError(f"worths: expected a game of at least {min_players} players, got {n} "
                         f"(length {value.size})")
    if value.dtype != np.float64 or not value.flags.c_contiguous:
        fits_in_memory(8 * value.size, "worths", f"converting {value.size} worths to float64")
        value = np.ascontiguousarray(value, dtype=np.float64)
    top, bottom = float(value.max()), float(value.min())  # NaN propagates, inf stays
    if not (np.isfinite(top) and np.isfinite(bottom)):
        first = int(np.argmax(~np.isfinite(value)))
        raise ValueError(f"worths: expected finite values [money], got {value[first]} at "
                         f"{first} (a coalition's bitmask)")
    if value[0] != 0.0:
        raise ValueError(f"worths: the empty coalition must be worth 0, got worths[0] = "
                         f"{value[0]}")
    return value, n, max(top, -bottom)


def sequence_of(value, name: str, check, what: str) -> list:
    """A non-empty flat sequence whose every element passes ``check(element, name)``.

    ``what`` names the elements in the messages (``"integers"``, ``"shares in [0, 1]"``).
    """
    if isinstance(value, (str, bytes, dict, set, frozenset)) or not np.iterable(value) \
            or np.ndim(np.asarray(value, dtype=object)) != 1:
        raise TypeError(f"{name}: expected a sequence of {what}, got {describe(value)}")
    out = [check(item, name) for item in value]
    if not out:
        raise ValueError(f"{name}: expected at least one of the {what}, got none")
    return out
