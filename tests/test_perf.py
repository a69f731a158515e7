"""The engine's fast paths (inline arithmetic, one-primitive lines) give the numbers of the general
path: a reference reverse pass written here over each line's tree with ops.FORWARD and ops.partials
only, compared bit for bit, and central differences.  And a 100,000-node chain solves (no recursion)."""

from __future__ import annotations

import math
import random

import pytest

import bpcalc
from bpcalc.errors import MathError
from bpcalc.expr import Bin, Call, Name, Neg, Num
from bpcalc.ops import FORWARD, partials
from bpcalc.problem import Line, Problem
from helpers import assert_gradients_match_fd

UNARY = ["sigmoid", "tanh", "sin", "relu", "abs"]


def random_expr(rng: random.Random, names: list[str], depth: int):
    if depth == 0 or rng.random() < 0.3:
        return Name(rng.choice(names)) if rng.random() < 0.85 else Num(round(rng.uniform(-2, 2), 2))
    kind = rng.random()
    if kind < 0.6:
        op = rng.choice(["+", "-", "*", "*", "/"])
        b = random_expr(rng, names, depth - 1)
        if op == "/":  # keep denominators away from zero
            b = Bin("+", Num(3.0), Call("sigmoid", (b,)))
        return Bin(op, random_expr(rng, names, depth - 1), b)
    if kind < 0.75:
        return Neg(random_expr(rng, names, depth - 1))
    if kind < 0.85:
        return Bin("**", random_expr(rng, names, depth - 1), Num(2.0))
    return Call(rng.choice(UNARY), (random_expr(rng, names, depth - 1),))


def random_problem(seed: int) -> Problem:
    rng = random.Random(seed)
    params = {f"p{i}": round(rng.uniform(-1, 1), 3) for i in range(rng.randint(1, 4))}
    names = list(params)
    lines = []
    for i in range(rng.randint(1, 6)):
        lines.append(Line(f"u{i}", random_expr(rng, names, rng.randint(0, 3)), f"u{i}"))
        names.append(f"u{i}")
    return Problem("<random>", {}, params, lines, lines[-1].name)


def value(e, env):
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Name):
        return env[e.id]
    if isinstance(e, Neg):
        return FORWARD["neg"](value(e.x, env))
    if isinstance(e, Bin):
        return FORWARD[e.op](value(e.a, env), value(e.b, env))
    return FORWARD[e.fn](*[value(a, env) for a in e.args])


def back(e, g, env, found):
    """The general path: ∂/∂ of every argument from ops.partials, in the tape's reverse order
    (a node's named arguments first, then its subexpressions last to first); zero adjoints skipped."""
    if isinstance(e, (Num, Name)) or g == 0.0:
        return
    kids = (e.x,) if isinstance(e, Neg) else (e.a, e.b) if isinstance(e, Bin) else e.args
    op = "neg" if isinstance(e, Neg) else e.op if isinstance(e, Bin) else e.fn
    ds = partials(op, tuple(value(k, env) for k in kids), value(e, env))
    for k, d in zip(kids, ds):
        if isinstance(k, Name):
            found[k.id] += g * d
    for k, d in reversed(list(zip(kids, ds))):
        if not isinstance(k, (Name, Num)):
            back(k, 0.0 + g * d, env, found)


def reference(problem: Problem):
    env = dict(problem.leaves)
    for line in problem.lines:
        env[line.name] = value(line.expr, env)
    local = {}
    for line in problem.lines:
        from bpcalc.expr import names_in

        found = dict.fromkeys(names_in(line.expr), 0.0)
        if isinstance(line.expr, Name):
            found[line.expr.id] += 1.0
        else:
            back(line.expr, 1.0, env, found)
        local[line.name] = list(found.items())
    grad = dict.fromkeys(env, 0.0)
    grad[problem.output] = 1.0
    for line in reversed(problem.lines):
        g = grad[line.name]
        if g != 0.0:
            for u, d in local[line.name]:
                grad[u] += g * d
    return env, local, grad


@pytest.mark.parametrize("seed", range(300))
def test_fast_paths_give_the_general_paths_numbers_bit_for_bit(seed):
    problem = random_problem(seed)
    try:
        sol = bpcalc.solve(problem)
    except MathError:
        pytest.skip("a random expression outside its domain")
    values, local, grad = reference(problem)
    assert repr(sol.values) == repr(values)
    assert repr(sorted(sol.local.items())) == repr(sorted(local.items()))
    assert repr(sol.gradients) == repr(grad)


@pytest.mark.parametrize("seed", range(0, 300, 10))
def test_fast_paths_agree_with_finite_differences(seed):
    problem = random_problem(seed)
    try:
        bpcalc.solve(problem)
    except MathError:
        pytest.skip("a random expression outside its domain")
    if any(isinstance(e.expr, Call) and e.expr.fn in ("relu", "abs") for e in problem.lines):
        pytest.skip("a kink: finite differences do not apply")
    assert_gradients_match_fd(problem)


def test_a_100000_node_chain_of_every_inline_primitive_solves():
    # v_i = -(v_(i-1) * a - b) / c + 0.5: *, -, neg, /, + in each line, 20,000 lines
    lines, prev = [], "x"
    for i in range(20_000):
        e = Bin("+", Bin("/", Neg(Bin("-", Bin("*", Name(prev), Name("a")), Name("b"))), Name("c")), Num(0.5))
        lines.append(Line(f"v{i}", e, f"v{i}"))
        prev = f"v{i}"
    problem = Problem("<chain>", {"x": 1.0}, {"a": 0.5, "b": 0.25, "c": 2.0}, lines, prev)
    sol = bpcalc.solve(problem)
    # v = -(v·a − b)/c + 1/2 = −v/4 + 5/8 has the fixed point 1/2 and dv_i/dv_(i-1) = −1/4
    assert sol.values[prev] == pytest.approx(0.5, rel=1e-12)
    assert sol.gradients[f"v{19_998}"] == -0.25
    assert sol.gradients[f"v{19_997}"] == 0.0625
    assert math.isfinite(sol.gradients["a"])
