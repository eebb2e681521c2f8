"""The one generic loop: fit a fresh model, evaluate it on held-out real data, sample the next generation.

Generation ``g = 1, 2, ...`` is the data created at iteration ``g``: generation 1 is the real training set,
generation ``g >= 2`` is sampled from model ``g - 1`` at the regime's temperature, ``multiplicity`` times the
size of the real set (``g`` times under replace-multiple).  Iteration ``g`` trains a freshly initialised model
on a minibatch stream in which each generation ``j`` carries the regime's weight ``alpha_{g j}``
(:meth:`collapse_theory.regimes.Regime.iter_weights`) spread evenly over its examples: replace trains on the
newest generation only, accumulate on all of them (real data always kept), mix on ``lambda`` real and
``1 - lambda`` newest synthetic, accumulate-subsample on a uniform subset of ``budget`` examples of the pool.
The same :class:`~collapse_theory.regimes.Regime` value drives the closed forms and the Monte Carlo.

Randomness: ``key_g = fold_in(key_from_seed(seed), g)``; ``fold_in(key_g, 0)`` initialises, ``fold_in(key_g, 1)``
samples, ``fold_in(key_g, 2)`` drives the minibatches (step ``s`` uses ``fold_in(., s)``), ``fold_in(key_g, 3)``
draws the subsample.  So generation ``g``'s noise depends only on ``(seed, g)``, and a run resumed from a
checkpoint replays exactly the steps an uninterrupted run takes: same seed, same numbers.

Compute (``compute=``): under ``"steps"`` every iteration takes ``Training.steps`` optimisation steps whatever
the size of its pool, so regimes differ in their data, not in their compute; under ``"epochs"`` (the paper's
protocol, §2) iteration ``g`` makes as many passes over its pool as iteration 1 makes over the real data,
``steps_g = steps * |pool_g| / N`` (rounded up to whole checkpoint chunks), so accumulate's compute grows
linearly with the pool and its total quadratically.  Replace's pool never grows, so both protocols give it the
same steps.  Each iteration's step size follows its own cosine decay ``lr_s = lr (1 + cos(pi s / steps_g)) / 2``.

Static shapes: the training pool is pre-allocated at the largest size any iteration needs (at least ``N`` times
the number of iterations, so replace, accumulate and accumulate-subsample share one size), and examples are
drawn by inverting a cumulative weight table, so one compiled training step serves every iteration and regime.
"""

from __future__ import annotations

import functools
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from collapse_theory._provenance import revision
from collapse_theory.errors import InvalidParameterError
from collapse_theory.regimes import Regime
from collapse_theory.schedule import schedule

from ..seeds import key_from_seed
from .checkpoint import RunDir
from .cli import accepted_regimes
from .task import Task

__all__ = ["run", "plan", "Plan", "COMPUTE", "iteration_steps"]

#: The training-compute protocols: fixed steps per iteration, or fixed epochs over the pool (the paper's).
COMPUTE = ("steps", "epochs")


class Plan:
    """Sizes and weights of every generation for ``iterations`` iterations of ``regime`` on ``n_real`` examples.

    ``sizes[g]``: examples in generation ``g``; ``weights[g]``: ``{j: alpha_{g j}}`` over generations with
    positive weight; ``capacity``: the largest training pool any iteration needs.
    """

    def __init__(self, regime: Regime, iterations: int, n_real: int):
        self.regime, self.iterations = regime, iterations
        self.sizes, self.weights = {}, {}
        # one generation past the last iteration: the last model's samples are kept too
        sched = schedule(regime, iterations + 1)
        if len(sched.created) != iterations + 1 or np.any(sched.truth[1:]):
            raise InvalidParameterError(
                f"regime {regime.kind} needs fresh real data at every iteration, which the neural data sets do not "
                "have; use one of " + ", ".join(accepted_regimes()))
        for g, (m, alpha) in enumerate(zip(sched.multiplicity, sched.alpha), start=1):
            if m != int(m) or m < 1:
                raise InvalidParameterError(f"regime {regime.kind} asks for a non-integer multiplicity {m}")
            self.sizes[g] = n_real * int(m)
            if g <= iterations:
                self.weights[g] = {j + 1: float(a) for j, a in enumerate(alpha) if a != 0}
        self.capacity = max(self.pool_size(g) for g in self.weights)

    def pool_size(self, g: int) -> int:
        total = sum(self.sizes[j] for j in self.weights[g])
        return total if self.regime.has_closed_form else min(total, self.regime.budget)


def plan(regime: Regime, iterations: int, n_real: int) -> Plan:
    return Plan(regime, iterations, n_real)


def iteration_steps(p: Plan, g: int, training, compute: str = "steps") -> int:
    """Optimisation steps of iteration ``g``: ``steps``, or ``steps * |pool_g| / N`` in whole chunks (epochs)."""
    if compute == "steps":
        return training.steps
    chunks = -(-training.steps * p.pool_size(g) // (p.sizes[1] * training.checkpoint_every))  # ceiling
    return int(chunks * training.checkpoint_every)


def _pool(p: Plan, g: int, generations: dict, key, like: np.ndarray, capacity: int | None = None):
    """The padded training pool of iteration ``g`` and its cumulative sampling table (padding never drawn)."""
    parts = [np.asarray(generations[j]) for j in p.weights[g]]
    probs = np.concatenate([np.full(len(x), p.weights[g][j] / len(x)) for j, x in zip(p.weights[g], parts)])
    data = np.concatenate(parts).astype(like.dtype)
    if not p.regime.has_closed_form and len(data) > p.regime.budget:
        # numpy draws the subset from the key's bits: a jax.random.choice would compile once per pool size
        rng = np.random.default_rng(np.asarray(jax.random.bits(key, (4,), dtype=jnp.uint32)))
        keep = np.sort(rng.choice(len(data), p.regime.budget, replace=False))
        data, probs = data[keep], np.full(p.regime.budget, 1.0 / p.regime.budget)
    capacity = p.capacity if capacity is None else max(capacity, p.capacity)
    pool = np.zeros((capacity, *like.shape[1:]), dtype=like.dtype)
    pool[:len(data)] = data
    cdf = np.full(capacity, np.inf)
    cdf[:len(data)] = np.cumsum(probs) / probs.sum()
    cdf[len(data) - 1] = np.inf  # u < 1 always lands inside the data, whatever the rounding
    return pool, cdf, len(data)


def _trainer(task: Task, optimizer):
    """A jitted chunk of ``checkpoint_every`` optimisation steps, compiled once per run."""
    batch, chunk = task.training.batch_size, task.training.checkpoint_every

    @eqx.filter_jit
    def train_chunk(model, opt_state, pool, cdf, key, start, total):
        params, static = eqx.partition(model, eqx.is_array)
        lr0 = task.training.learning_rate

        def step(carry, i):
            params, opt_state = carry
            k_batch, k_loss = jax.random.split(jax.random.fold_in(key, start + i))
            u = jax.random.uniform(k_batch, (batch,))
            idx = jnp.searchsorted(cdf, u.astype(cdf.dtype), side="right")  # (B,) draws with weights

            def objective(p):
                return task.loss(eqx.combine(p, static), pool[idx], k_loss)

            loss, grads = jax.value_and_grad(objective)(params)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            # cosine decay over this iteration's own steps (a traced total: one compilation for any length)
            lr = lr0 * 0.5 * (1 + jnp.cos(jnp.pi * jnp.minimum(start + i, total) / total))
            updates = jax.tree_util.tree_map(lambda u: -lr * u, updates)
            return (optax.apply_updates(params, updates), opt_state), loss

        (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), jnp.arange(chunk))
        return eqx.combine(params, static), opt_state, jnp.mean(losses)

    return train_chunk


@functools.lru_cache(maxsize=32)
def _compiled(task: Task):
    """The optimiser and the jitted functions of ``task``, made once per Task object and process."""
    optimizer = optax.scale_by_adam()  # Adam's direction; the step size is applied in the chunk

    def init(key):  # jitted: eager initialisation would compile one small kernel per layer and shape
        model = task.init(key)
        return model, optimizer.init(eqx.filter(model, eqx.is_array))

    return (optimizer, eqx.filter_jit(init), _trainer(task, optimizer), eqx.filter_jit(task.evaluate),
            eqx.filter_jit(task.sample))


def run(task: Task, regime: Regime, *, seed: int, iterations: int, run_dir, progress: bool = False,
        on_checkpoint=None, compute: str = "steps") -> dict:
    """Run (or resume, or read back) ``iterations`` iterations of the loop into ``run_dir``; return result.json.

    Args:
        task: the model kind and its data (``vae.build``, ``diffusion.build``, ``lm.build``).
        regime: a :class:`~collapse_theory.regimes.Regime`; its temperature is the sampling temperature.
        seed: integer seed; all randomness derives from ``key_from_seed(seed)``.
        iterations: number of iterations, >= 1 (labels start at ``task.first_iteration``).
        run_dir: the run directory (created if absent; a directory holding another run is refused).
        progress: show a tqdm bar on stderr.
        on_checkpoint: called as ``on_checkpoint(g, step)`` after every checkpoint is on disk.
        compute: ``"steps"`` (fixed steps per iteration) or ``"epochs"`` (fixed passes over the pool).
    """
    from collapse_theory import __version__, _validate

    iterations = _validate.integer("iterations", iterations)
    seed = _validate.integer("seed", seed, minimum=0)
    if compute not in COMPUTE:
        raise InvalidParameterError(f"compute must be one of {', '.join(COMPUTE)}, got {compute!r}")
    p = Plan(regime, iterations, len(task.train))
    capacity = max(p.capacity, len(task.train) * iterations)
    rd = RunDir(run_dir)
    config = {"kind": task.kind, "regime": regime.kind, "regime_params": regime.parameters(), "seed": seed,
              "task": task.params, "compute": compute, "version": __version__}
    rd.check(config)
    labels = [task.first_iteration + g - 1 for g in range(1, iterations + 1)]
    done = rd.read_json("result.json")
    if done is not None and done.get("iterations") == labels:
        return done
    rd.claim(config)

    training = task.training
    optimizer, init, train_chunk, evaluate, sample = _compiled(task)
    test = jnp.asarray(task.test)
    key = key_from_seed(seed)  # all 64 bits; below 2^32 the same key as PRNGKey(seed)
    generations = {1: task.train}
    history = []
    for g in range(1, iterations + 1):
        kg = jax.random.fold_in(key, g)
        metrics = rd.metrics(g)
        if metrics is None:
            for j in p.weights[g]:
                if j not in generations:
                    generations[j] = rd.read_array(f"iteration-{j - 1:02d}/samples.npy")
            pool, cdf, size = _pool(p, g, generations, jax.random.fold_in(kg, 3), task.train, capacity)
            steps = iteration_steps(p, g, training, compute)
            pool, cdf = jnp.asarray(pool), jnp.asarray(cdf)
            model, opt_state = init(jax.random.fold_in(kg, 0))
            state = (model, opt_state, jnp.asarray(0), jnp.asarray(0.0))
            state = rd.read_state(g, state) or state
            model, opt_state, step, train_loss = state
            bar = None
            if progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=steps, initial=int(step), leave=False, unit="step",
                           desc=f"{task.kind} {regime.label} iteration {labels[g - 1]}")
            started = time.perf_counter()
            for start in range(int(step), steps, training.checkpoint_every):
                model, opt_state, train_loss = train_chunk(model, opt_state, pool, cdf, jax.random.fold_in(kg, 2),
                                                           jnp.asarray(start), jnp.asarray(steps))
                step = jnp.asarray(start + training.checkpoint_every)
                rd.write_state(g, (model, opt_state, step, train_loss))
                if bar is not None:
                    bar.update(training.checkpoint_every)
                if on_checkpoint is not None:
                    on_checkpoint(g, int(step))
            if bar is not None:
                bar.close()
            synthetic = np.asarray(sample(model, jax.random.fold_in(kg, 1), p.sizes[g + 1],
                                          float(regime.temperature)))
            rd.write_array(f"iteration-{g:02d}/samples.npy", synthetic)
            rd.write_array(f"iteration-{g:02d}/preview.npy", synthetic[:task.preview])
            metrics = {name: float(v) for name, v in evaluate(model, test).items()}
            metrics.update(task.constants, train_loss=float(train_loss), train_size=size, steps=steps)
            metrics["seconds"] = time.perf_counter() - started  # informative only; not in result.json
            rd.write_json(f"iteration-{g:02d}/metrics.json", metrics)
        generations[g + 1] = None if g == iterations else rd.read_array(f"iteration-{g:02d}/samples.npy")
        history.append(metrics)
    names = [m for m in history[0] if m != "seconds"]
    result = {
        "kind": task.kind,
        "regime": regime.kind,
        "params": {**task.params, **regime.parameters(), "regime_label": regime.label, "seed": seed,
                   "iterations": iterations, "compute": compute},
        "iterations": labels,
        "metrics": {m: [h[m] for h in history] for m in names},
        "previews": [f"iteration-{g:02d}/preview.npy" for g in range(1, iterations + 1)],
        "version": __version__,
        "git_revision": revision(),
    }
    rd.write_json("result.json", result)
    return result
