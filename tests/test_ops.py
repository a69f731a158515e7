"""Every function and operator: value against Python's math, derivative against central differences.

Points cover negative, near-zero and large arguments.  Kinks (relu, abs, leaky_relu at 0; max and
min at ties) are not differentiable, so finite differences are taken beside them (±1e-3), and the
conventions at the kink itself are checked on their own.  Tolerances: see tests/helpers.py.
"""

from __future__ import annotations

import math

import pytest

import bpcalc

from helpers import assert_gradients_match_fd, expression

POINTS = [-7.5, -2.0, -0.3, -1e-3, 1e-3, 0.4, 1.7, 12.0]
POSITIVE = [1e-3, 0.05, 0.9, 3.0, 250.0]


def sig(z):
    return 1 / (1 + math.exp(-z))


UNARY = {
    # name: (independent value, points)
    "sigmoid": (sig, POINTS),
    "tanh": (math.tanh, POINTS),
    "relu": (lambda z: max(z, 0.0), POINTS),
    "leaky_relu": (lambda z: z if z > 0 else 0.01 * z, POINTS),
    "exp": (math.exp, POINTS),
    "log": (math.log, POSITIVE),
    "sqrt": (math.sqrt, POSITIVE),
    "abs": (abs, POINTS),
    "sin": (math.sin, POINTS),
    "cos": (math.cos, POINTS),
    "softplus": (lambda z: math.log(1 + math.exp(z)), POINTS),
}


@pytest.mark.parametrize("fn", sorted(UNARY))
def test_unary_function_value_and_derivative(fn):
    reference, points = UNARY[fn]
    for x in points:
        p = expression({"x": x}, {"y": f"{fn}(x)"})
        sol = bpcalc.solve(p)
        assert sol.values["y"] == pytest.approx(reference(x), rel=1e-12, abs=1e-300)
        assert_gradients_match_fd(p)


def test_functions_compose_through_the_chain_rule():
    # a derivative that would be right alone but wrong inside a chain (du missing) shows up here
    for fn in UNARY:
        for x in (-0.8, 0.35, 1.9):
            inner = "(x*x + 0.5)" if fn in ("log", "sqrt") else "(3*x - 1)"
            assert_gradients_match_fd(expression({"x": x}, {"y": f"{fn}{inner}"}))


@pytest.mark.parametrize("slope", [0.1, 0.5, -0.2, 2.0])
def test_leaky_relu_with_two_arguments(slope):
    for x in (-4.0, -0.01, 0.01, 3.0):
        p = expression({"x": x, "a": slope}, {"y": "leaky_relu(x, a)"})
        sol = bpcalc.solve(p)
        assert sol.values["y"] == (x if x > 0 else slope * x)
        # ∂/∂a = x left of the kink, 0 right of it: both from finite differences
        assert_gradients_match_fd(p)


@pytest.mark.parametrize("fn,pick", [("max", max), ("min", min)])
def test_max_min_any_number_of_arguments(fn, pick):
    for xs in [(1.0, 2.0), (-3.0, -0.5), (0.2, 5.0, -1.0), (4.0, 1.0, 2.0, 3.0)]:
        leaves = {f"x{i}": v for i, v in enumerate(xs)}
        p = expression(leaves, {"y": f"{fn}({', '.join(leaves)})"})
        assert bpcalc.solve(p).values["y"] == pick(xs)
        assert_gradients_match_fd(p)


BINARY = [
    ("a + b", lambda a, b: a + b),
    ("a - b", lambda a, b: a - b),
    ("a * b", lambda a, b: a * b),
    ("a / b", lambda a, b: a / b),
]


@pytest.mark.parametrize("src,reference", BINARY)
def test_binary_operators(src, reference):
    for a, b in [(-3.0, 0.7), (0.001, -2.5), (12.0, 40.0), (-0.4, -0.02)]:
        p = expression({"a": a, "b": b}, {"y": src})
        assert bpcalc.solve(p).values["y"] == pytest.approx(reference(a, b), rel=1e-15)
        assert_gradients_match_fd(p)


@pytest.mark.parametrize("exponent", [2, 3, -1, -2, 0.5, 1.5])
def test_power_with_constant_exponent(exponent):
    points = [0.05, 0.9, 4.0] + ([-2.5, -0.3] if float(exponent).is_integer() else [])
    for a in points:
        p = expression({"a": a}, {"y": f"a ** {exponent}"})
        assert bpcalc.solve(p).values["y"] == pytest.approx(a ** exponent, rel=1e-14)
        assert_gradients_match_fd(p)


def test_power_with_variable_exponent():
    # ∂/∂b of a**b = a**b · ln a, only defined for a > 0
    for a, b in [(0.3, -1.5), (2.0, 0.5), (7.0, 3.2), (1.0, 4.0), (0.9, -0.01)]:
        p = expression({"a": a, "b": b}, {"y": "a ** b"})
        assert bpcalc.solve(p).values["y"] == pytest.approx(a ** b, rel=1e-14)
        assert_gradients_match_fd(p)


def test_power_of_a_negative_base_to_a_variable_exponent_is_a_clear_error():
    p = expression({"a": -2.0, "b": 2.0}, {"y": "a ** b"})
    with pytest.raises(bpcalc.MathError, match="negative base"):
        bpcalc.solve(p)


def test_unary_minus_and_caret():
    p = expression({"x": 1.5}, {"y": "-x**2 + x^3"})
    sol = bpcalc.solve(p)
    assert sol.values["y"] == -(1.5 ** 2) + 1.5 ** 3  # -x**2 is -(x**2), as in Python
    assert sol.gradients["x"] == pytest.approx(-2 * 1.5 + 3 * 1.5 ** 2, rel=1e-15)


@pytest.mark.parametrize("src,x,expected", [
    ("relu(x)", 0.0, 0.0),          # relu'(0) = 0
    ("abs(x)", 0.0, 0.0),           # abs'(0) = 0
    ("leaky_relu(x)", 0.0, 0.01),   # leaky_relu'(0) = slope
    ("leaky_relu(x, 0.2)", 0.0, 0.2),
    ("max(x, 0)", 0.0, 1.0),        # a tie: the first argument that attains the extreme
    ("min(0, x)", 0.0, 0.0),
])
def test_conventions_at_kinks(src, x, expected):
    sol = bpcalc.solve(expression({"x": x}, {"y": src}))
    assert sol.gradients["x"] == expected


@pytest.mark.parametrize("src,x", [("x / (x - 1)", 1.0), ("log(x)", 0.0), ("log(x)", -1.0),
                                    ("sqrt(x)", -0.5), ("exp(x)", 800.0), ("x ** -1", 0.0)])
def test_undefined_values_are_math_errors_naming_the_node(src, x):
    with pytest.raises(bpcalc.MathError) as info:
        bpcalc.solve(expression({"x": x}, {"y": src}))
    assert "'y" in info.value.message


def test_stable_extremes():
    # sigmoid and softplus far out must not overflow or lose the derivative's sign
    sol = bpcalc.solve(expression({"x": -700.0}, {"s": "sigmoid(x)", "p": "softplus(x)", "y": "s + p"}))
    assert 0 <= sol.values["s"] < 1e-300 and sol.values["p"] >= 0
    sol = bpcalc.solve(expression({"x": 700.0}, {"y": "softplus(x)"}))
    assert sol.values["y"] == 700.0 and sol.gradients["x"] == 1.0


@pytest.mark.parametrize("point", [(2.0, 3.0), (-0.7, 0.4), (1.5, -2.0)])
def test_stop_is_its_argument_with_no_gradient_through_it(point):
    # y = stop(u·u)·a + a·u, u = a·x: the detached graph holds stop(u·u) at its value c = (a·x)²,
    # so y(a, x) = c·a + a²·x, written here in plain Python and differenced with c held
    a, x = point
    problem = expression({"a": a, "x": x}, {"u": "a*x", "y": "stop(u*u)*a + a*u"}, params=("a",))
    sol = bpcalc.solve(problem)
    c = (a * x) ** 2

    def detached(a_: float, x_: float) -> float:
        return c * a_ + a_ * a_ * x_

    h = 1e-6
    assert sol.values["y"] == pytest.approx(detached(a, x), rel=1e-14)
    assert sol.gradients["a"] == pytest.approx((detached(a + h, x) - detached(a - h, x)) / (2 * h), rel=1e-7)
    assert sol.gradients["x"] == pytest.approx((detached(a, x + h) - detached(a, x - h)) / (2 * h), rel=1e-7)
    # and not the full graph's: there ∂y/∂a = 3a²x² + 2ax
    assert sol.gradients["a"] != pytest.approx(3 * a * a * x * x + 2 * a * x, rel=1e-3)
    # detach and stop_gradient are its other names; gradcheck differences the detached graph too
    same = expression({"a": a, "x": x}, {"u": "a*x", "y": "detach(u*u)*a + a*stop_gradient(u)"}, params=("a",))
    assert bpcalc.solve(same).gradients["a"] == pytest.approx(c + a * x, rel=1e-14)  # a·stop(u): stop(u) = a·x
    from bpcalc.engine.gradcheck import gradient_checks

    _, report = gradient_checks(problem)
    assert report.mismatches == 0 and all(check.ok for check in report.checks)
