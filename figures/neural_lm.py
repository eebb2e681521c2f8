"""The language-model figure of the paper's §2: a small transformer on a Markov source whose law is known exactly.

(a) cross-entropy on held-out source sequences per iteration, replace, accumulate and accumulate-subsample (mean
over seeds, error bars one seed SE), above the source's exact entropy rate (dashed); (b) the exact KL divergence
of each model from the source (the excess over the entropy rate without test-token noise), with accumulate
under both compute protocols (fixed steps, filled; fixed epochs over the growing pool, the paper's, open);
(c) temperature 1 against 0.3 (the paper's Table 2); (d) model size: KL at the first and last iteration for
three transformer sizes; (e) trigram statistics of each generation's samples against the source's exact
stationary trigram law (total variation; dotted: the real training set's, the finite-sample floor); (f) a few
generated sequences per iteration (seed 0; tokens written as letters).  Runs are trained on first use
(:mod:`figures.neural_runs`); ``fast`` draws the ``--fast`` runs and says so in the title.
"""

from __future__ import annotations

import numpy as np

from . import neural, neural_runs, plotting, style

__all__ = ["main", "trigram_tv"]


def trigram_tv(tokens: np.ndarray, source) -> float:
    """``1/2 sum_{c,x} |f(c, x) - pi_c P(x | c)|``: total variation between the empirical (context, next token)
    frequencies of ``(n, L)`` sequences at positions ``t >= k`` and the source's exact stationary law."""
    from simulations.neural import markov

    ctx = markov.contexts(tokens, source.vocab, source.order)  # (n, L - k)
    pairs = ctx * source.vocab + np.asarray(tokens)[:, source.order:]
    freq = np.bincount(pairs.ravel(), minlength=source.probs.size) / pairs.size
    exact = (source.stationary[:, None] * source.probs).ravel()
    return 0.5 * float(np.abs(freq - exact).sum())


def _source(task):
    from simulations.neural import markov

    p = task.params
    return markov.make_source(p["vocab"], p["order"], p["support"], p["zipf"], seed=p["source_seed"])


def _curves(ax, groups, metric, variants):
    for fields, label, color, marker, fill in variants:
        group = neural_runs.pick(groups, **fields)
        if group is not None:
            plotting.neural(ax, group.iterations, group.mean(metric), group.se(metric), color=color, label=label,
                            marker=marker, markerfacecolor=color if fill else "white")
    ax.set_xlabel("iteration")
    ax.legend(loc="best", fontsize="xx-small")


def main(fast: bool = False, *, out=None, data=None) -> list:
    """Build ``neural_lm.png`` and ``.pdf`` (``fast``: the ``--fast`` runs, said in the title)."""
    groups = neural_runs.runs("lm", fast=fast, data=data)
    task = neural_runs.pick(groups, regime="replace").spec.task(neural_runs.size_of(fast))
    source = _source(task)
    red, blue, grey = (style.regime_color(r) for r in ("replace", "accumulate", "accumulate-subsample"))
    with plotting.styled():
        fig, axes = plotting.subplots(2, 3, size="text", aspect=1.05)
        (a, b, c), (d, e, f) = axes
        neural.loss_panel(a, groups, ylabel="cross-entropy (nats/token)")
        a.axhline(source.entropy_rate, color="0.2", linestyle=(0, (3, 2)), linewidth=0.9, label="entropy rate")
        a.legend(loc="upper left", fontsize="xx-small")  # the curves rise to the right; "best" sat on the rate line
        a.set_title("(a) test loss")
        _curves(b, groups, "kl", [({"regime": "replace"}, "replace", red, "o", True),
                                  ({"regime": "accumulate"}, "accumulate, fixed steps", blue, "s", True),
                                  ({"regime": "accumulate", "compute": "epochs"}, "accumulate, fixed epochs", blue,
                                   "s", False),
                                  ({"regime": "accumulate-subsample"}, "acc.-subsample", grey, "D", True)])
        b.set_ylabel("KL(source ‖ model), nats/token")
        c.set_ylabel("KL, nats/token")
        b.set_title("(b) exact KL; compute protocols")
        _curves(c, groups, "kl", [({"regime": r, "temperature": t}, f"{r}, τ = {t:g}", col, m, t == 1.0)
                                  for r, col, m in (("replace", red, "o"), ("accumulate", blue, "s"))
                                  for t in (1.0, 0.3)])
        c.set_title("(c) temperature")
        sizes = ("small", "base", "big")
        x = np.arange(len(sizes))
        for regime, color, marker in (("replace", red, "o"), ("accumulate", blue, "s")):
            found = [neural_runs.pick(groups, regime=regime, model=m) for m in sizes]
            d.errorbar(x, [g.mean("kl")[-1] for g in found], yerr=[g.se("kl")[-1] for g in found], color=color,
                       marker=marker, capsize=1.5, markersize=3.5, linewidth=1.0, label=f"{regime}, last iteration")
        first = [neural_runs.pick(groups, regime="replace", model=m) for m in sizes]  # iteration 1: same run
        d.errorbar(x, [g.mean("kl")[0] for g in first], yerr=[g.se("kl")[0] for g in first], color="0.35",
                   marker=".", linestyle=":", capsize=1.5, linewidth=1.0, label="iteration 1 (both)")
        d.set_xticks(x, [f"{m}\n({task_width(groups, m, fast)})" for m in sizes])
        d.set_ylabel("KL, nats/token")
        d.legend(loc="best", fontsize="xx-small")
        d.set_title("(d) model size")
        for regime, color, marker in (("replace", red, "o"), ("accumulate", blue, "s")):
            group = neural_runs.pick(groups, regime=regime)
            tv = np.array([[trigram_tv(group.samples(g, s), source) for g in range(1, len(group.iterations) + 1)]
                           for s in range(group.seeds)])  # (seeds, iterations)
            se = tv.std(axis=0, ddof=1) / np.sqrt(len(tv)) if len(tv) > 1 else None
            plotting.neural(e, group.iterations, tv.mean(axis=0), se, color=color, label=regime, marker=marker)
        e.axhline(trigram_tv(task.train, source), color="0.2", linestyle=":", linewidth=0.9, label="real data")
        e.set_xlabel("iteration (its model's samples)")
        e.set_ylabel("trigram total variation")
        e.legend(loc="best", fontsize="xx-small")
        e.set_title("(e) n-gram statistics")
        _sequences(f, groups)
        fig.suptitle(neural.title("lm", fast, "exact KL from a known source, temperature, size, samples"))
        return plotting.save(fig, "neural_lm", out)


def task_width(groups, model, fast) -> str:
    p = neural_runs.pick(groups, regime="replace", model=model).spec.task(neural_runs.size_of(fast)).params
    return f"{p['n_layer']}×{p['n_embd']}"


def _sequences(ax, groups) -> None:
    letters = "abcdefghijklmnopqrstuvwxyz"
    lines = []
    for regime in ("replace", "accumulate"):
        group = neural_runs.pick(groups, regime=regime)
        lines.append(regime)
        for g, label in enumerate(group.iterations, start=1):
            rows = group.preview(g)[:2]
            lines += [f" {label}: " + "".join(letters[t] for t in row) for row in rows]
    ax.text(0.0, 1.0, "\n".join(lines), family="monospace", fontsize=4.2, va="top", ha="left",
            transform=ax.transAxes)
    ax.set_axis_off()
    ax.set_title("(f) generated sequences (seed 0)")
