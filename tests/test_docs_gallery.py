"""The gallery lists every figure of the registry, with its image once ``make figures`` has written it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "docs" / "_ext"), str(ROOT)]

from ctdocs import gallery  # noqa: E402

from figures import FIGURES  # noqa: E402


@pytest.fixture
def folders(tmp_path, monkeypatch):
    out, images = tmp_path / "out", tmp_path / "images"
    out.mkdir()
    monkeypatch.setattr(gallery, "OUT", out)
    monkeypatch.setattr(gallery, "IMAGES", images)
    return out, images


def test_the_gallery_lists_the_registry_in_order():
    assert [name for name, _, _ in gallery.figure_modules()] == list(FIGURES)


def test_every_built_figure_gets_its_image(folders):
    out, images = folders
    for name in FIGURES:
        (out / gallery.image_name(name)).write_bytes(b"\x89PNG " + name.encode())
    page = gallery.pages()["gallery.md"]
    for name in FIGURES:
        assert f"{{image}} {images.name}/{gallery.image_name(name)}\n" in page, name
        assert (images / gallery.image_name(name)).read_bytes() == b"\x89PNG " + name.encode()
    assert "not built yet" not in page.lower()


def test_an_empty_output_folder_says_not_built_yet(folders):
    out, images = folders
    (images).mkdir()
    (images / "linear.png").write_bytes(b"old")  # left from an earlier build whose figure is now gone
    page = gallery.pages()["gallery.md"]
    assert "{image}" not in page
    assert page.count("*Not built yet:*") == len(FIGURES)
    assert not (images / "linear.png").exists()


def _string_constants(module: str) -> set:
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    return {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


@pytest.mark.parametrize("name", list(FIGURES))
def test_the_gallery_expects_the_file_the_figure_writes(name):
    """Each figure saves ``plotting.save(fig, stem)`` under the stem the gallery looks for.

    The neural figures pass their kind to :func:`figures.neural.draw`, which saves ``neural_<kind>``.
    """
    stem = gallery.image_name(name)[: -len(".png")]
    constants = _string_constants(FIGURES[name])
    if stem.startswith("neural_"):
        assert "neural_{kind}" in Path(ROOT / "figures" / "neural.py").read_text(encoding="utf-8")
        assert stem[len("neural_"):] in constants
    else:
        assert stem in constants, f"{FIGURES[name]} never names {stem!r}"
