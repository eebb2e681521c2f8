"""Equivalences and contracts of the linear-regression Monte Carlo: engines, batching, keys, CLI (devices: test_reliability_seeds)."""

import json

import jax
import numpy as np
import pytest

import collapse_theory as ct
from collapse_theory import cli
from collapse_theory.errors import InvalidParameterError
from collapse_theory.linear_regression import test_error as theory_error
from simulations import seeds as seeds_module
from simulations._linear_engines import trajectory
from simulations.linear_regression import _prepare, simulate, simulate_grid

KEY = jax.random.key(7)
SMALL = {"d": 3, "T": 7, "sigma2": 1.7}
RTOL = 1e-9


def values(regime, n=5, *, seeds=4, key=KEY, **options):
    return simulate(regime, n, key=key, seeds=seeds, keep_values=True, **{**SMALL, **options}).values["test_error"]


@pytest.mark.slow
@pytest.mark.parametrize("regime, fresh", [
    (ct.accumulate(temperature=0.7), False), (ct.replace_multiple(), False), (ct.fresh_real(0.6, 0.5), False),
    (ct.window(3), True),
], ids=lambda x: getattr(x, "label", "fresh" if x else "fixed"))
def test_literal_equals_fast(regime, fresh):
    """Same key, labels sampling: the stacked least-squares fit equals the sufficient-statistics recursion."""
    Sigma = np.array([[1.5, 0.4, 0.0], [0.4, 1.0, 0.0], [0.0, 0.0, 0.3]])
    literal = values(regime, engine="literal", fresh_design=fresh, Sigma=Sigma)
    fast = values(regime, engine="fast", sampling="labels", fresh_design=fresh, Sigma=Sigma)
    np.testing.assert_allclose(fast, literal, rtol=RTOL)


@pytest.mark.slow
def test_subsample_with_whole_pool_is_accumulate():
    """A budget of at least n T rows keeps the whole pool: the subsample fit is accumulate's, draw for draw."""
    n = 5
    whole = values(ct.accumulate_subsample(n * SMALL["T"]), n)
    np.testing.assert_allclose(whole, values(ct.accumulate(), n, sampling="labels"), rtol=RTOL)
    assert not np.allclose(values(ct.accumulate_subsample(SMALL["d"] + 2), n), whole)


@pytest.mark.slow
@pytest.mark.parametrize("sampling", ["wishart"])
def test_vmap_equals_loop_over_seeds(sampling):
    seeds = 4
    plan, args, _ = _prepare(ct.window(2), 5, engine="fast", fresh_design=False, Sigma=None, sampling=sampling,
                             test_points=0, **SMALL)
    one = jax.jit(trajectory(plan))
    keys = jax.random.split(KEY, seeds)  # keys with JAX's default, draws in the simulators' scope
    with seeds_module.draws():
        looped = np.stack([np.asarray(one(k, args)["test_error"]) for k in keys])
    batched = values(ct.window(2), seeds=seeds, sampling=sampling)
    # The same draws; the unbatched program is another XLA program, which may round the last bit differently.
    np.testing.assert_allclose(batched, looped, rtol=1e-13)


@pytest.mark.slow
def test_chunking_and_keys():
    full = simulate(ct.accumulate(), 5, key=KEY, seeds=9, chunk=4, keep_values=True, **SMALL).values["test_error"]
    np.testing.assert_array_equal(values(ct.accumulate(), seeds=4), full[:4])       # chunking changes nothing
    np.testing.assert_array_equal(values(ct.accumulate()), values(ct.accumulate()))  # same key, same bits
    assert not np.any(values(ct.accumulate(), key=jax.random.key(8)) == full[:4])


def test_common_random_numbers():
    """Linear in the noise: sigma^2 = s is sqrt(s) times sigma^2 = 1 (error times s); iteration 1 is shared."""
    base = simulate(ct.mix(0.4), 5, key=KEY, seeds=4, d=3, T=7, sigma2=1.0, keep_values=True).values["test_error"]
    scaled = simulate(ct.mix(0.4), 5, key=KEY, seeds=4, d=3, T=7, sigma2=9.0, keep_values=True).values["test_error"]
    np.testing.assert_allclose(scaled, 9.0 * base, rtol=1e-12)
    np.testing.assert_array_equal(values(ct.replace())[:, 0], values(ct.accumulate())[:, 0])


def test_no_recompilation_for_sigma2_key_or_regime_parameter():
    plan, *_ = _prepare(ct.mix(0.3), 5, engine="fast", fresh_design=False, Sigma=None, sampling=None,
                        test_points=0, **SMALL)
    compiled = seeds_module._compiled(trajectory(plan), jax.device_count())
    simulate(ct.mix(0.3), 5, key=KEY, seeds=4, d=3, T=7)
    before = compiled._cache_size()  # other tests may have compiled other chunk sizes already
    for i, (regime, sigma2) in enumerate([(ct.mix(0.3), 5.0), (ct.mix(0.8), 0.2), (ct.accumulate(), 2.0),
                                          (ct.replace(temperature=0.5), 1.0)]):
        simulate(regime, 5, key=jax.random.key(i), seeds=4, d=3, T=7, sigma2=sigma2)
    simulate(ct.mix(0.3), 5, key=KEY, seeds=4, d=3, T=40, sigma2=1.0)             # T is a traced degree of freedom
    assert compiled._cache_size() == before


def test_grid_keys_points_independently():
    grid = simulate_grid(ct.replace(), 5, key=KEY, seeds=4, d=3, Ts=(7, 9), sigma2s=(1.0, 2.0), keep_values=True)
    assert list(grid) == [(7, 1.0), (7, 2.0), (9, 1.0), (9, 2.0)]
    one = simulate(ct.replace(), 5, key=jax.random.fold_in(KEY, 3), seeds=4, d=3, T=9, sigma2=2.0, keep_values=True)
    np.testing.assert_array_equal(grid[(9, 2.0)].values["test_error"], one.values["test_error"])


@pytest.mark.parametrize("bad, message", [
    ({"seeds": 0}, "seeds must be an integer >= 1"),
    ({"T": 4}, "T must satisfy"),
    ({"sigma2": 0.0}, "sigma2 must be > 0"),
    ({"engine": "slow"}, "engine must be one of"),
    ({"sampling": "wishart", "engine": "literal"}, "sampling must be labels"),
    ({"Sigma": -np.eye(3)}, "positive definite"),
    ({"Sigma": np.eye(2)}, "Sigma must be"),
    ({"key": 3}, "key must be"),
    ({"n": 0}, "n must be an integer >= 1"),
    ({"regime": "replace"}, "regime must be"),
    ({"regime": ct.accumulate_subsample(2)}, "budget must satisfy B >= d \\+ 2"),
    ({"regime": ct.accumulate_subsample(5), "fresh_design": True}, "fixed design"),
])
def test_bad_input_raises(bad, message):
    kwargs = {"regime": ct.replace(), "n": 3, "key": KEY, "seeds": 2, **SMALL, **bad}
    with pytest.raises(InvalidParameterError, match=message):
        simulate(kwargs.pop("regime"), kwargs.pop("n"), **kwargs)


# -- the CLI --------------------------------------------------------------------------------------------------

def run_cli(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
@pytest.mark.parametrize("regime", ["accumulate", "replace"])
def test_cli_simulate_matches_theory(capsys, regime):
    """Must-show 1: 2000 seeds, seed 7, d = 10, T = 100, n = 100: within 4 SE of the closed form at every n."""
    code, out, err = run_cli(capsys, "simulate", "--model", "linear", "--regime", regime, "--d", "10", "--T", "100",
                             "--sigma2", "1", "--n", "100", "--seeds", "2000", "--seed", "7", "--json")
    assert code == 0, err
    obj = json.loads(out)
    assert set(obj) == {"model", "regime", "params", "seeds", "dtype", "engine", "iterations", "metrics"}
    assert obj["dtype"] == "float64" and obj["engine"] == "fast"
    assert obj["seeds"] == 2000 and obj["iterations"] == list(range(1, 101))
    mean, se = (np.array(obj["metrics"]["test_error"][k]) for k in ("mean", "se"))
    theory = theory_error(ct.from_name(regime), 100, d=10, T=100, sigma2=1.0)
    z = (mean - theory) / se
    assert np.max(np.abs(z)) <= 4, f"max |z| = {np.max(np.abs(z)):.2f}"


@pytest.mark.slow
def test_cli_check_table_and_json(capsys):
    # The shape of the must-show run above (mix's weights are traced): its compiled program serves the check.
    args = ["check", "--regime", "mix", "--real-fraction", "0.5", "--d", "10", "--T", "100", "--n", "100",
            "--seeds", "2000", "--seed", "1"]
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    header = out.splitlines()[1].split()
    assert header == ["iteration", "theory", "mean", "se", "z"]
    assert "max |z|" in out
    code, out, err = run_cli(capsys, *args, "--json")
    metric = json.loads(out)["metrics"]["test_error"]
    assert set(metric) == {"mean", "se", "theory", "z"} and len(metric["z"]) == 100


@pytest.mark.slow
def test_cli_subsample_with_budget(capsys):
    # The budget reaches the engine: the program of test_subsample_with_whole_pool_is_accumulate's B = d + 2 run.
    code, out, err = run_cli(capsys, "simulate", "--regime", "accumulate-subsample", "--budget", "5", "--d", "3",
                             "--T", "7", "--n", "5", "--seeds", "8", "--json")
    assert code == 0, err
    assert len(json.loads(out)["metrics"]["test_error"]["mean"]) == 5


@pytest.mark.parametrize("argv, message", [
    (["simulate", "--regime", "replace", "--seeds", "0"], "error: argument --seeds"),
    (["simulate", "--regime", "accumulate-subsample", "--budget", "3", "--d", "10"],
     "error: budget must satisfy B >= d + 2"),
    (["check", "--regime", "replace", "--d", "10", "--T", "11"], "error: T must satisfy"),
    (["check", "--regime", "accumulate-subsample", "--budget", "20", "--d", "4", "--T", "10"],
     "error: model linear has no exact theory for regime accumulate-subsample"),
])
def test_cli_bad_input_exits_2(capsys, argv, message):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and err.startswith(message) and len(err.strip().splitlines()) == 1, err
