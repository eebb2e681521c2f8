"""The discrete figure builds from the real theory and simulator, and a second build reads the cache."""

import matplotlib
import pytest

from conftest import assert_figures_written
from figures import discrete


@pytest.mark.slow
def test_discrete_figure_builds_and_reuses_its_cache(tmp_path):
    before = dict(matplotlib.rcParams)
    written = discrete.main(fast=True, out=tmp_path / "out", data=tmp_path / "data")
    assert_figures_written(written, tmp_path / "out", before)
    assert sorted(p.name for p in written) == ["discrete.pdf", "discrete.png"]
    assert all(p.stat().st_size > 1000 for p in written)
    cached = sorted((tmp_path / "data").rglob("*"))
    again = discrete.main(fast=True, out=tmp_path / "out2", data=tmp_path / "data")
    assert [p.name for p in again] == [p.name for p in written]
    assert sorted((tmp_path / "data").rglob("*")) == cached  # nothing recomputed
