"""The engine at scale and at its edges: a 100,000-node chain, repeated backward passes, names used
several times, `--round N`, and the SGD step."""

from __future__ import annotations

import math
import sys
import time

import pytest

import bpcalc
from bpcalc.engine import compile_problem
from bpcalc.numbers import round_half_up

from helpers import assert_gradients_match_fd, expression

N_CHAIN = 100_000


@pytest.fixture(scope="module")
def chain():
    # n_k = 0.5·n_(k−1) + x, so ∂n_N/∂x = Σ 0.5^k = 2(1 − 0.5^N) and ∂n_N/∂n_0 = 0.5^N
    lines = "\n".join(f"  n{k}: 0.5 * n{k - 1} + x" for k in range(1, N_CHAIN + 1))
    text = f"inputs: {{x: 0.25}}\nparams: {{n0: 3.0}}\ndefine:\n{lines}\n"
    start = time.perf_counter()
    problem = bpcalc.loads(text)
    return problem, time.perf_counter() - start


def test_long_chain_has_no_recursion_limit(chain):
    problem, load_seconds = chain
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # far below the chain's length: any recursion in the engine fails
    start = time.perf_counter()
    try:
        sol = bpcalc.solve(problem, step=True)
    finally:
        sys.setrecursionlimit(limit)
    # generous bounds: a regression to quadratic time would take minutes, not seconds
    assert load_seconds < 30 and time.perf_counter() - start < 30
    assert len(problem.lines) == N_CHAIN
    assert sol.gradients["x"] == pytest.approx(2.0, rel=1e-12)
    assert sol.gradients["n0"] == 0.0  # 0.5**100000 underflows: exactly what the product is
    assert sol.gradients[f"n{N_CHAIN // 2}"] == pytest.approx(0.5 ** (N_CHAIN // 2), abs=0)
    assert sol.values[f"n{N_CHAIN}"] == pytest.approx(0.5, rel=1e-12)  # the fixed point 2x
    assert sol.gradients[f"n{N_CHAIN - 1}"] == 0.5


def test_backward_twice_gives_the_same_gradients(chain):
    problem, _ = chain
    graph = compile_problem(problem)
    first = bpcalc.solve(problem, graph=graph)
    second = bpcalc.solve(problem, graph=graph)
    assert first.gradients == second.gradients
    assert first.local == second.local


def test_backward_twice_on_a_small_graph():
    p = expression({"a": 0.7, "b": -1.2}, {"u": "a*b", "v": "sigmoid(u) + u", "w": "v*u - a"})
    assert bpcalc.solve(p).gradients == bpcalc.solve(p).gradients


@pytest.mark.parametrize("src,x,derivative", [
    ("x*x", 1.7, lambda x: 2 * x),
    ("x*x*x", -0.6, lambda x: 3 * x * x),
    ("x/x", 2.5, lambda x: 0.0),
    ("x - x", 2.5, lambda x: 0.0),
    ("x + x + x", 2.5, lambda x: 3.0),
    ("sin(x) * cos(x)", 0.4, lambda x: math.cos(2 * x)),
])
def test_a_name_used_several_times_gets_the_summed_gradient(src, x, derivative):
    sol = bpcalc.solve(expression({"x": x}, {"y": src}))
    assert sol.gradients["x"] == pytest.approx(derivative(x), abs=1e-15, rel=1e-14)


def test_a_node_feeding_several_lines_sums_over_its_uses():
    # u feeds a, b and y directly: ∂y/∂u = 2u·... summed over the three paths
    p = expression({"x": 0.3}, {"u": "3*x", "a": "u*u", "b": "exp(u)", "y": "a + b + u"})
    sol = bpcalc.solve(p)
    u = 0.9
    assert sol.gradients["u"] == pytest.approx(2 * u + math.exp(u) + 1, rel=1e-14)
    assert sol.gradients["x"] == pytest.approx(3 * (2 * u + math.exp(u) + 1), rel=1e-14)
    assert_gradients_match_fd(p)


def test_lines_below_and_above_one_the_generated_pass_leaves_to_the_checked_one():
    # max of three has no branch in the generated reverse pass: it stops at m, the checked partials
    # do m, and the pass goes on below.  By hand, x = 2, w = 0.5: a = 1, m = max(1, 0.3, 0.5) = 1
    # (∂m/∂a = 1), y = m·x + w = 2.5; ∂y/∂w = x·(∂m/∂a·x) + 1 = 5, ∂y/∂x = m + x·(∂m/∂a·w) = 2
    p = expression({"x": 2.0, "w": 0.5}, {"a": "w * x", "m": "max(a, 0.3, x*w*w)", "y": "m * x + w"}, params=("w",))
    sol = bpcalc.solve(p)
    assert sol.values["y"] == 2.5
    assert sol.gradients["w"] == 5.0 and sol.gradients["x"] == 2.0 and sol.gradients["a"] == 2.0
    assert dict(sol.local["m"]) == {"a": 1.0, "x": 0.0, "w": 0.0}
    assert dict(sol.local["y"]) == {"m": 2.0, "x": 1.0, "w": 1.0}


def test_line_that_is_just_a_name():
    p = expression({"x": 0.3}, {"a": "x", "y": "a * a"})
    sol = bpcalc.solve(p)
    assert sol.gradients["a"] == pytest.approx(0.6) and sol.gradients["x"] == pytest.approx(0.6)


def test_output_that_is_not_the_last_line():
    p = expression({"x": 0.3}, {"a": "x * 2", "b": "a * 5"}, output="a")
    sol = bpcalc.solve(p)
    assert sol.loss == 0.6 and sol.gradients["x"] == 2.0 and sol.gradients["b"] == 0.0


# --- --round N ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("x,places,expected", [
    (0.125, 2, 0.13),    # half up, where round() gives 0.12
    (2.675, 2, 2.68),    # the float below 2.675: rounded as written, round() gives 2.67
    (0.5, 0, 1.0),
    (1.5, 0, 2.0),
    (-0.125, 2, -0.13),  # half away from zero, as a person rounds a negative number
    (0.57444, 2, 0.57),
    (0.591703, 2, 0.59),
])
def test_round_half_up(x, places, expected):
    assert round_half_up(x, places) == expected


def test_round_applies_to_activation_outputs_only():
    p = expression({"x": 0.125, "k": 2.675},
                   {"r": "relu(x)", "s": "sqrt(x * x)", "m": "max(x, 0)", "a": "abs(k)",
                    "z": "x * 1", "q": "r * 3", "e": "exp(x)", "y": "q + s + m + a + z + e"})
    sol = bpcalc.solve(p, round=2)
    v = sol.values
    assert v["r"] == 0.13 and v["s"] == 0.13 and v["e"] == 1.13  # activations: rounded
    assert v["m"] == 0.125 and v["a"] == 2.675 and v["z"] == 0.125  # not activations: exact
    assert v["q"] == 0.13 * 3  # computed exactly from the rounded value
    assert v["y"] == 0.13 * 3 + 0.13 + 0.125 + 2.675 + 0.125 + 1.13
    assert sol.unrounded["r"] == 0.125 and sol.unrounded["e"] == math.exp(0.125)
    assert "z" not in sol.unrounded and "m" not in sol.unrounded


def test_round_uses_the_rounded_output_in_the_derivative():
    # σ'(z) = out·(1 − out) with out rounded, as the slides compute 0.57 × (1 − 0.57) = 0.2451
    p = expression({"z": 0.3}, {"y": "sigmoid(z)"})
    assert bpcalc.solve(p, round=2).gradients["z"] == pytest.approx(0.57 * (1 - 0.57), rel=1e-15)
    p = expression({"z": 0.3}, {"y": "tanh(z)"})
    assert bpcalc.solve(p, round=2).gradients["z"] == pytest.approx(1 - 0.29 ** 2, rel=1e-15)


def test_command_line_round_wins_over_the_file():
    p = expression({"z": 0.3}, {"y": "sigmoid(z)"}, round=2)
    assert bpcalc.solve(p).values["y"] == 0.57
    assert bpcalc.solve(p, round=3).values["y"] == 0.574
    assert bpcalc.solve(p, round=0).values["y"] == 1.0


def test_without_round_nothing_is_rounded():
    p = expression({"z": 0.3}, {"y": "sigmoid(z)"})
    sol = bpcalc.solve(p)
    assert sol.values["y"] == 1 / (1 + math.exp(-0.3)) and sol.unrounded == {}


# --- the SGD step -------------------------------------------------------------------------------------


def test_step_updates_all_params_at_once_from_the_old_gradients():
    p = expression({"x": 2.0, "a": 0.5, "b": -0.3}, {"u": "a * x", "y": "(u * b - 1)**2"},
                   params=("a", "b"), lr=0.1)
    sol = bpcalc.solve(p, step=True)
    a, b, x = 0.5, -0.3, 2.0
    r = a * x * b - 1
    ga, gb = 2 * r * x * b, 2 * r * a * x
    assert sol.updated == {"a": pytest.approx(a - 0.1 * ga, rel=1e-15),
                           "b": pytest.approx(b - 0.1 * gb, rel=1e-15)}
    a2, b2 = a - 0.1 * ga, b - 0.1 * gb
    assert sol.loss_after == pytest.approx((a2 * x * b2 - 1) ** 2, rel=1e-14)


def test_lr_argument_overrides_the_file_and_default_is_half():
    p = expression({"a": 1.0}, {"y": "a * a"}, params=("a",), lr=0.1)
    assert bpcalc.solve(p, step=True).updated["a"] == pytest.approx(0.8)
    assert bpcalc.solve(p, step=True, lr=0.25).updated["a"] == pytest.approx(0.5)
    q = expression({"a": 1.0}, {"y": "a * a"}, params=("a",))
    assert bpcalc.solve(q, step=True).updated["a"] == pytest.approx(0.0)


def test_inputs_and_frozen_params_are_not_updated():
    p = expression({"x": 1.0, "a": 1.0, "b": 2.0}, {"y": "a * b * x"}, params=("a", "b"),
                   frozen="[b]")
    sol = bpcalc.solve(p, step=True)
    assert set(sol.updated) == {"a"} and sol.gradients["b"] == 1.0 and sol.gradients["x"] == 2.0



# --- numbers as people write them ----------------------------------------------------------------------


@pytest.mark.parametrize("written,value", [("1e-3", 1e-3), ("2E5", 2e5), ("-5e-7", -5e-7),
                                           ("1.5e+2", 150.0), ("+3", 3.0)])
def test_numbers_in_exponent_notation(written, value):
    # YAML 1.1 reads `1e-3` (no dot) as a string; a user writing `lr: 1e-3` means a number
    p = bpcalc.loads(f"inputs: {{x: {written}}}\nparams: {{w: {written}}}\n"
                     f"define:\n  y: x * w\nlr: {written.lstrip('-')}\n")
    assert p.inputs["x"] == value and p.params["w"] == value and p.lr == abs(value)


def test_quoted_numbers_stay_strings():
    with pytest.raises(bpcalc.InputError, match="must be a number"):
        bpcalc.loads("inputs: {x: '1e-3'}\ndefine:\n  y: x * 2\n")
