"""Test configuration: float64 JAX, strict rank promotion, and a deterministic hypothesis profile."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
# Derivations run for real in tests: a fresh on-disk cache per test session, never the user's.
import tempfile  # noqa: E402

os.environ["COLLAPSE_THEORY_CACHE"] = tempfile.mkdtemp(prefix="collapse-theory-cache-")

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
