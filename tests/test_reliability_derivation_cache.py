"""The derivation cache parses a JSON tree and never evaluates it (collapse_theory/_cache.py, _exprtree.py)."""

import json

import pytest
import sympy as sp

from collapse_theory import _cache, _exprtree, derivation, gaussian, kde
from collapse_theory.regimes import KINDS, Regime

REPLACE = Regime("replace", temperature=0.5)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLAPSE_THEORY_CACHE", str(tmp_path / "cache"))
    derivation.error_factor.cache_clear()
    derivation.limit_factor.cache_clear()
    yield tmp_path / "cache"
    derivation.error_factor.cache_clear()
    derivation.limit_factor.cache_clear()


def _fresh(regime=REPLACE):
    derivation.error_factor.cache_clear()
    return derivation.error_factor(regime)


def _only_entry(directory):
    (path,) = directory.glob("*" + _cache.SUFFIX)
    return path


def _signed(key, tree):
    return json.dumps({"format": _cache.FORMAT, "key": key, "tree": tree, "sha256": _cache._checksum(key, tree)})


def test_entry_is_written_then_read_back(cache):
    first = _fresh()
    path = _only_entry(cache)
    record = json.loads(path.read_text())
    assert record["tree"] == _exprtree.encode(first)
    assert _cache.read_entry(path, record["key"]) == first
    assert _fresh() == first


@pytest.mark.parametrize("payload", [
    '__import__("pathlib").Path({marker!r}).touch()',
    ["__import__", ["Symbol", "pathlib", {}]],
    ["Function", ["Symbol", "x", {}]],
])
def test_an_entry_holding_code_is_never_executed(cache, tmp_path, payload):
    expected = _fresh()
    path = _only_entry(cache)
    key = json.loads(path.read_text())["key"]
    marker = tmp_path / "executed"
    tree = payload.format(marker=str(marker)) if isinstance(payload, str) else payload
    path.write_text(_signed(key, tree))  # a valid checksum: only the parser stands in the way
    (cache / "old.srepr").write_text(f'__import__("pathlib").Path({str(marker)!r}).touch()')
    assert _fresh() == expected
    assert not marker.exists()
    assert json.loads(path.read_text())["tree"] == _exprtree.encode(expected)  # rewritten


def test_a_one_byte_edit_is_detected_and_rewritten(cache):
    expected = _fresh()
    path = _only_entry(cache)
    text = path.read_text()
    # Change one digit of the stored tree (the checksum stays as it was).
    head = '"Rational","' if '"Rational","' in text else '"Integer","'
    at = text.index(head) + len(head)
    digit = text[at]
    edited = text[:at] + ("3" if digit != "3" else "4") + text[at + 1:]
    assert len(edited) == len(text) and edited != text
    path.write_text(edited)
    key = json.loads(edited)["key"]
    assert _cache.read_entry(path, key) is None
    assert _fresh() == expected
    assert path.read_text() == text


def test_a_truncated_entry_is_rewritten(cache):
    expected = _fresh()
    path = _only_entry(cache)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    assert _fresh() == expected
    assert path.read_text() == text


def test_decode_refuses_malformed_trees():
    for tree in ("x", [], [3], ["Symbol", "x"], ["Symbol", "x", {"evil": True}], ["Integer", "1e5"],
                 ["Rational", "1", "0"], ["Float", "nan", 53], ["Add", ["eval", ["Integer", "1"]]],
                 ["pi", ["Integer", "1"]], ["Basic"], ["Function"], ["Symbol", "x", {"positive": "yes"}]):
        with pytest.raises(_exprtree.UnsupportedNode):
            _exprtree.decode(tree)


def test_encode_refuses_what_it_cannot_rebuild():
    for expr in (sp.Dummy("m"), sp.Function("f")(sp.Symbol("x"))):
        with pytest.raises(_exprtree.UnsupportedNode):
            _exprtree.encode(expr)


def test_numbers_and_constants_round_trip_exactly():
    values = [sp.Integer(10) ** 40 + 1, sp.Rational(-7, 3), sp.Float("0.1"), sp.Float("1.5e-300"),
              sp.Float("2.0", 100), sp.pi, sp.E, sp.oo, -sp.oo, sp.zoo, sp.nan, sp.EulerGamma, sp.I, sp.Catalan,
              sp.Symbol("tau", nonnegative=True) ** sp.Rational(1, 2),
              sp.Sum(sp.Symbol("i") ** -2, (sp.Symbol("i"), 1, sp.oo)),
              sp.Product(sp.Symbol("k"), (sp.Symbol("k"), 1, sp.Symbol("n")))]
    for value in values:
        back = _exprtree.decode(json.loads(json.dumps(_exprtree.encode(value))))
        assert back == value or (value is sp.nan and back is sp.nan)
        if isinstance(value, sp.Float):
            assert back._mpf_ == value._mpf_ and back._prec == value._prec


def _derived():
    regimes = [Regime(kind) for kind in ("replace", "accumulate", "replace-multiple")]
    regimes += [Regime("replace", temperature=0.5), Regime("mix", real_fraction=0.3),
                Regime("fresh-real", real_weight=0.5, ratio=2.0)]
    regimes += [Regime("window", window=k) for k in (1, 2, 3)]
    assert {r.kind for r in regimes} == set(KINDS) - {"accumulate-subsample"}
    for regime in regimes:
        for symbolic in (False, True):
            yield derivation.error_factor(regime, symbolic=symbolic)
            yield derivation.limit_factor(regime, symbolic=symbolic)
    for kind in gaussian.CLOSED_FORMS:
        for symbolic in (False, True):
            for unbiased in (False, True):
                for expr, limit in gaussian.formulas(Regime(kind), symbolic=symbolic, unbiased=unbiased).values():
                    yield from (expr, limit)
    for kind in ("replace", "accumulate"):
        for expr, limit in kde.formulas(Regime(kind)).values():
            yield from (expr, limit)


@pytest.mark.slow
def test_every_derived_expression_round_trips(monkeypatch):
    monkeypatch.setenv("COLLAPSE_THEORY_CACHE", "off")
    count = 0
    for expr in _derived():
        back = _exprtree.decode(json.loads(json.dumps(_exprtree.encode(expr))))
        assert back == expr, expr
        count += 1
    assert count >= 90
