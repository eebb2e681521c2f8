"""The shared Monte Carlo agreement check fails exactly beyond 4 SE and says why."""

import numpy as np
import pytest

from conftest import assert_agrees
from simulations.testing import z_scores


def test_passes_within_and_fails_beyond_four_standard_errors():
    theory = np.array([1.0, 2.0, 3.0])
    se = np.array([0.1, 0.1, 0.1])
    assert assert_agrees(theory + 0.39 * np.array([1, -1, 1]), se, theory) == pytest.approx(3.9)
    with pytest.raises(AssertionError, match=r"expected 2, actual 2.41, SE 0.1, z \+4.10"):
        assert_agrees(theory + np.array([0.0, 0.41, 0.0]), se, theory, what="demo")


def test_non_finite_values_and_zero_se():
    with pytest.raises(AssertionError, match="non-finite"):
        assert_agrees([np.nan], [1.0], [0.0])
    np.testing.assert_array_equal(z_scores([1.0, 2.0], [0.0, 0.0], [1.0, 1.0]), [0.0, np.inf])
