"""The run directory: every file written atomically, so a run killed at any moment resumes cleanly.

Layout of ``<run_dir>``::

    config.json                 the full configuration (kind, regime, sizes, seed); fixed for the run's life
    iteration-<g>/state.eqx     model parameters, optimiser state and step count, rewritten every
                                ``checkpoint_every`` steps while iteration ``g`` trains (the final one stays)
    iteration-<g>/samples.npy   the synthetic generation sampled from model ``g`` (input of iteration g + 1)
    iteration-<g>/preview.npy   a few samples for the figures (a digit grid, a 2-D scatter, token rows)
    iteration-<g>/metrics.json  the held-out metrics; written last, so its presence marks ``g`` complete
    result.json                 the CLI's JSON object, written when the last iteration completes

``<g>`` is the generation number 1, 2, ... (generation 1 trains on the real data).  Every write goes to a
temporary file in the same folder, is flushed to disk, then renamed over the target (``os.replace`` is atomic
on POSIX), so a reader sees the old file or the new one, never a torn one.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from collapse_theory._atomic import atomic_write_bytes
from collapse_theory.errors import InvalidParameterError

__all__ = ["RunDir", "atomic_write_bytes"]


class RunDir:
    """Reads and writes one run directory.  Creating it writes nothing; :meth:`claim` does."""

    def __init__(self, path):
        self.path = Path(path)

    # -- configuration --------------------------------------------------------------------------------------

    def check(self, config: dict) -> None:
        """Refuse a directory that holds something else, before anything is written.

        A directory with a different ``config.json`` is another run; one with files but no ``config.json`` is
        not a run directory at all.  Either way the user's files stay untouched.
        """
        if self.path.exists() and not self.path.is_dir():
            raise InvalidParameterError(f"run directory {self.path} exists and is not a directory")
        stored = self.config()
        if stored is None:
            if self.path.is_dir() and any(self.path.iterdir()):
                raise InvalidParameterError(
                    f"run directory {self.path} is not empty and holds no config.json; choose a new or empty one")
            return
        if stored != _jsonable(config):
            changed = sorted(k for k in set(stored) | set(config) if stored.get(k) != _jsonable(config).get(k))
            raise InvalidParameterError(
                f"run directory {self.path} holds a run with different settings ({', '.join(changed)}); "
                "use another --run-dir or the same settings")

    def claim(self, config: dict) -> None:
        self.check(config)
        if self.config() is None:
            self.write_json("config.json", config)

    def config(self):
        return self.read_json("config.json")

    # -- files -----------------------------------------------------------------------------------------------

    def iteration(self, g: int) -> Path:
        return self.path / f"iteration-{g:02d}"

    def write_json(self, name, obj) -> None:
        atomic_write_bytes(self.path / name, (json.dumps(_jsonable(obj), indent=1) + "\n").encode())

    def read_json(self, name):
        path = self.path / name
        if not path.is_file():
            return None
        with open(path) as f:
            return json.load(f)

    def write_array(self, name, array) -> None:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        atomic_write_bytes(self.path / name, buffer.getvalue())

    def read_array(self, name):
        path = self.path / name
        return np.load(path, allow_pickle=False) if path.is_file() else None

    def write_state(self, g: int, state) -> None:
        """Serialise a pytree (model, optimiser state, step) with equinox, atomically."""
        import equinox as eqx

        buffer = io.BytesIO()
        eqx.tree_serialise_leaves(buffer, state)
        atomic_write_bytes(self.iteration(g) / "state.eqx", buffer.getvalue())

    def read_state(self, g: int, like):
        """The stored pytree of iteration ``g`` in the structure of ``like``, or None if there is none."""
        import equinox as eqx

        path = self.iteration(g) / "state.eqx"
        if not path.is_file():
            return None
        with open(path, "rb") as f:
            return eqx.tree_deserialise_leaves(f, like)

    def metrics(self, g: int):
        return self.read_json(f"iteration-{g:02d}/metrics.json")


def _jsonable(obj):
    """Round-trip through JSON so stored and fresh configurations compare equal (tuples become lists)."""
    return json.loads(json.dumps(obj))
