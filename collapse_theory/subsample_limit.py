"""The limit of the accumulate-subsample recursion at finite ``T`` and ``B``, with a proven error bound.

Notation of :mod:`collapse_theory.subsample`; from iteration ``n* = ceil(B/T)`` on the subset size is ``b = B``.
For ``n >= n0 > n*`` write the recursion in the scaled variables read at step ``n``

    x_n = P_{n-1}/n^2,  y_n = D_{n-1}/n,  u_{n-1} = U_{n-1}/n,  w_n = W_n/(nT),  z_n = second_n/n,  e_n = y_n - x_n,

with ``f_n = (nT - B)/(nT - 1)``, ``phi_n = f_n/B``, ``rho_n = 2(B-1)/(B(nT-1))``.  The code's updates are exactly

    Q_n = w_n/B + rho_n u_{n-1} + (1 - phi_n) x_n + phi_n y_n,
    x_{n+1} = x_n + g_n/(n+1)^2,  g_n = Q_n - x_n + 2 u_{n-1}/T,
    y_{n+1} = y_n + (Q_n - y_n)/(n+1),   u_n = u_{n-1} + w_n/(n+1),

and ``z_n = w_n + y_n`` at every ``n`` (both sides are ``(1/n) sum_{i<=n} (v_i + Q_{i-1})``).  Two cases close:

* the Gaussian-mean model (``refit=None``): ``w_n = tau^2 + (1 - tau^2)/n`` explicitly;
* the ML Gaussian family at ``tau = 1``: ``v_{n+1} = s_n = z_n - Q_n``, so ``z_{n+1} = z_n = z`` for ``n >= n*``
  (the pool's second moment is conserved) and ``w_n = z - x_n - e_n``.

In both, ``Q_n - x_n = beta_n + c_n e_n`` with ``beta_n = w_n/B + rho_n u_{n-1}``, ``c_n = phi_n`` (mean model) or
``beta_n = (z - x_n)/B + rho_n u_{n-1}``, ``c_n = phi_n - 1/B`` (family), ``|c_n| <= 1/B <= 1/2``, and

    e_{n+1} = (1 - a_n) e_n + a_n t_n,   a_n = (n + 1 - c_n n)/(n+1)^2 in (0, 1],
    t_n = (beta_n n - 2 u_{n-1}/T) / (n + 1 - c_n n).

**Invariant boxes.**  Suppose ``e_m in E``, ``x_m in X`` for ``n0 <= m <= n``.  Then ``w_m in Wb`` (the explicit
range, or ``z - X - E``, clipped at 0 since ``w`` averages ``v >= 0``), ``h_m = H_m - H_{n0} <= ln(m/n0)`` and

    u_{m-1} in u_{n0-1} + h_m Wb,                      (u_m - u_{m-1} = w_m/(m+1))
    rho_m u_{m-1} <= rho_{n0} (u_{n0-1} + sup Wb / e),   (rho_m <= rho_{n0} n0/m, ln(t)/t <= 1/e)
    n/(n + 1 - c n) in [1/(1 + 1/n0 - inf c), 1/(1 - sup c)],
    u_{n-1}/(n + 1 - c n) in [0, (u_{n0-1} + sup Wb/e) / (n0 (1 - sup c))],

which bound ``t_n`` by interval arithmetic; if that range lies in ``E``, so does ``e_{n+1}`` (a convex
combination).  With ``sum_{m >= n0} 1/(m+1)^2 <= 1/n0`` and ``sum_{m >= n0} ln(m/n0)/(m+1)^2 <= int_{n0}^oo
ln(t/n0)/t^2 dt = 1/n0``, every partial sum of ``g_m/(m+1)^2`` lies in
``[min(inf gamma, 0), max(sup gamma, 0) + 2 (u_{n0-1} + sup Wb)/T] / n0`` with ``gamma = beta + c E``; if
``x_{n0}`` plus that lies in ``X``, so does ``x_{n+1}``.  By induction the boxes hold for every ``n >= n0``.
They are found by iterating these maps from the point state at ``n0`` and accepted only once both inclusions
are verified (otherwise nothing is proven and :func:`certify` returns ``None``).

**The limit.**  ``|g_m| = O(ln m)``, so ``x_oo = x_{n0} + sum_{m >= n0} g_m/(m+1)^2`` converges, and exchanging
the (nonnegative) double sum in ``u``,

    x_oo in x_{n0} + gamma S + (2/T) (u_{n0-1} S + Wb R),
    S = sum_{m > n0} 1/m^2 in [1/M + 1/(2M^2), 1/(M - 1/2)] (M = n0 + 1: trapezoid and midpoint rules),
    R = sum_{k >= n0} S(k+2)/(k+1) in [1/(n0+1), 1/(n0+1/2)]   (S(j) = sum_{i >= j} 1/i^2).

``t_n`` converges (``rho_n u_{n-1} -> 0``, ``u_{n-1}/n -> 0``), and ``sum a_n = oo``, so ``e_n -> lim t_n``:

* mean model: ``t_oo = tau^2/(B-1)``, ``Q_oo = x_oo + tau^2/(B-1)``;
* ML family at ``tau = 1``: ``t_oo = (z - x_oo)/B``, ``Q_oo = ((B-1) x_oo + z)/B``, ``s_oo = z - Q_oo``.

The width is ``O(ln n0 / n0^2)`` relative; ``n0`` is doubled until it is below :data:`RELATIVE_TARGET`.

**The state at n0** comes from the recursion run in interval arithmetic: every coefficient is a ratio of
integers (correctly rounded by Python) and every operation's result is widened to the neighbouring floats
(``math.nextafter``), which encloses the exact result of a correctly rounded IEEE operation.

Elsewhere nothing is proven here: the family with the unbiased divisor or ``tau != 1`` (there ``s_n`` tends to
0 or grows like a power ``n^(kappa tau^2 - 1)``, ``kappa`` the divisor ratio, so no box is small), where
callers keep the extrapolated estimate, marked unproven; likewise where ``16 n* + 1 > MAX_N0`` (the pre-run
would cost too much).  ``B = 1`` is exact: ``Q_n = w_n + y_n``, which is 1
at ``tau = 0`` and grows without bound otherwise (``y_{n+1} - y_n = w_n/(n+1) >= min(1, tau^2)/(n+1)``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import subsample

__all__ = ["Certificate", "certify", "limit_factor_bounds", "gaussian_family_limit_bounds", "RELATIVE_TARGET"]

#: ``n0`` is doubled (up to ``MAX_N0``) until the relative width of the limit is below this.
RELATIVE_TARGET = 1e-7
MIN_N0 = 2048
MAX_N0 = 2**15

_INF = math.inf
_next = math.nextafter


def _lo(x):
    return _next(x, -_INF)


def _hi(x):
    return _next(x, _INF)


# The pre-run makes millions of these calls: the rounding is written out in each (the same nextafter calls).
def _rat(num: int, den: int):
    r = num / den
    return _next(r, -_INF), _next(r, _INF)


def _add(a, b):
    return _next(a[0] + b[0], -_INF), _next(a[1] + b[1], _INF)


def _sub(a, b):
    return _next(a[0] - b[1], -_INF), _next(a[1] - b[0], _INF)


def _mul(a, b):
    a0, a1 = a
    b0, b1 = b
    p, q, r, s = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    return _next(min(p, q, r, s), -_INF), _next(max(p, q, r, s), _INF)


def _inv(a):
    if a[0] <= 0:
        raise ArithmeticError("interval inverse of a range containing 0")
    return _lo(1.0 / a[1]), _hi(1.0 / a[0])


def _hull(*xs):
    return min(x[0] for x in xs), max(x[1] for x in xs)


def _inside(a, b) -> bool:
    return b[0] <= a[0] and a[1] <= b[1]


def _pt(x: float):
    return x, x


@dataclass(frozen=True)
class Certificate:
    """``Q``, ``s``: intervals proven to hold ``lim Q_n`` and ``lim s_n`` (``s`` is ``None`` for the mean model).
    ``Q_box``, ``s_box``: intervals proven to hold ``Q_n``, ``s_n`` for every ``n >= n0``."""

    n0: int
    Q: tuple
    s: tuple | None
    Q_box: tuple
    s_box: tuple | None

    @staticmethod
    def center(interval) -> tuple[float, float]:
        """``(midpoint, half-width)``, the half-width rounded up so that it covers both ends."""
        mid = 0.5 * (interval[0] + interval[1])
        return mid, _hi(max(mid - interval[0], interval[1] - mid))


class _State:
    """The recursion of :func:`collapse_theory.subsample._recursion` in interval arithmetic, resumable."""

    def __init__(self, T: int, B: int, tau2, refit):
        self.T, self.B, self.tau2, self.refit = T, B, tau2, refit
        zero = (0.0, 0.0)
        self.U = self.P = self.D = self.W = self.second = self.Qp = zero
        self.v = (1.0, 1.0)
        self.n = 0  # steps done

    def advance(self, n_to: int) -> None:
        T, B, tau2, refit = self.T, self.B, self.tau2, self.refit
        U, P, D, W, second, Qp, v = self.U, self.P, self.D, self.W, self.second, self.Qp, self.v
        for n in range(self.n + 1, n_to + 1):
            N = n * T
            b = min(B, N)
            W = _add(W, _mul(_pt(float(T)), v))
            second = _add(second, _add(Qp, v))
            Q = _mul(W, _rat(1, N * b))
            if n > 1:  # U, P, D vanish at n = 1 (and N = 1 is possible there)
                Q = _add(Q, _mul(U, _rat(2 * (b - 1) * T, N * (N - 1) * b)))
                Q = _add(Q, _mul(P, _rat(N * (b - 1), b * (N - 1) * n * n)))
                Q = _add(Q, _mul(D, _rat(N - b, b * n * (N - 1))))
            cross = _add(_mul(U, _rat(1, N)), _mul(P, _rat(1, n)))
            U = _add(_mul(U, _rat(n + 1, n)), _mul(W, _rat(1, N)))
            P = _add(_add(P, _add(cross, cross)), Q)
            D = _add(D, Q)
            s = _sub(_mul(second, _rat(1, n)), Q)
            if refit == "unbiased":
                s = _mul(s, _rat(b, b - 1))
            s = (max(s[0], 0.0), s[1])  # an expected squared scatter: nonnegative
            Qp = Q
            v = _mul(tau2, s) if refit is not None else tau2
        self.U, self.P, self.D, self.W, self.second, self.Qp, self.v = U, P, D, W, second, Qp, v
        self.n = n_to

    def scaled(self):
        """``(x, e, u, w, z)`` at ``n0 = n + 1``: the state read by step ``n0``."""
        n0, T = self.n + 1, self.T
        W = _add(self.W, _mul(_pt(float(T)), self.v))
        second = _add(self.second, _add(self.Qp, self.v))
        x = _mul(self.P, _rat(1, n0 * n0))
        y = _mul(self.D, _rat(1, n0))
        return (x, _sub(y, x), _mul(self.U, _rat(1, n0)), _mul(W, _rat(1, n0 * T)), _mul(second, _rat(1, n0)))


def _boxes(n0: int, T: int, B: int, tau2, family: bool, x0, e0, u0, w0, z):
    """The verified invariant boxes and the enclosure of ``x_oo`` (module docstring), or ``None``."""
    f0 = _rat(n0 * T - B, n0 * T - 1)
    invB = _rat(1, B)
    c = (_lo(f0[0] / B), invB[1]) if not family else (_lo((f0[0] - 1.0) / B), 0.0)
    rho0 = _rat(2 * (B - 1), B * (n0 * T - 1))
    nd = _inv((_lo(1.0 - c[1]), _hi(_hi(1.0 + 1.0 / n0) - c[0])))
    two_T = _rat(2, T)
    inv_e = 0.36787944117144239  # above 1/e
    E, X = e0, x0
    for _ in range(60):
        if family:
            wb = _sub(z, _add(X, E))
            wb = (max(wb[0], 0.0), wb[1])
        else:
            wb = _hull(tau2, w0)
        reach = _add(u0, _mul(_pt(inv_e), (0.0, wb[1])))  # u_{n0-1} + sup Wb / e
        rho_u = (0.0, _mul(rho0, reach)[1])
        beta = _add(_mul(_sub(z, X) if family else wb, invB), rho_u)
        u_den = (0.0, _mul(_mul(reach, _rat(1, n0)), _inv((_lo(1.0 - c[1]), 1.0)))[1])
        t = _sub(_mul(beta, nd), _mul(two_T, u_den))
        gamma = _add(beta, _mul(c, E))
        up = _add((max(gamma[1], 0.0),) * 2, _mul(two_T, _add(u0, (wb[1], wb[1]))))
        drift = _mul((min(gamma[0], 0.0), up[1]), _rat(1, n0))
        E_new, X_new = _hull(e0, t), _add(x0, drift)
        if _inside(E_new, E) and _inside(X_new, X):
            M = n0 + 1
            S = (_lo(_lo(1.0 / M) + _lo(0.5 / (M * M))), _hi(1.0 / _lo(M - 0.5)))
            R = (_lo(1.0 / (n0 + 1)), _hi(1.0 / (n0 + 0.5)))
            x_oo = _add(_add(x0, _mul(gamma, S)), _mul(two_T, _add(_mul(u0, S), _mul(wb, R))))
            return {"x_oo": x_oo, "X": X, "gamma": gamma}
        widen = [1e-3 * (hi - lo) + 1e-15 * max(abs(lo), abs(hi), 1e-300) for lo, hi in (E_new, X_new)]
        E = _lo(min(E[0], E_new[0]) - widen[0]), _hi(max(E[1], E_new[1]) + widen[0])
        X = _lo(min(X[0], X_new[0]) - widen[1]), _hi(max(X[1], X_new[1]) + widen[1])
    return None


def _tau2(temperature: float):
    t2 = temperature * temperature
    return (0.0, 0.0) if t2 == 0 else (_lo(t2), _hi(t2))


def certify(T: int, B: int, temperature: float, refit: str | None = None) -> Certificate | None:
    """Intervals proven to hold ``lim Q_n`` (and ``lim s_n`` for the family) of the exact recursion, by the
    invariant boxes of the module docstring; ``None`` where nothing is proven (see there)."""
    family = refit is not None
    if B == 1 and refit != "unbiased":
        if family or temperature == 0:  # Q_n = 1 for every n; the ML scatter of one point is 0
            return Certificate(1, (1.0, 1.0), (0.0, 0.0) if family else None, (1.0, 1.0), (0.0, 0.0) if family else None)
        return Certificate(1, (_INF, _INF), None, (0.0, _INF), None)
    if family and (refit != "ml" or temperature != 1.0):
        return None
    t2 = temperature * temperature
    if temperature != 0 and not 1e-100 < t2 < 1e100:  # tau^2 must be a normal float (no underflow to 0)
        return None
    tau2 = _tau2(temperature)
    n0 = max(MIN_N0, 16 * (-(-B // T)) + 1)
    if n0 > MAX_N0:  # the pool outgrows the budget too late for the pre-run's cost
        return None
    state = _State(T, B, tau2, refit)
    while True:
        state.advance(n0 - 1)
        x0, e0, u0, w0, z = state.scaled()
        boxes = _boxes(n0, T, B, tau2, family, x0, e0, u0, w0, z)
        if boxes is None:
            return None
        x_oo = boxes["x_oo"]
        Q_box = _add(boxes["X"], boxes["gamma"])
        if family:
            Q = _mul(_add(_mul(x_oo, _pt(float(B - 1))), z), _rat(1, B))
            s, s_box = _sub(z, Q), _sub(z, Q_box)
            s = (max(s[0], 0.0), s[1])
        else:
            Q, s, s_box = _add(x_oo, _mul(tau2, _rat(1, B - 1))), None, None
        widths = [(iv[1] - iv[0]) / max(abs(iv[0]), abs(iv[1])) for iv in ((Q, s) if family else (Q,))
                  if iv[1] > 0]
        if max(widths, default=0.0) <= RELATIVE_TARGET or 2 * n0 > MAX_N0:
            return Certificate(n0, Q, s, Q_box, s_box)
        n0 *= 2


def _scaled(interval, factor: float):
    """``(value, bound)`` of ``factor * interval`` (``factor > 0``); ``(inf, 0)`` for a divergent limit."""
    if interval[0] == _INF:
        return _INF, 0.0
    return Certificate.center(_mul(interval, (_lo(factor), _hi(factor)) if factor != 1 else (1.0, 1.0)))


def limit_factor_bounds(regime, *, T: int, scale: float = 1.0) -> tuple:
    """``(value, bound, proven)`` for ``scale * lim T Q_n`` of the Gaussian-mean model (``F_oo`` at ``scale = 1``).

    Proven (:func:`certify`) for every ``T >= 1``, ``B >= 1``, ``tau >= 0`` with a normal ``tau^2``; otherwise the
    extrapolated estimate of :func:`collapse_theory.subsample.limit_factor_estimate`, unproven and refused
    beyond 1e-4 relative (:func:`collapse_theory.subsample.resolved`).
    """
    B = subsample._budget(regime)
    certificate = certify(T, B, regime.temperature)
    if certificate is not None:
        return (*_scaled(certificate.Q, scale * T), True)
    factor, error = subsample.limit_factor_estimate(regime, T=T)
    return subsample.resolved(scale * factor, scale * error, regime, T=T)


def gaussian_family_limit_bounds(regime, *, d: int, T: int, unbiased: bool = False) -> dict:
    """``{metric: (value, bound, proven)}`` for the Gaussian family's ``mean_error = d Q`` and
    ``cov_trace_ratio = s``: proven (:func:`certify`) for the ML fit at ``tau = 1`` (and ``B = 1``), the
    extrapolated estimate otherwise (unproven, refused beyond 1e-4 relative)."""
    B = subsample._budget(regime)
    certificate = certify(T, B, regime.temperature, "unbiased" if unbiased else "ml")
    if certificate is not None:
        return {"mean_error": (*_scaled(certificate.Q, d), True),
                "cov_trace_ratio": (*_scaled(certificate.s, 1.0), True)}
    return {metric: subsample.resolved(value, error, regime, T=T) for metric, (value, error)
            in subsample.gaussian_family_limit_estimate(regime, d=d, T=T, unbiased=unbiased).items()}
