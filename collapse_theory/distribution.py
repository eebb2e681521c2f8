"""The whole distribution of the linear-regression test error, not only its mean (docs/theory/formalism.md §2).

With a fixed design ``X`` and Gaussian label noise, ``delta_n = w_n - w*`` is exactly Gaussian given ``X``:

    delta_n | X ~ N(0, sigma^2 F_n (X^T X)^{-1}),     F_n = sum_s c_{n s}^2 tau_s^2 / m_s,

(:func:`collapse_theory.coefficients.error_factors`), for every regime of the fixed-design algebra.  Hence:

* **Given X** (exact): ``||delta_n||^2_Sigma = sigma^2 F_n sum_j a_j z_j^2`` with ``z_j`` i.i.d. N(0, 1) and
  ``a_j`` the eigenvalues of ``Sigma^{1/2} (X^T X)^{-1} Sigma^{1/2}``: a weighted sum of chi-squares.  Its CDF
  is Imhof's (1961) inversion integral

      P(Q > x) = 1/2 + (1/pi) int_0^oo sin(theta(u)) / (u rho(u)) du,
      theta(u) = (1/2) sum_j arctan(a_j u) - x u / 2,   rho(u) = prod_j (1 + a_j^2 u^2)^{1/4},

  evaluated by QUADPACK (a Fourier integral for the oscillating tail; error ~1e-10), quantiles by root
  finding.
* **Over X** (exact, closed form): for Gaussian rows ``X = Z Sigma^{1/2}`` with ``Z^T Z ~ Wishart(T, I_d)``,
  ``g^T (Z^T Z)^{-1} g = chi^2_d / chi^2_{T-d+1}`` with independent numerator and denominator (the Wishart
  property ``(e^T W^{-1} e)^{-1} ~ chi^2_{T-d+1}`` for a unit vector ``e``, and rotation invariance), so

      ||delta_n||^2_Sigma / (sigma^2 F_n) ~ d/(T - d + 1) * F(d, T - d + 1)      (Fisher's F),

  for any ``Sigma``; its mean ``d/(T-d-1) = kappa`` recovers the paper's formulas.  Quantiles exist for
  ``T >= d`` (the mean needs ``T >= d + 2``).

Every iteration's error is the same base distribution scaled by ``F_n``, so a band is the base quantiles
times ``sigma^2 F_n``.  Not covered: accumulate-subsample (the subsets make the error a mixture of such
distributions, not one) and ridge (see :mod:`collapse_theory.ridge`).
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, optimize, special, stats

from . import _validate
from .coefficients import error_factors
from .errors import InvalidParameterError
from .regimes import Regime

__all__ = ["quantiles", "cdf", "conditional_weights", "weighted_chi2_cdf", "weighted_chi2_quantile",
           "conditional_quantiles"]


def _probabilities(probs) -> np.ndarray:
    p = np.atleast_1d(np.asarray(probs, dtype=np.float64))
    if p.ndim != 1 or p.size == 0 or not np.all((p > 0) & (p < 1)):
        raise InvalidParameterError(f"quantile levels must lie strictly between 0 and 1, got {probs!r}")
    return p


def _design(d, T):
    d = _validate.integer("d", d)
    T = _validate.integer("T", T)
    if T < d:
        raise InvalidParameterError(f"T must satisfy T >= d (X^T X is singular otherwise), got d={d}, T={T}")
    return d, T


def _factors(regime: Regime, n: int) -> np.ndarray:
    """``F_n`` at ``n = 1..n`` from the closed form (O(n)) where one is derived, else the exact recursion."""
    from .derivation import MAX_WINDOW
    from .linear_regression import test_error

    if regime.has_closed_form and not (regime.window is not None and regime.window > MAX_WINDOW):
        # test_error = sigma^2 d/(T-d-1) F_n; at d = 1, T = 3 the factor is exactly 1.
        return test_error(regime, n, d=1, T=3, sigma2=1.0)
    return error_factors(regime, n, exact=False)


def quantiles(regime: Regime, n: int, probs, *, d: int, T: int, sigma2: float = 1.0) -> np.ndarray:
    """Exact quantiles of the test error over ``X`` and the noise: array ``(len(probs), n)``, iterations 1..n.

    ``sigma^2 F_n d/(T-d+1) * F^{-1}_{d, T-d+1}(p)`` (Fisher's F quantile).
    """
    p = _probabilities(probs)
    d, T = _design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    factors = _factors(regime, n)
    base = d / (T - d + 1) * stats.f.ppf(p, d, T - d + 1)
    return sigma2 * base[:, None] * factors[None, :]


def cdf(x, regime: Regime, n: int, *, d: int, T: int, sigma2: float = 1.0) -> np.ndarray:
    """``P(E_n <= x)`` over ``X`` and the noise at iteration ``n`` (exact; ``x`` broadcasts)."""
    d, T = _design(d, T)
    sigma2 = _validate.positive("sigma2", sigma2)
    factor = _factors(regime, n)[-1]
    x = np.asarray(x, dtype=np.float64)
    return stats.f.cdf(x / (sigma2 * factor) * (T - d + 1) / d, d, T - d + 1)


def conditional_weights(X, Sigma=None) -> np.ndarray:
    """Eigenvalues ``a_j`` of ``Sigma^{1/2} (X^T X)^{-1} Sigma^{1/2}``: the chi-square weights given ``X``."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < X.shape[1] or not np.all(np.isfinite(X)):
        raise InvalidParameterError(f"X must be a finite T x d array with T >= d, got shape {X.shape}")
    gram = X.T @ X
    Sigma = np.eye(X.shape[1]) if Sigma is None else np.asarray(Sigma, dtype=np.float64)
    if Sigma.shape != gram.shape:
        raise InvalidParameterError(f"Sigma must be {gram.shape}, got {Sigma.shape}")
    # Same spectrum as Sigma^{1/2} G^{-1} Sigma^{1/2}: the generalized problem Sigma v = a G v.
    from scipy.linalg import eigh

    try:
        a = eigh(Sigma, gram, eigvals_only=True)
    except np.linalg.LinAlgError:
        raise InvalidParameterError("X must have full column rank (X^T X is singular)") from None
    return np.sort(a)


def weighted_chi2_cdf(x: float, weights) -> float:
    """``P(sum_j a_j z_j^2 <= x)`` by Imhof's integral (``a_j > 0``, ``z_j`` i.i.d. N(0, 1)).

    With ``phi(u) = (1/2) sum_j arctan(a_j u)``, ``sin(theta) = sin(phi) cos(xu/2) - cos(phi) sin(xu/2)``: the
    range ``[0, 1]`` is integrated directly, the tail ``[1, oo)`` as two Fourier integrals (QUADPACK's QAWF),
    whose amplitudes decay smoothly like ``u^{-1-k/2}``.  Absolute error about 1e-10.  One and two weights
    are done directly (chi-square; one integral over ``z_1``).
    """
    x = float(x)
    a = np.asarray(weights, dtype=np.float64)
    if x <= 0:
        return 0.0
    x, a = x / a.max(), a / a.max()  # scale-free; the oscillation then sits at u ~ 1/x
    if a.size == 1:
        return float(stats.chi2.cdf(x / a[0], 1))
    if a.size == 2:  # the tail decays too slowly for QAWF; condition on z_1 instead
        edge = np.sqrt(x / a[0])
        # chi2_1 CDF at y is erf(sqrt(y/2)); scipy.special directly, the stats wrappers cost 100x per call.
        inner = integrate.quad(lambda z: np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
                               * special.erf(np.sqrt(max(x - a[0] * z * z, 0.0) / (2.0 * a[1]))),
                               0.0, edge, epsabs=1e-13, epsrel=1e-12)[0]
        return float(min(1.0, 2.0 * inner))

    def phi(u):
        return 0.5 * np.sum(np.arctan(a * u))

    def amplitude(u):
        return 1.0 / (u * np.exp(0.25 * np.sum(np.log1p((a * u) ** 2))))

    def head(u):
        if u == 0.0:
            return 0.5 * (a.sum() - x)
        return np.sin(phi(u) - 0.5 * x * u) * amplitude(u)

    options = {"epsabs": 1e-12, "limit": 200}
    value = integrate.quad(head, 0.0, 1.0, epsrel=1e-12, **options)[0]
    value += integrate.quad(lambda u: np.sin(phi(u)) * amplitude(u), 1.0, np.inf, weight="cos", wvar=0.5 * x,
                            limlst=100, **options)[0]
    value -= integrate.quad(lambda u: np.cos(phi(u)) * amplitude(u), 1.0, np.inf, weight="sin", wvar=0.5 * x,
                            limlst=100, **options)[0]
    return float(min(1.0, max(0.0, 0.5 - value / np.pi)))


def weighted_chi2_quantile(p: float, weights) -> float:
    """The ``p``-quantile of ``sum_j a_j z_j^2`` (root of :func:`weighted_chi2_cdf`)."""
    a = np.asarray(weights, dtype=np.float64)
    mean, sd = a.sum(), np.sqrt(2.0 * np.sum(a * a))
    hi = mean + sd
    while weighted_chi2_cdf(hi, a) < p:
        hi += 4.0 * sd
    return float(optimize.brentq(lambda x: weighted_chi2_cdf(x, a) - p, 0.0, hi, xtol=1e-14 * hi, rtol=1e-12))


def conditional_quantiles(regime: Regime, n: int, probs, *, X, sigma2: float = 1.0, Sigma=None) -> np.ndarray:
    """Exact quantiles of the test error given the design ``X``: array ``(len(probs), n)``, iterations 1..n."""
    p = _probabilities(probs)
    sigma2 = _validate.positive("sigma2", sigma2)
    a = conditional_weights(X, Sigma)
    base = np.array([weighted_chi2_quantile(q, a) for q in p])
    return sigma2 * base[:, None] * _factors(regime, n)[None, :]
