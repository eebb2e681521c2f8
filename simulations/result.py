"""Monte Carlo results: per-iteration means and standard errors, compared with theory by z-scores.

A :class:`Result` also reads well where a theorist explores: a one-line ``repr``, an HTML table in a notebook
(iteration, mean, SE and, once a theory is attached with :meth:`Result.with_theory`, theory and z), and
:meth:`Result.to_pandas` / :meth:`Result.to_xarray` for everything else.
"""

from __future__ import annotations

import dataclasses
import html
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
        theory: ``{metric: array (n,)}`` exact values to compare with, when attached (:meth:`with_theory`).
    """

    mean: Mapping[str, np.ndarray]
    se: Mapping[str, np.ndarray]
    seeds: int
    values: Optional[Mapping[str, np.ndarray]] = None
    config: Mapping = field(default_factory=dict)
    theory: Optional[Mapping[str, np.ndarray]] = None

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

    # -- display and export -------------------------------------------------------------------------------

    def with_theory(self, theory) -> "Result":
        """This result with exact values attached: ``{metric: array (n,)}``, or one array for a single metric.

        The HTML table, :meth:`to_pandas` and :meth:`to_xarray` then show each metric's theory and
        ``z = (mean - theory) / se`` beside its mean and standard error.
        """
        if not isinstance(theory, Mapping):
            theory = {self._only_metric(): theory}
        attached = {}
        for metric, values in theory.items():
            if metric not in self.mean:
                raise ValueError(f"no metric {metric!r} in this result: it has {', '.join(self.mean)}")
            values = np.asarray(values, dtype=np.float64)
            if values.shape != np.shape(self.mean[metric]):
                raise ValueError(f"theory for {metric!r} has shape {values.shape}, the means have "
                                 f"{np.shape(self.mean[metric])}")
            attached[metric] = values
        return self.replace(theory=attached)

    def _columns(self, metric: str) -> dict:
        columns = {"mean": np.asarray(self.mean[metric]), "se": np.asarray(self.se[metric])}
        if self.theory and metric in self.theory:
            columns["theory"] = self.theory[metric]
            columns["z"] = self.z(self.theory[metric], metric)
        return columns

    def __repr__(self) -> str:
        # The arrays are what a notebook's HTML table or to_pandas() is for; the repr says what the result is.
        parts = [f"metrics={self.metrics!r}", f"iterations={len(self.iterations)}", f"seeds={self.seeds}"]
        if self.theory:
            worst = max(float(np.max(np.abs(self.z(t, m)))) for m, t in self.theory.items())
            parts.append(f"theory=attached (max |z| = {worst:.2f})")
        if self.values is not None:
            parts.append("values=kept")
        config = {k: v for k, v in self.config.items() if isinstance(v, (str, int, float, bool)) or v is None}
        if config:
            parts.append("config={" + ", ".join(f"{k}={v!r}" for k, v in list(config.items())[:6])
                         + (", ..." if len(config) > 6 or len(config) < len(self.config) else "") + "}")
        return "Result(" + ", ".join(parts) + ")"

    def _repr_html_(self, max_rows: int = 20) -> str:
        """A compact table: one row per iteration (the first and last ones when there are more than ``max_rows``)."""
        columns = {m: self._columns(m) for m in self.metrics}
        head1 = "<th rowspan='2'>iteration</th>" + "".join(
            f"<th colspan='{len(c)}'>{html.escape(m)}</th>" for m, c in columns.items())
        head2 = "".join(f"<th>{'SE' if name == 'se' else name}</th>" for c in columns.values() for name in c)
        n = len(self.iterations)
        shown = list(range(n)) if n <= max_rows else list(range(max_rows - 5)) + [None] + list(range(n - 5, n))
        width = 1 + sum(len(c) for c in columns.values())
        rows = []
        for i in shown:
            if i is None:
                rows.append(f"<tr><td colspan='{width}' style='text-align:center'>&#8942;</td></tr>")
                continue
            cells = "".join(f"<td>{_number(c[name][i], name)}</td>" for c in columns.values() for name in c)
            rows.append(f"<tr><th>{i + 1}</th>{cells}</tr>")
        caption = f"Monte Carlo result: {self.seeds:,} seeds, {n} iterations"
        if self.theory:
            caption += "; z = (mean &minus; theory) / SE"
        return (f"<table class='collapse-theory-result'><caption>{caption}</caption>"
                f"<thead><tr>{head1}</tr><tr>{head2}</tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def to_pandas(self, form: str = "long"):
        """The result as a ``pandas.DataFrame`` indexed by iteration (1-based).

        ``form="long"``: one row per (iteration, metric) with columns ``metric, mean, se`` (and ``theory, z``
        when attached).  ``form="wide"``: one row per iteration, columns ``(metric, statistic)``.
        """
        try:
            import pandas as pd
        except ImportError as exc:
            raise ImportError("Result.to_pandas() needs pandas: pip install pandas") from exc
        if form not in ("long", "wide"):
            raise ValueError(f"form must be 'long' or 'wide', got {form!r}")
        index = pd.Index(self.iterations, name="iteration")
        frames = {m: pd.DataFrame(self._columns(m), index=index) for m in self.metrics}
        if form == "wide":
            return pd.concat(frames, axis=1, names=["metric", "statistic"])
        return pd.concat([frame.assign(metric=m)[["metric", *frame.columns]] for m, frame in frames.items()])

    def to_xarray(self):
        """The result as an ``xarray.Dataset``: variables ``mean, se`` (and ``theory, z``) over ``(metric,
        iteration)``, the seed count and the scalar config entries as attributes."""
        try:
            import xarray as xr
        except ImportError as exc:
            raise ImportError("Result.to_xarray() needs xarray: pip install xarray") from exc
        columns = {m: self._columns(m) for m in self.metrics}
        names = [name for name in ("mean", "se", "theory", "z") if all(name in c for c in columns.values())]
        data = {name: (("metric", "iteration"), np.stack([columns[m][name] for m in self.metrics]))
                for name in names}
        attrs = {"seeds": self.seeds, **{k: v for k, v in self.config.items() if isinstance(v, (str, int, float))}}
        return xr.Dataset(data, coords={"metric": list(self.metrics), "iteration": self.iterations}, attrs=attrs)


def _number(value, name: str) -> str:
    return f"{value:.2f}" if name == "z" else f"{value:.6g}"
