"""The real data sets of the neural loop: fixed train / held-out test splits that install with the package.

- ``digits``: scikit-learn's bundled handwritten digits (1,797 real 8x8 images, grey levels 0..16), scaled to
  [0, 1] and flattened to 64 features; a fixed permutation puts 397 images in the test set.
- 2-D sets (``moons``, ``circles``, ``swiss-roll``, ``blobs``): scikit-learn's generators with fixed
  ``random_state``, standardised with the training set's mean and standard deviation.
- ``text``: any UTF-8 file at character level; the first 90% of the characters train, the last 10% test.

The split never depends on the run's seed: every seed sees the same real data, so the seed-to-seed spread
measures the training and sampling noise of the loop itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from collapse_theory.errors import InvalidParameterError

__all__ = ["Split", "DATASETS", "digits", "two_d", "text_chunks"]

DATASETS = ("digits", "moons", "circles", "swiss-roll", "blobs")
_TEST_DIGITS = 397


@dataclass(frozen=True, eq=False)
class Split:
    """``train``: the real training set ``(N, ...)``; ``test``: held out, never trained on."""

    train: np.ndarray
    test: np.ndarray


def digits(n_train: int | None = None) -> Split:
    """Digits in [0, 1]: ``(n_train, 64)`` train (all 1,400 if None), ``(397, 64)`` test."""
    from sklearn.datasets import load_digits

    images = load_digits().data / 16.0  # (1797, 64)
    order = np.random.default_rng(0).permutation(len(images))
    test, train = images[order[:_TEST_DIGITS]], images[order[_TEST_DIGITS:]]
    if n_train is not None:
        if not 1 <= n_train <= len(train):
            raise InvalidParameterError(f"n_train must be in [1, {len(train)}] for digits, got {n_train}")
        train = train[:n_train]
    return Split(train, test)


def two_d(name: str, n_train: int, n_test: int = 1000) -> Split:
    """A standardised 2-D set: ``(n_train, 2)`` train and ``(n_test, 2)`` test, drawn independently."""
    from sklearn import datasets

    makers = {
        "moons": lambda n, s: datasets.make_moons(n, noise=0.05, random_state=s)[0],
        "circles": lambda n, s: datasets.make_circles(n, noise=0.05, factor=0.5, random_state=s)[0],
        "swiss-roll": lambda n, s: datasets.make_swiss_roll(n, noise=0.3, random_state=s)[0][:, [0, 2]],
        "blobs": lambda n, s: datasets.make_blobs(n, centers=4, cluster_std=0.6, random_state=s)[0],
    }
    if name not in makers:
        raise InvalidParameterError(f"dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    train, test = makers[name](n_train, 0), makers[name](n_test, 1)
    mean, std = train.mean(axis=0), train.std(axis=0)
    return Split((train - mean) / std, (test - mean) / std)


def text_chunks(path, length: int, n_train: int | None = None) -> tuple[Split, str]:
    """Non-overlapping character chunks ``(N, length)`` of a text file, and the alphabet (sorted characters).

    Token ``i`` is ``alphabet[i]``.  Raises InvalidParameterError for a missing, unreadable, non-UTF-8 or
    empty file, or one too short to give a training and a test chunk.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise InvalidParameterError(f"cannot read text file {str(path)!r} as UTF-8 ({reason})") from None
    if not text:
        raise InvalidParameterError(f"text file {str(path)!r} is empty; give a file with some text")
    split = int(len(text) * 0.9)
    train_text, test_text = text[:split], text[split:]
    if len(test_text) < length:
        raise InvalidParameterError(
            f"text file {str(path)!r} is too short: needs at least {10 * length} characters "
            f"(a {length}-character test chunk in its last 10%), has {len(text)}")
    alphabet = "".join(sorted(set(text)))
    index = {ch: i for i, ch in enumerate(alphabet)}

    def chunks(s):
        tokens = np.fromiter((index[ch] for ch in s), dtype=np.int32, count=len(s))
        m = len(tokens) // length
        return tokens[:m * length].reshape(m, length)

    train = chunks(train_text)
    if n_train is not None:
        train = train[:n_train]
    return Split(train, chunks(test_text)), alphabet
