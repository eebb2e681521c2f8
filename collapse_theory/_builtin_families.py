"""The built-in model families: linear regression (the paper's §3), the Gaussian and the KDE (related work).

Each is one :func:`collapse_theory.families.register` call; the mathematics is in the named theory module.
"""

from __future__ import annotations

from .families import Family, Metric, Parameter, register

_d = Parameter("d", "int", 10, "dimension (default 10)")
_T = Parameter("T", "int", 100, "samples per iteration (default 100)")

register(Family(
    "linear", "collapse_theory.linear_regression",
    "ordinary least squares refit on labels made by the previous fit, the design X reused (paper §3)",
    metrics=(Metric("test_error", "E||w_n - w*||^2_Sigma = sigma^2 d/(T-d-1) F_n, the excess test error"),),
    parameters=(_d, _T, Parameter("sigma2", "positive", 1.0, "noise variance sigma^2 (default 1)")),
    fixed_design="exact", pooled="bound",
    theory_overrides={"accumulate-subsample": "collapse_theory.subsample_linear"},
    doc="Exact for every fixed-design regime (the coefficient recursion, closed by sympy); accumulate-subsample "
        "has a proven lower bound beside an approximation.",
))

register(Family(
    "gaussian", "collapse_theory.gaussian",
    "a Gaussian refit by maximum likelihood to samples of the previous fit",
    metrics=(Metric("mean_error", "E||mu_n - mu_0||^2 for Sigma_0 = I"),
             Metric("cov_trace_ratio", "E tr Sigma_n / tr Sigma_0"),
             Metric("kl", "E KL(N(mu_0, Sigma_0) || N(mu_n, Sigma_n))")),
    parameters=(_d, _T, Parameter("unbiased", "flag", False,
                                  "covariance with the unbiased divisor (default maximum likelihood)")),
    standing={"replace": "exact", "replace-multiple": "exact", "accumulate": "exact",
              "accumulate-subsample": "recursion"},
    fixed_design="recursion", pooled="simulation",
    doc="Closed forms for replace, replace-multiple and accumulate; the exact second-moment recursion otherwise "
        "(accumulate-subsample: the subset recursion of collapse_theory.subsample, KL simulated).",
))

register(Family(
    "kde", "collapse_theory.kde",
    "a Gaussian kernel density estimate of fixed bandwidth refit to its own samples",
    metrics=(Metric("variance_ratio", "E tr Cov(fit_n) / tr Sigma_0"),
             Metric("nll", "held-out negative log-likelihood of the real data (Monte Carlo only)")),
    parameters=(_T, Parameter("bandwidth", "positive", 0.3, "kernel bandwidth h (default 0.3)"),
                Parameter("dataset", "text", "gaussian-1d",
                          "data set: gaussian-1d, gaussian-2d, moons, circles, swiss-roll, blobs (default gaussian-1d)"),
                Parameter("bandwidth_rule", "choice", None, "re-estimate h every iteration (default: fixed h)",
                          choices=("scott", "silverman"))),
    standing={"replace": "exact", "accumulate": "recursion"},
    fixed_design="recursion", pooled="none",
    doc="The variance obeys an exact second-moment recursion (closed form under replace); the NLL is simulated.",
))

register(Family(
    "discrete", "collapse_theory.discrete",
    "a K-sided die refit by maximum likelihood: the neutral Wright-Fisher chain under replace (Kazdan et al. 2024)",
    metrics=(Metric("collision", "E sum_i p_i^2, the collision probability of the fit"),
             Metric("lost_categories", "E number of categories with zero mass", integer=True),
             Metric("total_collapse", "P(one category holds all the mass) by iteration n", integer=True),
             Metric("entropy", "E entropy of the fit (nats)")),
    parameters=(Parameter("K", "int", 10, "sides of the die (default 10)"), _T),
    standing={"replace": "exact", "accumulate": "exact", "accumulate-subsample": "recursion"},
    fixed_design="none", pooled="none",
    doc="Collision probability in closed form (replace, accumulate) or exact recursion (accumulate-subsample); "
        "lost categories, total collapse and entropy from the exact one-category chain.",
))

register(Family(
    "gaussian-mean", "collapse_theory.gaussian_mean",
    "a Gaussian with known covariance whose mean is refit to the previous fit's samples",
    metrics=(Metric("mean_error", "E||mu_n - mu||^2 = sigma^2 d F_n / T"),),
    parameters=(_d, _T, Parameter("sigma2", "positive", 1.0, "noise variance sigma^2 (default 1)")),
    fixed_design="exact", pooled="recursion",
    doc="The fixed-pool regimes share linear regression's error factor F_n with kappa = 1/T; accumulate-subsample "
        "is the exact recursion of collapse_theory.subsample, in closed form as T -> oo with B = T.",
))
