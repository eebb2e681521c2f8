"""The neural comparison page: the paper's qualitative claims (§2) beside the numbers of the runs in this checkout.

Reads the finished runs under ``figures/data/neural`` with :mod:`simulations.neural.summary` (JSON and numpy
only: nothing is trained or imported from JAX here) and writes ``generated/neural-comparison.md``, which
``docs/neural-comparison.md`` includes: a table of claims, the rise from the first iteration to the last for
every kind, regime and variant with its seed SE, and the seed spread.  Without runs the page says so and how to
build them, so a fresh clone's docs still build.
"""

from __future__ import annotations

import math
from pathlib import Path

from ._markdown import table

__all__ = ["pages", "page"]

ROOT = Path(__file__).resolve().parents[3]
RUNS = ROOT / "figures" / "data" / "neural"
_TITLES = {"lm": "language model", "vae": "VAE", "diffusion": "diffusion model"}
_METRIC = {"lm": "cross-entropy (nats/token)", "vae": "−ELBO (nats/digit)", "diffusion": "denoising MSE"}


def _num(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4g}"


def _claims(stats, claims) -> list:
    rows = []
    for kind, c in claims.items():
        rows.append([f"{_TITLES.get(kind.split(',')[0].split('-')[0], kind)} ({kind})",
                     f"rises {_num(c['rise_replace'])}", f"rises {_num(c['rise_accumulate'])} "
                     f"({_num(c['rise_ratio'])} of replace's; {'≤' if c['ratio_ok'] else '>'} 1/3)",
                     f"{_num(c['gap'])} = {_num(c['gap_in_se'])} SE ({'>' if c['gap_ok'] else '≤'} 4 SE)"])
    return rows


def _temperature(stats, kl) -> list:
    rows = []
    for regime in ("replace", "accumulate"):
        for variant in (regime, f"{regime}-tau0.3"):
            s = kl.get(("lm", variant))
            if s is not None:
                rows.append([variant, _num(s["mean"][0]), _num(s["mean"][-1]), f"{_num(s['rise'])} ± "
                             f"{_num(s['rise_se'])}"])
    return rows


def page(root=RUNS) -> str:
    from simulations.neural import summary

    head = ["# Neural runs against the paper\n",
            "The paper (§2) reports, for language models, a diffusion model and a VAE: under *replace* the test loss "
            "rises iteration after iteration; under *accumulate* it stays flat or rises very slowly; sampling at "
            "temperature 0.3 collapses faster under replace than at 1 (Table 2). This page is generated from the "
            "runs in this checkout ({doc}`the neural models </neural>`; figures `neural_lm`, `neural_vae`, "
            "`neural_diffusion` of the {doc}`gallery </generated/gallery>`).\n"]
    stats = summary.stats(root) if Path(root).is_dir() else {}
    if not stats:
        where = Path(root).relative_to(ROOT) if Path(root).is_relative_to(ROOT) else root
        return "\n".join(head + [f"**Runs not built yet.** No finished runs under `{where}`; `make neural` (or "
                                 "`make figures`) trains them, and the next docs build fills this page.\n"])
    claims = summary.claims(stats)
    body = ["## The claims\n",
            "At the last iteration, mean over seeds; SE is the standard error of the seed mean. The rise is the last "
            "iteration's held-out loss minus the first's (per seed, then averaged).\n",
            table(["kind", "replace", "accumulate", "replace − accumulate, last iteration"], _claims(stats, claims))
            if claims else "No kind has both replace and accumulate runs yet.\n"]
    kl = summary.stats(root, "kl")
    temperature = _temperature(stats, kl)
    if temperature:
        body += ["\n## Temperature (language model, exact KL from the source, nats/token)\n",
                 table(["variant", "first iteration", "last iteration", "rise ± SE"], temperature)]
    rows = []
    for (kind, variant), s in stats.items():
        spread = s["values"][:, -1].max() - s["values"][:, -1].min()
        rows.append([kind, variant, _METRIC.get(kind.split("-")[0], "test loss"), str(len(s["seeds"])),
                     _num(s["mean"][0]), _num(s["mean"][-1]), f"{_num(s['rise'])} ± {_num(s['rise_se'])}",
                     _num(float(spread))])
    body += ["\n## Every kind, regime and variant\n",
             "Variants: `-tau0.3` temperature 0.3, `-epochs` the fixed-epochs protocol, `accumulate-subsample-N` "
             "budget N (the real set's size), kind folders `lm-small` / `lm-big` the other model sizes. Spread: "
             "largest minus smallest seed at the last iteration.\n",
             table(["kind", "variant", "held-out loss", "seeds", "first", "last", "rise ± SE", "seed spread"], rows)]
    return "\n".join(head + body)


def pages() -> dict:
    return {"neural-comparison.md": page()}
