"""Monte Carlo results: per-iteration means and standard errors, compared with theory by z-scores."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Mapping, Optional

import numpy as np

__all__ = ["Result", "Moments"]


@dataclass(frozen=True)
class Moments:
    """Running count, mean and sum of squared deviations per iteration (Chan et al.'s parallel update).

    Combining chunk statistics this way keeps the mean and variance accurate in float64 over 10^6 seeds
    and makes the result independent of how the seeds were chunked up to rounding.
    """

    count: int
    mean: np.ndarray
    m2: np.ndarray

    @staticmethod
    def of(values: np.ndarray) -> "Moments":
        values = np.asarray(values, dtype=np.float64)
        mean = values.mean(axis=0)
        return Moments(values.shape[0], mean, ((values - mean) ** 2).sum(axis=0))

    def merge(self, other: "Moments") -> "Moments":
        if self.count == 0:
            return other
        total = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / total)
        m2 = self.m2 + other.m2 + delta**2 * (self.count * other.count / total)
        return Moments(total, mean, m2)

    @property
    def se(self) -> np.ndarray:
        if self.count < 2:
            return np.full_like(self.mean, np.inf)
        return np.sqrt(self.m2 / (self.count - 1) / self.count)


@dataclass(frozen=True)
class Result:
    """Per-iteration Monte Carlo summary of one or more metrics.

    Attributes:
        mean: ``{metric: array (n,)}`` mean over seeds at iterations 1..n.
        se: ``{metric: array (n,)}`` standard error of that mean (sample std / sqrt(seeds)).
        seeds: number of seeds.
        values: ``{metric: array (seeds, n)}`` raw per-seed values, when asked for.
        config: the configuration that produced it (for caches and JSON).
    """

    mean: Mapping[str, np.ndarray]
    se: Mapping[str, np.ndarray]
    seeds: int
    values: Optional[Mapping[str, np.ndarray]] = None
    config: Mapping = field(default_factory=dict)

    @staticmethod
    def from_moments(moments: Mapping[str, Moments], *, values=None, config=None) -> "Result":
        seeds = next(iter(moments.values())).count
        return Result({m: v.mean for m, v in moments.items()}, {m: v.se for m, v in moments.items()},
                      seeds, values, dict(config or {}))

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self.mean)

    @property
    def iterations(self) -> np.ndarray:
        return np.arange(1, len(next(iter(self.mean.values()))) + 1)

    def z(self, theory, metric: Optional[str] = None) -> np.ndarray:
        """``(mean - theory) / se`` per iteration for ``metric`` (the only metric if omitted)."""
        from .testing import z_scores

        metric = metric or self._only_metric()
        return z_scores(self.mean[metric], self.se[metric], theory)

    def max_abs_z(self, theory, metric: Optional[str] = None) -> float:
        return float(np.max(np.abs(self.z(theory, metric))))

    def _only_metric(self) -> str:
        if len(self.mean) != 1:
            raise ValueError(f"name a metric: this result has {', '.join(self.mean)}")
        return next(iter(self.mean))

    def summary(self) -> dict:
        """``{metric: {"mean": array, "se": array}}``: what ``collapse-theory simulate`` prints."""
        return {m: {"mean": self.mean[m], "se": self.se[m]} for m in self.mean}

    def replace(self, **changes) -> "Result":
        return dataclasses.replace(self, **changes)
