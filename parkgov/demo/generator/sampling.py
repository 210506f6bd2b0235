"""Random draws shared by the generator sections: splits, categorical rows, lognormals, days, weighted samples."""

from __future__ import annotations

import math

import numpy as np


def counts(total: int, shares) -> np.ndarray:
    """Split `total` by `shares` into integers (largest remainder), deterministic."""
    shares = np.asarray(shares, dtype=float)
    raw = total * shares / shares.sum()
    result = np.floor(raw).astype(np.int64)
    rest = total - result.sum()
    if rest:
        result[np.argsort(-(raw - result), kind="stable")[:rest]] += 1
    return result


def normalised(w) -> np.ndarray:
    """Weights scaled to sum to one."""
    w = np.asarray(w, dtype=float)
    return w / w.sum()


def categorical(rng, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def lognormal(rng, median, sigma, size):
    """Lognormal draws given by their median and the sigma of the log."""
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(size))


def days_between(rng, size, lo, hi):
    """Uniform whole days in [lo, hi]."""
    return lo + (rng.random(size) * (hi - lo + 1)).astype(np.int64)


def weighted_sample(rng, weights, k: int) -> np.ndarray:
    """k indices without replacement, chance ∝ weight (Efraimidis–Spirakis), in no particular order.

    Draws one key per weight even when k is 0, so the generator state moves on the same way.
    """
    key = np.log(rng.random(len(weights))) / weights
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    return np.argpartition(-key, k - 1)[:k]


def affine_permutation(i: np.ndarray, m: int, rng) -> np.ndarray:
    """A seeded bijection of [0, m) applied to i: (a·i + b) mod m with gcd(a, m) = 1."""
    a = int(rng.integers(m // 3 + 1, max(m // 3 + 2, m - 1))) | 1
    while math.gcd(a, m) != 1:
        a += 2
    b = int(rng.integers(0, m))
    return (a * i.astype(np.int64) + b) % m
