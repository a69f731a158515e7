"""What makes `grad --format json` fast on big files prints what the plain way printed: the JSON
writer against json.dumps, the affine lines' formulas against symbolic.derivative, and parsing by
shape against bpcalc's parser run on each line."""

from __future__ import annotations

import dataclasses
import json
import math
import random
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bpcalc
from bpcalc import codegen
from bpcalc.engine import graph as graph_module
from bpcalc.engine.graph import compile_problem
from bpcalc.errors import InputError, Span
from bpcalc.expr.parser import _SHAPES, _VARIABLE, _Parser, parse, parse_line
from bpcalc.expr.tree import Bin, Name, Neg, Num, census, to_text
from bpcalc.ops import USER
from bpcalc.render import Options, render
from bpcalc.render.json import as_data, dumps
from bpcalc.symbolic import derivative, softmax_names
from bpcalc.trace.data import Locals, data_trace

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
    """The next lines of a shape are built from the first's recipe — by _made, then, once the
    shape is used enough, by the recipe written out as code: with other names, of other lengths,
    every node and position is what bpcalc's parser makes of that line, and so is its census."""
    _SHAPES.clear()
    first = parse(src, USER)
    assert first == _Parser(src, Span("<expression>", 1, 1), USER).parse()
    with mock.patch.object(codegen, "REUSED_ENOUGH", 3):
        for k in range(3):  # the second line by _made, the third and fourth by the generated code
            renamed = iter(names[k:] + names[:k])
            other = _VARIABLE.sub(lambda m: next(renamed, "z"), src)
            tree = _Parser(other, Span("<expression>", 1, 1), USER).parse()
            line = parse_line(other, USER)
            assert (line.expr, line.operations, line.first_uses) == (tree, *census(tree)), other
            assert line.names == tuple(m.group(1) for m in _VARIABLE.finditer(other))
    assert line.shape is not None and line.shape.build is not None


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


@settings(max_examples=150, deadline=None)
@given(st.lists(_formulas(), min_size=1, max_size=3), st.randoms(use_true_random=False))
def test_lines_compiled_from_their_shapes_template_are_the_tape_of_compiling_each(sources, rng):
    """The engine compiles a shape once and copies it for the shape's other lines: the graph is
    field for field the one compiling every line on its own makes — names repeated in a line (x * x),
    lines that are a name alone, numbers, calls, and closed forms (v * a + b) or none."""
    leaves = ["x", "w1", "bias", "e", "_t"]
    names = list(leaves)
    lines = []
    for i in range(12):
        src = rng.choice(sources + ["p", "p * q + r"])
        lines.append((f"v{i}", _VARIABLE.sub(lambda m: rng.choice(names[-4:] + names), src)))
        names.append(f"v{i}")
    text = "inputs: {x: 0.5, e: 2}\nparams: {w1: -1.5, bias: 0.25, _t: 3}\ndefine:\n" + "".join(
        f"  {name}: {src}\n" for name, src in lines)
    problem = bpcalc.loads(text)
    with mock.patch.object(codegen, "REUSED_ENOUGH", 1):  # a template from each shape's first line
        shaped = compile_problem(problem)
    each = compile_problem(dataclasses.replace(
        problem, lines=[dataclasses.replace(line, shape=None) for line in problem.lines]))
    for field in dataclasses.fields(shaped):
        assert getattr(shaped, field.name) == getattr(each, field.name), (field.name, text)


def test_a_chain_of_one_shape_is_copied_and_keeps_its_closed_forms():
    n = codegen.REUSED_ENOUGH + 50
    text = "inputs: {x: 1}\nparams: {a: 0.5, b: 0.25}\ndefine:\n" + "".join(
        f"  v{i}: {'x' if i == 1 else f'v{i - 1}'} * a + b\n" for i in range(1, n)) + f"  s: v{n - 1} * v{n - 1} + b\n"
    problem = bpcalc.loads(text)
    assert len({id(line.shape[0]) for line in problem.lines[:-1]}) == 1
    with mock.patch.object(graph_module, "_compiled", wraps=graph_module._compiled) as compiled:
        graph = compile_problem(problem)
    # the shape's first REUSED_ENOUGH lines are compiled, then a template copies the others; and s
    assert compiled.call_count == codegen.REUSED_ENOUGH + 1
    a, b = graph.index["a"], graph.index["b"]
    for i in range(2, n):  # ∂v/∂(v_prev, a, b) = a, v_prev, 1 — the factors' tape indexes
        node = graph.index[f"v{i}"]
        prev = graph.index[f"v{i - 1}"]
        assert graph.uses[node] == (prev, a, b)
        assert graph.partners[node] == (graph.root[a], graph.root[prev], len(graph.op))
        assert graph.args[graph.root[node]] == (graph.root[node] - 1, graph.root[b])
    assert graph.partners[graph.index["s"]] is None  # v twice: no closed form
    sol = bpcalc.solve(problem)
    # ds/dx = 2·v · a^(n-1), exact in binary
    assert sol.gradients["x"] == 0.5 ** (n - 1) * 2 * sol.values[f"v{n - 1}"] != 0.0


@pytest.mark.parametrize("text", [
    "inputs: {x: 1}\ndefine:\n  y: 3\n",  # no local derivative at all
    "inputs: {x: 0.5}\nparams: {w: -2, b: 0.25}\ndefine:\n  z: w * x + b\n  y: sigmoid(z) * z\n  l: (y - 1) ** 2\n",
])
def test_the_json_records_are_read_as_the_worked_solution_finds_them(text):
    """data_trace's records are made as they are read; read as a sequence they are the records
    of the worked solution (its Locals), without their numbers, and the JSON has them all."""
    sol = bpcalc.solve(bpcalc.loads(text))
    records = data_trace(sol, "grad").result.locals
    worked = Locals(sol).every()
    assert len(records) == len(worked) and list(records) == [loc._replace(numbers=None, cases=(), gate=None)
                                                             for loc in worked]
    assert [records[i] for i in range(len(records))] == list(records)
    written = json.loads(render(data_trace(sol, "grad"), "json", Options()))["local"]
    assert [(d["of"], d["wrt"], d["value"]) for d in written] == [(loc.of, loc.wrt, loc.value) for loc in worked]


def test_shapes_that_differ_only_by_the_sign_of_a_zero_are_two_shapes():
    """-0 and 0 are equal floats; a line of `x * -0` is still -0.0, also once a `x * 0` shape's
    code exists (the generated code is looked up by its constants' bits)."""
    n = codegen.REUSED_ENOUGH + 1
    text = "inputs: {x: 2}\ndefine:\n" + "".join(f"  u{i}: x * 0\n" for i in range(n)) + "".join(
        f"  v{i}: x * -0\n" for i in range(n)) + f"output: v{n - 1}\n"
    values = bpcalc.solve(bpcalc.loads(text)).values
    assert all(math.copysign(1.0, values[f"u{i}"]) == 1.0 for i in range(n))
    assert all(math.copysign(1.0, values[f"v{i}"]) == -1.0 for i in range(n))


def test_a_line_given_another_formula_through_the_api_is_compiled_as_written():
    """A loaded line's shape describes the tree the loader made; a line given another expr
    (dataclasses.replace) is compiled as it now reads, not as its old shape."""
    n = codegen.REUSED_ENOUGH + 50
    text = "inputs: {x: 0.5}\nparams: {w: 0.7, b: 0.1}\ndefine:\n" + "".join(
        f"  v{i}: tanh({'x' if i == 1 else f'v{i - 1}'} * w + b)\n" for i in range(1, n))
    problem = bpcalc.loads(text)
    last = problem.lines[-1]
    changed = dataclasses.replace(last, expr=parse(f"v{n - 2} * 2", USER), source=f"v{n - 2} * 2")
    sol = bpcalc.solve(dataclasses.replace(problem, lines=[*problem.lines[:-1], changed]))
    assert sol.values[f"v{n - 1}"] == 2 * sol.values[f"v{n - 2}"]
    assert changed == dataclasses.replace(changed, shape=None)  # the shape is not part of a line's value
