"""Monte Carlo of the linear-regression loop (paper §3, docs/theory/formalism.md §1-2) for every data regime.

The process: rows ``x ~ N(0, Sigma)`` in ``R^d``; one design ``X`` (``T x d``) reused at every iteration (or
redrawn, ``fresh_design=True``); iteration 1 fits real labels ``Y_1 = X w* + E_1``; generation ``j``'s labels
are ``Y_j = X w_{p(j)} + E_j`` with ``Var E_j = tau_j^2 sigma^2 / m_j``; iteration ``n`` fits weighted least
squares on generations ``1..n`` with the regime's weights ``alpha_{n j}``.  The metric is the test error
``||w_n - w*||^2_Sigma = E[(x^T w_n - y)^2] - sigma^2``, exactly, per seed (optionally also the empirical MSE
on a held-out noiseless test set, whose mean is the same quantity).  Its expectation is the closed form
:func:`collapse_theory.linear_regression.test_error` (``sigma^2 d/(T-d-1) F_n``) for every regime except
accumulate-subsample.

Two engines:

* ``engine="literal"``: builds each iteration's training set as the paper describes (copies of ``X`` with each
  generation's labels, weighted by the regime) and solves it with ``lstsq``.  The reference; its cost grows
  like ``n^2`` per seed.
* ``engine="fast"``: the one-step form of :meth:`Regime.step` on sufficient statistics, ``O(1)`` state per
  seed (a ``k``-deep buffer for ``window``), cost linear in ``n``.

and three sampling modes (``sampling=``), which fix how the randomness is drawn:

* ``"labels"``: design rows and ``T``-dimensional label noise, as written.  Both engines; for the same key the
  fast engine equals the literal one to float tolerance.
* ``"projected"``: design rows, noise drawn as ``X^T E ~ N(0, sigma^2 X^T X)`` in ``d`` dimensions.
* ``"wishart"`` (the fast engine's default): ``X^T X`` from the Wishart distribution (Bartlett decomposition)
  and ``d``-dimensional noise: ``d(d+1)/2 + n d`` draws per seed instead of ``T d + n T``.
  ``"projected"`` and ``"wishart"`` agree with the literal engine in distribution, not draw for draw.

accumulate-subsample (fit each iteration on a uniform subset of ``budget`` rows of the pool of all
generations) needs the rows themselves: it runs one pool engine (either ``engine`` value) in labels mode.

Seeds are vmapped, streamed in chunks and sharded over all JAX devices by :func:`simulations.seeds.run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from collapse_theory import _validate
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import Regime
from collapse_theory.schedule import schedule

from . import precision as _precision
from ._config import merge
from . import seeds as _seeds
from ._linear_engines import trajectory
from ._linear_plan import Plan, coefficients, literal_weights
from .result import Result

__all__ = ["Config", "ENGINES", "SAMPLINGS", "DESIGNS", "FIGURE_GRID", "simulate", "simulate_grid", "simulate_cli",
           "work"]

ENGINES = ("fast", "literal")
SAMPLINGS = ("labels", "projected", "wishart")
DESIGNS = ("gaussian", "orthonormal")
#: The paper's linear figure (§3): d = 32, iterations 1..50, 1000 seeds, T x sigma^2 below.
FIGURE_GRID = {"d": 32, "n": 50, "seeds": 1000, "Ts": (100, 316, 1000), "sigma2s": (0.01, 0.1, 1.0, 10.0, 100.0)}


@dataclass(frozen=True)
class Config:
    """What a linear-regression simulation runs (the family's parameters plus the engine's choices).

    Attributes: ``d``, ``T``, ``sigma2`` (the model, :mod:`collapse_theory.families`); ``engine``, ``sampling``
    (``None``: the engine's default), ``fresh_design``, ``design``, ``test_points``, ``conditional`` (see
    :func:`simulate`); ``dtype``: ``"float64"`` (default) or ``"float32"``.
    """

    d: int = 10
    T: int = 100
    sigma2: float = 1.0
    engine: str = "fast"
    sampling: Optional[str] = None
    fresh_design: bool = False
    design: str = "gaussian"
    test_points: int = 0
    conditional: bool = False
    dtype: str = "float64"


def _choice(name, value, options):
    if value not in options:
        raise InvalidParameterError(f"{name} must be one of {', '.join(options)}, got {value!r}")
    return value


def _check_key(key):
    import jax
    import jax.numpy as jnp

    typed = hasattr(key, "dtype") and jnp.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ()
    raw = hasattr(key, "dtype") and key.dtype == np.uint32 and key.shape == (2,)
    if not (typed or raw):
        raise InvalidParameterError("key must be a single jax.random key, e.g. jax.random.key(0)")
    return key


def _sigma_cholesky(Sigma, d: int) -> np.ndarray:
    if Sigma is None:
        return np.eye(d)
    Sigma = np.asarray(Sigma, dtype=np.float64)
    if Sigma.shape != (d, d) or not np.all(np.isfinite(Sigma)) or not np.allclose(Sigma, Sigma.T):
        raise InvalidParameterError(f"Sigma must be a finite symmetric {d} x {d} matrix, got shape {Sigma.shape}")
    try:
        return np.linalg.cholesky(Sigma)
    except np.linalg.LinAlgError:
        raise InvalidParameterError("Sigma must be positive definite") from None


def _prepare(regime, n, *, d, T, sigma2, engine, fresh_design, Sigma, sampling, test_points, conditional=False,
             design="gaussian"):
    """Validate the inputs; return the static :class:`Plan` and the traced arguments."""
    if not isinstance(regime, Regime):
        raise InvalidParameterError(f"regime must be a collapse_theory.Regime, got {type(regime).__name__}")
    n = _validate.integer("n", n)
    d, T = _validate.design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    engine = _choice("engine", engine, ENGINES)
    test_points = _validate.integer("test_points", test_points, minimum=0)
    subsample = not regime.has_closed_form
    if sampling is None:
        sampling = "wishart" if engine == "fast" and not subsample else "labels"
    sampling = _choice("sampling", sampling, SAMPLINGS)
    if sampling != "labels" and (engine == "literal" or subsample):
        what = "the literal engine" if engine == "literal" else "accumulate-subsample"
        raise InvalidParameterError(f"{what} draws labels row by row: sampling must be labels, got {sampling!r}")
    if subsample:
        if regime.budget < d + 2:
            raise InvalidParameterError(f"budget must satisfy B >= d + 2 (the expected error is infinite for "
                                        f"B <= d + 1), got B={regime.budget}, d={d}")
        if fresh_design:
            raise InvalidParameterError("accumulate-subsample runs on a fixed design; fresh_design must be False")
    if conditional and (fresh_design or subsample):
        raise InvalidParameterError("conditional=True needs a fixed design and a regime with a closed form")
    design = _choice("design", design, DESIGNS)
    if design == "orthonormal" and (fresh_design or Sigma is not None):
        raise InvalidParameterError("design='orthonormal' is a whitened fixed design: it takes neither fresh_design "
                                    "nor Sigma")
    chol = _sigma_cholesky(Sigma, d)

    coef = coefficients(regime, n)
    sched = schedule(regime, n)
    plan = Plan(kind=sched.layout, engine=engine, sampling=sampling, n=n, d=d,
                T=None if sampling == "wishart" else T, sources=sched.slots,
                copies=int(coef.copies.max()) if sampling == "labels" else 1,
                window=regime.window, budget=None if regime.budget is None else min(regime.budget, n * T),
                fresh=bool(fresh_design), test_points=test_points,
                conditional=bool(conditional), orthonormal=design == "orthonormal")
    args = {**coef.arrays(), "sigma2": np.float64(sigma2), "chol": chol, "df": np.float64(T)}
    if engine == "literal" and not subsample:
        args["alpha"] = literal_weights(regime, n)
    # accumulate-subsample always runs the pool engine, whatever was asked: record what ran
    config = {"model": "linear", "regime": regime.to_json(), "n": n, "d": d, "T": T,
              "sigma2": sigma2, "engine": "pool" if subsample else engine, "sampling": sampling, "fresh_design": bool(fresh_design),
              "Sigma": None if Sigma is None else chol @ chol.T, "test_points": test_points,
              "design": design}
    return plan, args, config


def simulate(regime: Regime, n: int, config: Optional[Config] = None, *, key, seeds: int, Sigma=None,
             keep_values: bool = False, chunk: int | None = None, progress: bool = False, **options) -> Result:
    """Monte Carlo of ``regime`` at iterations ``1..n`` over ``seeds`` seeds: metric ``"test_error"``.

    ``config`` is a :class:`Config`; its fields may also be given as keywords (``d=10, T=100``), which
    override it.

    Args:
        regime: a :class:`~collapse_theory.Regime` (any kind, temperature included).
        n: iterations (>= 1); iteration 1 fits the real data.
        key: a ``jax.random`` key; seed ``s`` uses ``jax.random.split(key, seeds)[s]`` (see
            :mod:`simulations._linear_engines` for how it is used).
        seeds: number of independent runs (>= 1), streamed in chunks of ``chunk``.
        d, T: dimension and samples per iteration, ``T >= d + 2`` (the expected error is infinite otherwise).
        sigma2: label-noise variance ``sigma^2 > 0``.
        engine: ``"fast"`` (sufficient statistics) or ``"literal"`` (the stacked training set, the reference).
        fresh_design: redraw ``X`` at every iteration (each source and copy gets its own rows).
        Sigma: covariance of the rows (``d x d``, positive definite); identity by default.
        keep_values: also keep the per-seed values (``Result.values``).
        progress: tqdm progress bar on stderr.
        sampling: ``"labels"``, ``"projected"`` or ``"wishart"`` (module docstring); default ``"wishart"`` for
            the fast engine, ``"labels"`` otherwise.
        test_points: if > 0, also report ``"test_mse"``, the MSE on that many held-out noiseless test points.
        conditional: also report ``"error_factor"``, the error over ``sigma^2 tr(Sigma (X^T X)^{-1})``: its
            mean is the theory's ``F_n`` exactly, with finite variance even where the error's is infinite
            (``T <= d + 3``); fixed design only.
        design: ``"gaussian"`` (rows ``N(0, Sigma)``) or ``"orthonormal"``: the fixed design replaced by an
            orthonormal basis ``U`` of its column space (``U^T U = I``).  With Gaussian rows the test error
            factorises exactly, ``E_test = E ||delta_U||^2 / (T - d - 1)`` for every fixed-design regime
            (:mod:`collapse_theory.subsample`), so the orthonormal run estimates the same expectation without
            the variance of ``X^T X``.
        dtype: ``"float64"`` (default) or ``"float32"``; the JAX code runs in it whatever the global setting.

    Returns:
        :class:`~simulations.result.Result` with per-iteration mean and standard error; compare with
        ``collapse_theory.linear_regression.test_error`` through ``Result.z``.

    Raises:
        InvalidParameterError: bad input (``seeds < 1``, ``T <= d + 1``, ``budget < d``, an unknown engine, ...).
    """
    config = merge(Config, config, options)
    dtype = _precision.check(config.dtype)
    plan, args, recorded = _prepare(regime, n, d=config.d, T=config.T, sigma2=config.sigma2, engine=config.engine,
                                    fresh_design=config.fresh_design, Sigma=Sigma, sampling=config.sampling,
                                    test_points=config.test_points, conditional=config.conditional,
                                    design=config.design)
    seeds = _validate.integer("seeds", seeds)
    if chunk is not None:
        chunk = _validate.integer("chunk", chunk)
    _check_key(key)
    with _precision.scope(dtype):
        return _seeds.run(trajectory(plan), args, key=key, seeds=seeds, chunk=chunk, keep_values=keep_values,
                          progress=progress, description=f"{regime.label} seeds",
                          config={**recorded, "dtype": dtype, "seeds": seeds})


def simulate_grid(regime: Regime, n: int, *, key, seeds: int, d: int, Ts, sigma2s, **options) -> dict:
    """The same simulation on a grid of ``T`` and ``sigma^2``: ``{(T, sigma2): Result}``.

    Grid point ``i`` (row-major over ``Ts x sigma2s``) uses the key ``jax.random.fold_in(key, i)``, so the
    points are independent.  ``T`` and ``sigma^2`` are traced arguments in the default (wishart) sampling, so
    the whole grid costs one compilation.  The paper's figure is
    ``simulate_grid(regime, 50, key=key, seeds=1000, d=32, Ts=(100, 316, 1000),
    sigma2s=(0.01, 0.1, 1, 10, 100))`` (:data:`FIGURE_GRID`).  ``options`` are passed to :func:`simulate`.
    """
    import jax

    Ts, sigma2s = tuple(Ts), tuple(sigma2s)
    if not Ts or not sigma2s:
        raise InvalidParameterError("Ts and sigma2s must each hold at least one value")
    out = {}
    for i, (T, sigma2) in enumerate((T, s) for T in Ts for s in sigma2s):
        out[(T, sigma2)] = simulate(regime, n, key=jax.random.fold_in(_check_key(key), i), seeds=seeds, d=d, T=T,
                                    sigma2=sigma2, **options)
    return out


def work(regime: Regime, n: int, *, d: int, T: int, **_) -> float:
    """Floating-point operations of one seed's trajectory (for the CLI's guard on long runs): ``O(n d^2)`` on
    sufficient statistics, ``O(n B d^2)`` for the subset fits of accumulate-subsample."""
    per = min(regime.budget, n * T) * d * d if not regime.has_closed_form else 10 * (d * d + d)
    return float(n) * per


def simulate_cli(regime: Regime, n: int, *, seeds: int, key, quiet: bool, dtype: str = "float64",
                 conditional: bool = False, d: int, T: int, sigma2: float) -> tuple[dict, dict]:
    """What ``collapse-theory simulate`` and ``check`` print: ``({metric: {"mean", "se"}}, config that ran)``.

    Fast engine, default sampling; ``conditional=True`` adds ``error_factor`` (finite variance for any ``T``).
    """
    # The error is exactly sigma^2 times the error at sigma^2 = 1 with the same key (the process is linear in the
    # noise): simulate at 1 and scale in float64, so any sigma^2 whose error float64 holds is computed.
    result = simulate(regime, n, Config(d=d, T=T, sigma2=1.0, conditional=conditional, dtype=dtype), key=key,
                      seeds=seeds, progress=not quiet)
    summary = result.summary()
    summary["test_error"] = {k: sigma2 * v for k, v in summary["test_error"].items()}
    if not all(np.all(np.isfinite(v)) for v in summary["test_error"].values()):
        raise InvalidParameterError(f"sigma2={sigma2:g} makes the test error overflow float64; the error is "
                                    "sigma2 times the sigma2 = 1 value")
    return summary, {**result.config, "sigma2": sigma2}
