"""What makes `grad --format json` fast on big files prints what the plain way printed: the JSON
writer against json.dumps, the affine lines' formulas against symbolic.derivative, and parsing by
shape against bpcalc's parser run on each line."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpcalc
from bpcalc.errors import InputError, Span
from bpcalc.expr.parser import _SHAPES, _VARIABLE, _Parser, parse
from bpcalc.expr.tree import Bin, Name, Neg, Num, census, to_text
from bpcalc.ops import USER
from bpcalc.render import Options, render
from bpcalc.render.json import as_data, dumps
from bpcalc.symbolic import derivative, softmax_names
from bpcalc.trace.data import data_trace

from helpers import EXAMPLES


@pytest.mark.parametrize("data", [
    {}, {"a": 1.5, "b": [], "c": {}, "d": None, "e": True, "f": False, "g": "x\"y\\z\n\u00e9\u4e2d\x01"},
    {"values": {"x": 0.1, "w_h1[2]": -2.5e-300, "big": 1e300}, "n": 3, "list": [1, 2.5, "s", None, {"k": [1]}]},
    {"nan": float("nan"), "inf": float("inf"), "m": {"a": float("-inf"), "b": 1.0}},
])
def test_writer_equals_json_dumps(data):
    assert dumps(data) == json.dumps(data, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
@pytest.mark.parametrize("command", ["forward", "grad", "step"])
def test_json_output_equals_json_dumps_of_the_data(example, command):
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / example)), step=command == "step")
    trace = data_trace(sol, command)
    assert render(trace, "json", Options()) == json.dumps(as_data(trace), indent=2, ensure_ascii=False) + "\n"


def random_sum_of_products(rng: random.Random, names: list[str]) -> str:
    terms = []
    for name in rng.sample(names, rng.randint(1, len(names))):
        kind = rng.random()
        if kind < 0.3:
            terms.append(name)
        elif kind < 0.6:
            terms.append(f"{name} * {rng.choice(names)}")
        elif kind < 0.8:
            terms.append(f"{rng.choice(['2', '-3', '0.5', '0'])} * {name}")
        else:
            terms.append(f"{name}*{rng.choice(['7', '1e-3'])}")
    if rng.random() < 0.3:
        terms.append(str(rng.choice([1, 2.5])))
    return " + ".join(terms)


@pytest.mark.parametrize("seed", range(40))
def test_affine_formulas_are_the_symbolic_derivatives(seed):
    rng = random.Random(seed)
    names = [f"p{k}" for k in range(4)]
    lines = {}
    for i in range(6):
        lines[f"u{i}"] = random_sum_of_products(rng, names)
        if rng.random() < 0.3:
            lines[f"s{i}"] = f"sigmoid({lines[f'u{i}']})"  # not affine: the symbolic path
        names.append(f"u{i}")
    text = "params: {p0: 0.5, p1: -1.2, p2: 2, p3: 0.25}\ndefine:\n" + "".join(
        f"  {k}: {v}\n" for k, v in lines.items())
    sol = bpcalc.solve(bpcalc.loads(text))
    known = softmax_names(sol.problem.lines)
    exprs = {line.name: line.expr for line in sol.problem.lines}
    for loc in data_trace(sol, "grad").result.locals:
        want = derivative(exprs[loc.of], loc.wrt, loc.of, known)
        assert to_text(loc.formula) == to_text(want), (loc.of, loc.wrt, lines[loc.of])


SOURCES = ["v1 * a + b", "v22 * abc + b", "sigmoid(x1) * w + 2.5e-3*x1", "-(xx - y)**2 / 3", "max(a, bb, c) + ln(q)",
           "x*x", "y*zz", "ab + e5 * 1e5", "  w  *  x ", "  weight  *  input ", "2 * x", "2 * long_name", "-a*b",
           "sigmoid(-x + 2) - -y", "sigmoid(-xyz + 2) - -yy", "leaky_relu(a, 0.1)^2", "leaky_relu(abc, 0.1)^2"]


def test_parsing_by_shape_gives_the_parsers_trees():
    for src in SOURCES * 2:
        assert parse(src, USER) == _Parser(src, Span("<expression>", 1, 1), USER).parse(), src


def test_a_shape_seen_before_still_refuses_what_is_wrong():
    parse("a * b + c", USER)
    with pytest.raises(InputError, match="names starting with '__'"):
        parse("a * __b + c", USER)
    with pytest.raises(InputError, match="unknown function 'sigmod'"):
        parse("sigmod(a) + c", USER)
    parse("sigmoid(a) + c", USER)
    with pytest.raises(InputError, match="unknown function"):
        parse("sigmod(a) + c", USER)


def _formulas() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(["x", "w1", "bias", "e", "_t", "0", "2", "0.5", "3e2", "1e-9"])
    return st.recursive(atoms, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", " - ", "*", " / ", "**", "^"]), inner).map(lambda t: "".join(t)),
        st.tuples(st.sampled_from(["sigmoid", "tanh", "-", "exp", "(", " ( "]), inner).map(
            lambda t: f"{t[0]}({t[1]})" if t[0].strip() != "(" else f"{t[0]}{t[1]})"),
        st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(lambda t: f"{t[0]}({t[1]},  {t[2]})"),
    ), max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(_formulas(), st.lists(st.sampled_from(["a", "bb", "long_name_7", "x", "e5"]), min_size=12, max_size=12))
def test_a_line_of_a_known_shape_is_the_tree_the_parser_makes(src, names):
    """The second line of a shape is built from the first's recipe: with other names, of other
    lengths, every node and position is what bpcalc's parser makes of that line."""
    _SHAPES.clear()
    first = parse(src, USER)
    assert first == _Parser(src, Span("<expression>", 1, 1), USER).parse()
    renamed = iter(names)
    other = _VARIABLE.sub(lambda m: next(renamed, "z"), src)
    assert parse(other, USER) == _Parser(other, Span("<expression>", 1, 1), USER).parse(), other


def _operations(e) -> int:  # written out: each operator once, a call once per argument
    if isinstance(e, (Name, Num)):
        return 0
    if isinstance(e, Neg):
        return 1 + _operations(e.x)
    if isinstance(e, Bin):
        return 1 + _operations(e.a) + _operations(e.b)
    return len(e.args) + sum(_operations(a) for a in e.args)


@settings(max_examples=200, deadline=None)
@given(_formulas())
def test_census_counts_operations_and_finds_each_names_first_use(src):
    e = parse(src, USER)
    count, first = census(e)
    assert count == _operations(e)
    # the first use of each name, in the order written: the variables found in the text
    written: dict[str, int] = {}
    for m in _VARIABLE.finditer(src):
        written.setdefault(m.group(1), m.start())
    assert first == written
