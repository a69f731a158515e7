"""The printed formulas: each evaluates to the engine's local derivative, and reads as a person
writes it (the seeds' own formulas, docs/file-formats.md)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings

import bpcalc
from bpcalc.expr import to_text
from bpcalc.reading.expression import parse
from bpcalc.render.json import as_data
from bpcalc.symbolic import derivative, evaluate, softmax_names
from bpcalc.trace import build as build_trace

from helpers import EXAMPLES
from test_graphs import SETTINGS, build, graphs, solvable
from test_networks import network, two_layers


def assert_formulas_equal_engine(sol, round=None):
    known = softmax_names(sol.problem.lines)  # as the trace names them
    checked = 0
    for line in sol.problem.lines:
        for wrt, value in sol.local[line.name]:
            formula = derivative(line.expr, wrt, line.name, known)
            got = evaluate(formula, sol.values, round)
            assert math.isclose(got, value, rel_tol=1e-12, abs_tol=1e-15), \
                (line.name, wrt, to_text(formula), got, value)
            checked += 1
    assert checked >= len(sol.problem.lines)


@pytest.mark.parametrize("file", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
@pytest.mark.parametrize("places", [None, 2])
def test_every_example_line(file, places):
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / file)), round=places)
    assert_formulas_equal_engine(sol, places)


@pytest.mark.parametrize("act,out,loss,n", [
    ("tanh", "sigmoid", "bce", 2), ("relu", "softmax", "cross_entropy", 3),
    ("softplus", "linear", "mse", 2), ({"leaky_relu": 0.2}, "leaky_relu", "sse", 1),
    ("sigmoid", "tanh", "half_sse", 3)])
def test_every_network_line(act, out, loss, n):
    for x in ([0.5, -1.5], [2.0, 0.3]):
        t = [0.2, 0.5, 0.3][:n]
        sol = bpcalc.solve(bpcalc.loads(network(two_layers(act, out, n), [(x, t)], loss)))
        assert_formulas_equal_engine(sol)


@settings(SETTINGS, max_examples=100)
@given(graphs())
def test_random_graph_lines(graph):
    assert_formulas_equal_engine(solvable(build(*graph)))


def local_formulas(sol):
    return as_data(build_trace(sol, "grad"))["local"]


def formulas(sol):
    return {(d["of"], d["wrt"]): d["formula"] for d in local_formulas(sol)}


def test_seed003_formulas_as_in_the_slides():
    f = formulas(bpcalc.solve(bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml")), round=2))
    assert f["y_o", "z_o"] == "y_o*(1 - y_o)"
    assert f["y_h", "z_h"] == "y_h*(1 - y_h)"
    assert f["loss", "y_o"] == "-(y - y_o)"
    assert f["z_o", "w_o"] == "y_h"
    assert f["z_o", "y_h"] == "w_o"
    assert f["z_o", "b_o"] == "1"
    assert f["z_h", "w_h"] == "x"


def test_seed002_formulas_as_in_the_blog_post():
    f = formulas(bpcalc.solve(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml"))))
    assert f["net_o1", "w5"] == "out_h1"
    assert f["net_o1", "out_h1"] == "w5"
    assert f["out_o1", "net_o1"] == "out_o1*(1 - out_o1)"
    assert f["E_total", "out_o1"] == "-(t_o1 - out_o1)"
    assert f["net_h1", "b1"] == "1"


@pytest.mark.parametrize("src,wrt,formula", [
    ("tanh(x)", "x", "1 - y**2"),
    ("sigmoid(x)", "x", "y*(1 - y)"),
    ("exp(x)", "x", "y"),
    ("exp(-x)", "x", "-y"),
    ("log(x)", "x", "1/x"),
    ("sqrt(x)", "x", "1/(2*y)"),
    ("relu(x)", "x", "step(x)"),
    ("leaky_relu(x, a)", "x", "leaky_step(x, a)"),
    ("leaky_relu(x, a)", "a", "min(x, 0)"),
    ("softplus(x)", "x", "sigmoid(x)"),
    ("abs(x)", "x", "sign(x)"),
    ("sin(x)", "x", "cos(x)"),
    ("cos(x)", "x", "-sin(x)"),
    ("x**2", "x", "2*x"),
    ("3*x**2", "x", "6*x"),
    ("a**x", "x", "y*log(a)"),
    ("w*x + b", "x", "w"),
    ("w*x + b", "b", "1"),
    ("0.5*(t - x)**2", "x", "-(t - x)"),
    ("(t - x)**2", "x", "-(2*(t - x))"),
    ("a/x", "a", "1/x"),
    ("t*1/x", "x", "-(t/x**2)"),
    # max and min: the formula says which argument it is about
    ("max(x, a)", "x", "ismax_1(x, a)"),
    ("max(x, a)", "a", "ismax_2(x, a)"),
    ("min(a, b, x)", "x", "ismin_3(a, b, x)"),
    # cross-entropy and bce losses, written without "*1/" or "*-1/"
    ("-(t*log(x))", "x", "-(t/x)"),
    ("-(t*log(x) + (1 - t)*log(1 - x))", "x", "-(t/x - (1 - t)/(1 - x))"),
    ("((t - x)**2 + (s - z)**2) / 2", "x", "-(t - x)"),
])
def test_formulas_read_as_a_person_writes_them(src, wrt, formula):
    assert to_text(derivative(parse(src), wrt, "y")) == formula


def test_lines_of_one_shape_each_have_their_own_formula():
    # a shape is differentiated once and each line's names written back: lines alike but for a
    # name, a number or an argument more must still each read as their own derivative
    f = formulas(bpcalc.solve(bpcalc.loads("""
inputs: {x: 0.5, y: -1.5}
params: {a: 2.0, b: 3.0}
define:
  u1: x*x
  u2: x*0
  u3: y*y
  u4: a*0.0
  u5: a*1
  m1: max(a, b)
  m2: max(a, b, x)
  s1: sigmoid(u1)
  s2: sigmoid(u3)
  v1: s1*a + b
  v2: v1*a + b
  v3: v2*b + a
  loss: v3 + u2 + u4 + u5 + m1 + m2 + s2
""")))
    assert f["u1", "x"] == "x + x" and f["u3", "y"] == "y + y"
    assert f["u2", "x"] == "0" and f["u4", "a"] == "0" and f["u5", "a"] == "1"
    assert f["m1", "a"] == "ismax_1(a, b)" and f["m2", "a"] == "ismax_1(a, b, x)"
    assert f["m2", "x"] == "ismax_3(a, b, x)"
    assert f["s1", "u1"] == "s1*(1 - s1)" and f["s2", "u3"] == "s2*(1 - s2)"
    assert (f["v1", "s1"], f["v1", "a"], f["v1", "b"]) == ("a", "s1", "1")
    assert (f["v2", "v1"], f["v2", "a"], f["v2", "b"]) == ("a", "v1", "1")
    assert (f["v3", "v2"], f["v3", "b"], f["v3", "a"]) == ("b", "v2", "1")
    # the same shape written with the line's own name, then without a line: each as asked
    assert to_text(derivative(parse("sigmoid(q)"), "q", "p")) == "p*(1 - p)"
    assert to_text(derivative(parse("sigmoid(q)"), "q")) == "sigmoid(q)*(1 - sigmoid(q))"


def test_printed_formulas_parse_back_to_the_same_value():
    # a formula shown to a student is itself valid bpcalc arithmetic (where it uses no helper)
    values = {"x": 0.7, "t": 0.3, "a": 1.4, "b": 0.2, "s": 0.1, "z": 0.9, "w": -0.5, "y": 0.6}
    for src in ["-(t*log(x) + (1 - t)*log(1 - x))", "((t - x)**2 + (s - z)**2) / 3", "a**x",
                "x/(x*x + 1)", "-(t*log(x))", "0.5*(t - x)**2 * w"]:
        d = derivative(parse(src), "x")
        assert math.isclose(evaluate(parse(to_text(d)), values), evaluate(d, values), rel_tol=1e-12)


def test_json_formulas_of_a_softmax_layer():
    sol = bpcalc.solve(bpcalc.loads(network(two_layers("relu", "softmax", 2), [([0.5, -1.5], [0, 1])],
                                            "cross_entropy")))
    f = formulas(sol)
    assert f["out_o1", "net_o1"] == "out_o1*(1 - out_o1)"
    assert f["out_o1", "net_o2"] == "-(out_o1*out_o2)"
    assert json.dumps(local_formulas(sol))  # plain data
