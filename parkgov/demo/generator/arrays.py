"""Array helpers: runs and ranks of equal keys in NumPy, rounding, and NumPy → Polars columns with nulls."""

from __future__ import annotations

import numpy as np
import polars as pl


def group_starts(keys: np.ndarray) -> np.ndarray:
    """Index of the first row of each run of equal keys."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])


def rank_in_group(keys: np.ndarray) -> np.ndarray:
    """0,1,2… within each group of `keys` (any order); stable by position."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = group_starts(sorted_keys)
    run = np.repeat(starts, np.diff(np.r_[starts, len(keys)]))
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys)) - run
    return ranks


def rounded(values, digits=2):
    """Values rounded to `digits` decimals (2 by default: money and areas)."""
    return np.round(values, digits)


def series(values, dtype=pl.Float64, valid=None) -> pl.Series:
    """A polars Series from a NumPy array; NaN becomes null, and so does every row where `valid` is False."""
    if dtype == pl.Date:
        s = pl.Series(np.asarray(values, dtype=np.int32)).cast(pl.Date)
    elif dtype == pl.Float64:
        s = pl.Series(np.asarray(values, dtype=np.float64), nan_to_null=True)
    else:
        s = pl.Series(values, dtype=dtype)
    if valid is not None:
        s = pl.select(pl.when(pl.Series(np.asarray(valid, dtype=bool))).then(s).otherwise(None)).to_series()
    return s


def pick(values, index, valid=None) -> pl.Series:
    """values[index] as a String Series (vectorised gather), null where `valid` is False."""
    values = values if isinstance(values, pl.Series) else pl.Series(list(values), dtype=pl.String)
    out = values.gather(pl.Series(np.asarray(index, dtype=np.int64)))
    return series(out, pl.String, valid) if valid is not None else out
