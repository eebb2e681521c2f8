"""Worker processes fed one JSON request per line: the hand-out loop behind the neural pool and the sweep's workers.

:func:`serve` starts ``jobs`` copies of a worker command and gives the items, in the order given (callers put
the costliest first, so the workers finish together), one at a time to whichever worker is free.  A worker
reads one JSON request per line on stdin and answers one JSON line on stdout holding ``"ok"`` (and
``"error"`` when not ok).  The first failure stops the hand-out; the items already running finish, then the
workers are closed (their stdin closed, killed after 30 s) and ``RuntimeError`` names every failure.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading

__all__ = ["serve", "environment"]


def environment() -> dict:
    """This process's environment for a worker, with JAX's on-disk compilation cache beside the derivation cache
    (as the command line keeps it), so that workers load what another process compiled."""
    from collapse_theory._cache import cache_dir

    env = dict(os.environ)
    directory = cache_dir()
    if directory is not None:
        env.setdefault("JAX_COMPILATION_CACHE_DIR", str(directory / "xla"))
        env.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    return env


def serve(command, items, *, jobs: int, env: dict, request, name, on_answer, what: str) -> None:
    """Run ``items`` through ``jobs`` worker processes of ``command`` (an argv list).

    Args:
        request: ``request(item) -> dict``, sent as the item's JSON line.
        name: ``name(item) -> str``, naming the item in failures.
        on_answer: ``on_answer(item, answer, unfinished)`` for each item answered ok, one call at a time, from
            the threads that serve the workers; ``unfinished`` lists the items handed out or waiting.
        what: the failures' prefix, ``"<what> failed: ..."``.
    """
    pending = queue.Queue()
    for item in items:
        pending.put(item)
    lock, failures, running = threading.Lock(), [], {}

    def unfinished() -> list:
        return list(pending.queue) + list(running.values())

    def feed(worker):
        while not failures:
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            with lock:
                running[id(worker)] = item
            worker.stdin.write(json.dumps(request(item)) + "\n")
            worker.stdin.flush()
            line = worker.stdout.readline()
            with lock:
                running.pop(id(worker), None)
                answer = json.loads(line) if line else {"ok": False, "error": f"worker exited ({worker.poll()})"}
                if not answer["ok"]:
                    failures.append(f"{name(item)}: {answer['error']}")
                    return
                on_answer(item, answer, unfinished())

    workers = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
               for _ in range(jobs)]
    threads = [threading.Thread(target=feed, args=(w,), daemon=True) for w in workers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for worker in workers:
            worker.stdin.close()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            worker.stdout.close()
    if failures:
        raise RuntimeError(f"{what} failed: " + "; ".join(failures))
