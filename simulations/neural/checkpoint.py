"""The run directory: every file written atomically and checksummed, so a run killed or damaged resumes cleanly.

Layout of ``<run_dir>``::

    config.json                 the full configuration (kind, regime, sizes, seed); fixed for the run's life
    manifest.json               {"format": 1, "files": {relative path: sha256 of its bytes}}
    iteration-<g>/state.eqx     model parameters, optimiser state and step count, rewritten every
                                ``checkpoint_every`` steps while iteration ``g`` trains (the final one stays)
    iteration-<g>/samples.npy   the synthetic generation sampled from model ``g`` (input of iteration g + 1)
    iteration-<g>/preview.npy   a few samples for the figures (a digit grid, a 2-D scatter, token rows)
    iteration-<g>/metrics.json  the held-out metrics; written last, so its presence marks ``g`` complete
    result.json                 the CLI's JSON object, written when the last iteration completes

``<g>`` is the generation number 1, 2, ... (generation 1 trains on the real data).  Every write goes to a
temporary file in the same folder, is flushed to disk, then renamed over the target (``os.replace`` is atomic
on POSIX), so a reader sees the old file or the new one, never a torn one; then the manifest, rewritten the
same way, records the file's SHA-256.

Every read checks that digest.  A file that is missing, truncated, edited, not recorded (a kill between the
file and its manifest entry) or does not parse is discarded: the read returns None, with one line on stderr,
and the loop recomputes that step (a fresh start for a state, the iteration for its samples or metrics, the
summary for result.json).  An iteration counts as complete only if its metrics, samples and preview are all
intact, so damaged samples make the loop redo that iteration, from its final state when that is intact, with
the same keys: the same numbers.  Reads never write; the next write replaces the damaged file.  A
``config.json`` from before manifests existed is accepted if it parses, so such a directory still resumes or is
refused as another run.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from pathlib import Path

import numpy as np

from collapse_theory._atomic import atomic_write_bytes
from collapse_theory.errors import InvalidParameterError

__all__ = ["RunDir", "atomic_write_bytes", "MANIFEST"]

MANIFEST = "manifest.json"
_OWN = re.compile(r"result\.json|iteration-[0-9]+/(state\.eqx|samples\.npy|preview\.npy|metrics\.json)")


class RunDir:
    """Reads and writes one run directory.  Creating it writes nothing; :meth:`claim` does."""

    def __init__(self, path):
        self.path = Path(path)
        self._reported = set()

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
            if self.path.is_dir() and any(self.path.iterdir()) and not (self.path / MANIFEST).exists():
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
            # A new run, or ours with a damaged config.json: then no other file can be known to belong to it,
            # and the files the manifest listed go (only names of this layout: never a user's file).
            for name in self._manifest():
                if _OWN.fullmatch(name):
                    (self.path / name).unlink(missing_ok=True)
            record = {"format": 1, "files": {}}
            atomic_write_bytes(self.path / MANIFEST, (json.dumps(record) + "\n").encode())
            self.write_json("config.json", config)
        elif not (self.path / MANIFEST).exists():  # from before manifests: record its config from now on
            self.write_json("config.json", config)

    def config(self):
        return self.read_json("config.json", legacy=True)

    # -- checksums -------------------------------------------------------------------------------------------

    def _manifest(self) -> dict:
        """``{relative path: sha256}``; an unreadable manifest verifies nothing (every file is recomputed)."""
        try:
            record = json.loads((self.path / MANIFEST).read_bytes())
            files = record["files"] if isinstance(record, dict) and record.get("format") == 1 else None
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError):
            files = None
        if not isinstance(files, dict):
            self._discard(MANIFEST, "unreadable; every file will be checked as unrecorded")
            return {}
        return files

    def _write(self, name: str, data: bytes) -> None:
        atomic_write_bytes(self.path / name, data)
        files = self._manifest()
        files[name] = hashlib.sha256(data).hexdigest()
        record = {"format": 1, "files": dict(sorted(files.items()))}
        atomic_write_bytes(self.path / MANIFEST, (json.dumps(record, indent=1) + "\n").encode())

    def _read(self, name: str, *, legacy: bool = False):
        """The verified bytes of ``name``, or None (missing or discarded).  ``legacy``: accept an unrecorded
        file when there is no manifest at all (a run directory from before manifests)."""
        path = self.path / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            files = self._manifest() if (self.path / MANIFEST).exists() else {}
            if name in files:
                self._discard(name, "missing")
            return None
        except OSError as e:
            self._discard(name, f"unreadable: {e.strerror}")
            return None
        files = self._manifest()
        digest = files.get(name)
        if digest is None:
            if legacy and not (self.path / MANIFEST).exists():
                return data
            self._discard(name, "not in the manifest")
            return None
        if hashlib.sha256(data).hexdigest() != digest:
            self._discard(name, "checksum mismatch")
            return None
        return data

    def _discard(self, name: str, why: str) -> None:
        if (name, why) in self._reported:
            return
        self._reported.add((name, why))
        what = "the run's files and recomputing the run" if name == "config.json" else "it and recomputing that step"
        print(f"neural: {self.path / name} is damaged ({why}); discarding {what}", file=sys.stderr, flush=True)

    # -- files -----------------------------------------------------------------------------------------------

    def iteration(self, g: int) -> Path:
        return self.path / f"iteration-{g:02d}"

    def write_json(self, name, obj) -> None:
        self._write(name, (json.dumps(_jsonable(obj), indent=1) + "\n").encode())

    def read_json(self, name, *, legacy: bool = False):
        """The stored JSON object (a dict) of ``name``, or None if it is missing or damaged."""
        data = self._read(name, legacy=legacy)
        if data is None:
            return None
        try:
            obj = json.loads(data)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            self._discard(name, "not a JSON object")
            return None
        return obj

    def write_array(self, name, array) -> None:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray(array), allow_pickle=False)
        self._write(name, buffer.getvalue())

    def read_array(self, name):
        data = self._read(name)
        if data is None:
            return None
        try:
            return np.load(io.BytesIO(data), allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            self._discard(name, f"unreadable array: {type(e).__name__}")
            return None

    def write_state(self, g: int, state) -> None:
        """Serialise a pytree (model, optimiser state, step) with equinox, atomically."""
        import equinox as eqx

        buffer = io.BytesIO()
        eqx.tree_serialise_leaves(buffer, state)
        self._write(self._state_name(g), buffer.getvalue())

    def read_state(self, g: int, like):
        """The stored pytree of iteration ``g`` in the structure of ``like``, or None if none is intact."""
        import equinox as eqx

        name = self._state_name(g)
        data = self._read(name)
        if data is None:
            return None
        try:
            return eqx.tree_deserialise_leaves(io.BytesIO(data), like)
        except Exception as e:  # noqa: BLE001 - any failure to rebuild the pytree means: start the iteration afresh
            self._discard(name, f"does not match the model: {type(e).__name__}")
            return None

    @staticmethod
    def _state_name(g: int) -> str:
        return f"iteration-{g:02d}/state.eqx"

    def metrics(self, g: int):
        """Iteration ``g``'s metrics if the iteration is complete and intact (metrics, samples and preview)."""
        metrics = self.read_json(f"iteration-{g:02d}/metrics.json")
        if metrics is None:
            return None
        for name in ("samples.npy", "preview.npy"):
            if self.read_array(f"iteration-{g:02d}/{name}") is None:
                return None
        return metrics


def _jsonable(obj):
    """Round-trip through JSON so stored and fresh configurations compare equal (tuples become lists)."""
    return json.loads(json.dumps(obj))
