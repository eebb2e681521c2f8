"""Test configuration: float64 JAX, strict rank promotion, a deterministic hypothesis profile, and the one Monte
Carlo agreement check (:func:`assert_agrees`: the tolerance always comes from the standard error)."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
# Derivations run for real in tests: a fresh on-disk cache per test session, never the user's.  The session's
# processes share it (pytest-xdist's workers and every subprocess inherit the variable from the first process),
# with JAX's compilation cache beside it as the command line keeps it: a program compiled once in a session is
# loaded, not compiled again, by the other worker and by the subprocesses.
import tempfile  # noqa: E402

if "COLLAPSE_THEORY_TEST_CACHE" not in os.environ:
    os.environ["COLLAPSE_THEORY_TEST_CACHE"] = tempfile.mkdtemp(prefix="collapse-theory-cache-")
os.environ["COLLAPSE_THEORY_CACHE"] = os.environ["COLLAPSE_THEORY_TEST_CACHE"]
os.environ["JAX_COMPILATION_CACHE_DIR"] = os.path.join(os.environ["COLLAPSE_THEORY_CACHE"], "xla")
os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"  # JAX's default, 1 s, would skip most programs
# The suite compiles a few hundred small programs that then run for milliseconds: LLVM's optimisation passes are
# most of its time (the whole suite: 1155 s of test time at XLA's defaults, 857 s without them, on 2 cores).
# Code generation only: the same operations in the same order, so every comparison within the session (bit
# equality across engines, chunkings, processes) means what it means at the defaults.  A user's XLA_FLAGS win.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true")

import jax  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")

settings.register_profile(
    "deterministic",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("deterministic")

import numpy as np  # noqa: E402

from simulations.testing import z_scores  # noqa: E402

#: The one Monte Carlo tolerance: agreement within this many standard errors at every iteration.
SIGMAS = 4.0


def assert_agrees(mean, se, theory, *, what: str = "", sigmas: float = SIGMAS) -> float:
    """Assert ``|mean - theory| <= sigmas * se`` everywhere; return the largest ``|z|``."""
    mean, se, theory = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (mean, se, theory)))
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(theory))):
        raise AssertionError(f"{what}: non-finite values (mean {mean}, theory {theory})")
    z = z_scores(mean, se, theory)
    worst = float(np.max(np.abs(z))) if z.size else 0.0
    if worst > sigmas:
        bad = np.argsort(-np.abs(z).ravel())[:5]
        rows = "; ".join(f"[{i}] expected {theory.ravel()[i]:.6g}, actual {mean.ravel()[i]:.6g}, "
                         f"SE {se.ravel()[i]:.3g}, z {z.ravel()[i]:+.2f}" for i in bad if abs(z.ravel()[i]) > sigmas)
        raise AssertionError(f"{what}: Monte Carlo disagrees with theory beyond {sigmas} SE: {rows}")
    return worst


def assert_above(mean, se, bound, *, what: str = "", sigmas: float = SIGMAS) -> None:
    """Assert ``mean >= bound - sigmas * se`` everywhere (a one-sided check against a proven lower bound)."""
    mean, se, bound = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (mean, se, bound)))
    bad = np.flatnonzero(mean < bound - sigmas * se)
    if bad.size:
        i = bad[0]
        raise AssertionError(f"{what}: Monte Carlo below the bound beyond {sigmas} SE at [{i}]: bound "
                             f"{bound.ravel()[i]:.6g}, actual {mean.ravel()[i]:.6g}, SE {se.ravel()[i]:.3g}")



def assert_figures_written(written, out, rcparams_before: dict) -> None:
    """A figure's ``main`` wrote PNG and PDF pairs into ``out`` (real files, no temporary left) and left
    matplotlib's global rcParams as it found them."""
    import matplotlib

    suffixes = sorted(p.suffix for p in written)
    assert suffixes.count(".png") >= 1 and suffixes.count(".png") == suffixes.count(".pdf"), suffixes
    for path in written:
        assert path.parent == out
        head = path.read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if path.suffix == ".png" else head.startswith(b"%PDF")
    assert not list(out.glob(".tmp-*"))
    assert dict(matplotlib.rcParams) == rcparams_before, "a figure changed global rcParams"
