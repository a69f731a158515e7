"""The engine (its generated loops with the table's arithmetic inlined, the reused graph) gives the
numbers of a reference reverse pass written here over each line's tree with the op table's values
and partials only (ops.FORWARD, ops.partial_value), bit for bit, and of central differences.  And a
100,000-node chain solves (no recursion)."""

from __future__ import annotations

import dataclasses
import gc
import math
import random
import weakref

import pytest

import bpcalc
from bpcalc.errors import InputError, MathError
from bpcalc.expr import Bin, Call, Name, Neg, Num
from bpcalc.numbers import round_half_up
from bpcalc.ops import FORWARD, ROUNDED, cancelled, partial_value
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


def value(e, env, places=None):
    """The forward value; with `places`, the functions in ops.ROUNDED are rounded as --round does."""
    if isinstance(e, Num):
        return e.value
    if isinstance(e, Name):
        return env[e.id]
    if isinstance(e, Neg):
        return FORWARD["neg"](value(e.x, env, places))
    if isinstance(e, Bin):
        return FORWARD[e.op](value(e.a, env, places), value(e.b, env, places))
    v = FORWARD[e.fn](*[value(a, env, places) for a in e.args])
    return round_half_up(v, places) if places is not None and e.fn in ROUNDED else v


def back(e, g, env, found, places=None):
    """The general path: ∂/∂ of every argument from ops.partials, in the tape's reverse order
    (a node's named arguments first, then its subexpressions last to first); zero adjoints skipped."""
    if isinstance(e, (Num, Name)) or g == 0.0:
        return
    kids = (e.x,) if isinstance(e, Neg) else (e.a, e.b) if isinstance(e, Bin) else e.args
    op = "neg" if isinstance(e, Neg) else e.op if isinstance(e, Bin) else e.fn
    argvals = tuple(value(k, env, places) for k in kids)
    out = value(e, env, places)  # a constant argument's partial is never needed (nor always defined)
    ds = [0.0 if isinstance(k, Num) else partial_value(op, i, argvals, out) for i, k in enumerate(kids)]
    for k, d in zip(kids, ds):
        if isinstance(k, Name):  # a name's contributions cancel as by hand (ops.cancelled)
            found[k.id] = cancelled(found[k.id] + g * d, found[k.id], g * d)
    for k, d in reversed(list(zip(kids, ds))):
        if not isinstance(k, (Name, Num)):
            back(k, 0.0 + g * d, env, found, places)


def reference(problem: Problem, places=None):
    env = dict(problem.leaves)
    for line in problem.lines:
        env[line.name] = value(line.expr, env, places)
    local = {}
    for line in problem.lines:
        from bpcalc.expr import names_in

        found = dict.fromkeys(names_in(line.expr), 0.0)
        if isinstance(line.expr, Name):
            found[line.expr.id] += 1.0
        else:
            back(line.expr, 1.0, env, found, places)
        local[line.name] = list(found.items())
    grad = dict.fromkeys(env, 0.0)
    grad[problem.output] = 1.0
    for line in reversed(problem.lines):
        g = grad[line.name]
        if g != 0.0:
            for u, d in local[line.name]:
                grad[u] += g * d
    return env, local, grad


@pytest.mark.parametrize("seed", range(100))
def test_the_engine_gives_the_reference_numbers_bit_for_bit(seed):
    problem = random_problem(seed)
    try:
        sol = bpcalc.solve(problem)
    except MathError:
        pytest.skip("a random expression outside its domain")
    values, local, grad = reference(problem)
    assert repr(sol.values) == repr(values)
    assert repr(sorted(sol.local.items())) == repr(sorted(local.items()))
    assert repr(sol.gradients) == repr(grad)


@pytest.mark.parametrize("seed", range(0, 300, 6))
def test_rounded_solves_give_the_references_numbers_bit_for_bit(seed):
    problem = random_problem(seed)
    try:
        sol = bpcalc.solve(problem, round=3)
    except MathError:
        pytest.skip("a random expression outside its domain")
    values, local, grad = reference(problem, 3)
    assert repr(sol.values) == repr(values)
    assert repr(sorted(sol.local.items())) == repr(sorted(local.items()))
    assert repr(sol.gradients) == repr(grad)


def test_solving_a_changed_problem_again_uses_the_change():
    # solve() keeps the last compiled graph; every kind of change must still be seen
    problem = Problem("<p>", {"x": 2.0}, {"a": 3.0}, [Line("y", Bin("*", Name("a"), Name("x")), "a * x")], "y")
    assert bpcalc.solve(problem).gradients["a"] == 2.0
    problem.params["a"] = 5.0  # a new value
    assert bpcalc.solve(problem).values["y"] == 10.0
    problem.lines[0] = Line("y", Bin("+", Name("a"), Name("x")), "a + x")  # a new formula
    assert bpcalc.solve(problem).values["y"] == 7.0
    problem.lines.append(Line("z", Bin("*", Name("y"), Name("y")), "y * y"))  # a new line
    problem.output = "z"
    sol = bpcalc.solve(problem)
    assert sol.values["z"] == 49.0 and sol.gradients["a"] == 14.0
    problem.inputs["w"] = 1.0  # a new leaf
    problem.lines[1] = Line("z", Bin("*", Name("y"), Name("w")), "y * w")
    assert bpcalc.solve(problem).gradients["w"] == 7.0
    other = dataclasses.replace(problem, params={"a": 1.0})
    assert bpcalc.solve(other).values["z"] == 3.0 and bpcalc.solve(problem).values["z"] == 7.0
    renamed = dataclasses.replace(problem, inputs={"v": 1.0})
    with pytest.raises(InputError):  # 'w' is no longer defined: compiled afresh, not reused
        bpcalc.solve(renamed)


def test_a_large_graph_lives_only_as_long_as_its_solutions():
    lines = [Line(f"v{i}", Bin("+", Name(f"v{i - 1}" if i else "x"), Name("x")), "") for i in range(20_000)]
    sol = bpcalc.solve(Problem("<chain>", {"x": 1.0}, {}, lines, "v19999"))
    assert sol.values["v19999"] == 20_001.0
    graph = weakref.ref(sol.graph)
    del sol
    gc.collect()
    assert graph() is None


def test_an_overflow_is_named_where_it_happens_not_where_it_breaks_something_later():
    # x*x overflows to inf; sin(inf) would raise in the unchecked loop: the message names x*x
    lines = [Line("u", Bin("*", Name("x"), Name("x")), "x * x"), Line("v", Call("sin", (Name("u"),)), "sin(u)")]
    problem = Problem("<p>", {"x": 1e200}, {}, lines, "v")
    with pytest.raises(MathError, match="overflows in 'u: x \\* x'"):
        bpcalc.solve(problem)
    problem.lines.pop()  # and with nothing after it to trip on
    problem.output = "u"
    with pytest.raises(MathError, match="overflows in 'u: x \\* x'"):
        bpcalc.solve(problem)


def test_a_solution_lists_local_derivatives_last_line_first():
    problem = random_problem(7)
    sol = bpcalc.solve(problem)
    assert list(sol.local) == [line.name for line in reversed(problem.lines)]
    assert len(sol.tape_values) == len(sol.graph.op)


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
