"""The op table is the one place a primitive is defined, and everything reads it.

* every partial of every primitive, at several points, against central differences of the
  table's own value function — and against an independent value written here with `math`;
* every printed formula (the symbolic derivative, written out as text and parsed back) takes the
  value of the table's partial;
* a partial replaced through the engine configuration changes every gradient that depends on it,
  on every path of the engine (closed forms, the generated reverse pass, the general loop);
* every renderer formats a trace made by hand, without any Solution;
* the source compiled from the table holds no text of the user's;
* gelu, silu and elu — added as table records only — work in files, networks and every format.
"""

from __future__ import annotations

import ast
import math
import re

import pytest

import bpcalc
from bpcalc.engine import Config
from bpcalc.expr.parser import Vocabulary, parse
from bpcalc.expr.tree import Call, Name, Num, to_text
from bpcalc.ops import TABLE, DomainError, kernels, lookup, partials, value
from bpcalc.ops.formulas import params
from bpcalc.render import FORMATS, Options, render
from bpcalc.symbolic import evaluate, local_partial
from bpcalc.trace import build
from bpcalc.trace.steps import (
    Backward,
    ChainRule,
    Computed,
    Forward,
    Given,
    Leaf,
    Local,
    Loss,
    LossAfter,
    NodeGradient,
    Path,
    PathSum,
    Result,
    Seed,
    Term,
    Trace,
    Update,
    UpdateStep,
)

from helpers import EXAMPLES, assert_gradients_match_fd, expression


def phi(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def sig(z):
    return 1 / (1 + math.exp(-z))


# an independent value for every primitive a file can reach, and where to look at it
POINTS = [-2.5, -0.7, -0.05, 0.3, 1.1, 3.0]
POSITIVE = [0.05, 0.4, 1.7, 6.0]
INDEPENDENT = {
    "*": (lambda a, b: a * b, POINTS, 2), "+": (lambda a, b: a + b, POINTS, 2),
    "-": (lambda a, b: a - b, POINTS, 2), "/": (lambda a, b: a / b, POSITIVE, 2),
    "neg": (lambda a: -a, POINTS, 1), "id": (lambda a: a, POINTS, 1),
    "**": (lambda a, b: a ** b, POSITIVE, 2),
    "sigmoid": (sig, POINTS, 1), "tanh": (math.tanh, POINTS, 1), "relu": (lambda x: max(x, 0.0), POINTS, 1),
    "leaky_relu": (lambda x, s: x if x > 0 else s * x, POINTS, 2),
    "elu": (lambda x, a: x if x > 0 else a * (math.exp(x) - 1), POINTS, 2),
    "gelu": (lambda x: x * phi(x), POINTS, 1), "silu": (lambda x: x * sig(x), POINTS, 1),
    "softplus": (lambda x: math.log(1 + math.exp(x)), POINTS, 1), "exp": (math.exp, POINTS, 1),
    "log": (math.log, POSITIVE, 1), "sqrt": (math.sqrt, POSITIVE, 1), "abs": (abs, POINTS, 1),
    "sin": (math.sin, POINTS, 1), "cos": (math.cos, POINTS, 1),
    "max": (lambda *xs: max(xs), POINTS, 3), "min": (lambda *xs: min(xs), POINTS, 3),
    "Phi": (phi, POINTS, 1), "phi": (lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi), POINTS, 1),
}


def arguments(name, points, n):
    """Points for each argument, away from kinks and ties (the partials there are conventions)."""
    rows = []
    for k, x in enumerate(points):
        row = [x] + [points[(k + 1 + j) % len(points)] * (0.9 + 0.13 * j) for j in range(n - 1)]
        if name in ("leaky_relu", "elu"):
            row[1] = 0.2 + 0.1 * k  # a slope / an α
        rows.append(tuple(row))
    return rows


def test_every_primitive_a_file_can_reach_is_checked_here():
    # stop(x) is x with a derivative of 0 by definition, not a function's: tests/test_ops.py
    # differences the detached graph it makes
    reachable = {p.name for p in TABLE if p.kind in ("operator", "function") and not p.detached} | {"Phi", "phi"}
    assert reachable <= set(INDEPENDENT)


@pytest.mark.parametrize("name", sorted(INDEPENDENT))
def test_value_and_every_partial_against_central_differences(name):
    independent, points, n = INDEPENDENT[name]
    f = value(lookup(name))
    for args in arguments(name, points, n):
        out = f(*args)
        assert out == pytest.approx(independent(*args), rel=1e-12, abs=1e-15), args
        ds = partials(name, args, out)
        for i in range(n):
            h = 1e-6 * max(1.0, abs(args[i]))
            up = list(args)
            down = list(args)
            up[i] += h
            down[i] -= h
            fd = (independent(*up) - independent(*down)) / (2 * h)
            assert ds[i] == pytest.approx(fd, rel=1e-6, abs=1e-7), (name, args, i, ds[i], fd)


FORMULA_NAMES = Vocabulary({p.name: p.arity for p in TABLE if p.kind != "operator"}, {})


@pytest.mark.parametrize("name", sorted(p.name for p in TABLE if p.partials and p.kind != "vector"))
def test_every_printed_partial_takes_the_kernels_value(name):
    # the formula as symbolic.py writes it for a call on names, printed as text, read back and
    # evaluated: equal to the engine's kernel at the same point
    p = lookup(name)
    n = len(p.params) if not p.variadic else 3
    placeholders = [f"u{i}" for i in range(n)]
    call = Call(name, tuple(Name(u) for u in placeholders)) if p.kind != "operator" else (
        parse(f"u0 {name} u1", FORMULA_NAMES) if n == 2 else parse("-u0" if name == "neg" else "(u0)",
                                                                     FORMULA_NAMES))
    independent, points, _ = INDEPENDENT.get(name, (None, POSITIVE, n))
    for args in arguments(name, points, n)[:3]:
        values = dict(zip(placeholders, args))
        out = value(p)(*args)
        values["y"] = out
        for i in range(n):
            if name == "id":
                continue
            printed = to_text(local_partial(call, i, Name("y")))
            got = evaluate(parse(printed, FORMULA_NAMES), values)
            assert got == pytest.approx(partials(name, args, out)[i], rel=1e-12, abs=1e-15), (name, printed)


@pytest.mark.parametrize("fn,formula", [
    ("gelu", "Phi(x) + x*phi(x)"), ("silu", "sigmoid(x)*(1 + x*(1 - sigmoid(x)))"),
    ("elu", "leaky_step(x, y + 1)"), ("sigmoid", "y*(1 - y)"), ("tanh", "1 - y**2"), ("relu", "step(x)"),
])
def test_the_json_formula_of_each_activation_is_the_tables(fn, formula):
    sol = bpcalc.solve(expression({"x": 0.4}, {"y": f"{fn}(x)"}))
    data = __import__("json").loads(render(build(sol, "grad"), "json"))
    assert data["local"] == [{"of": "y", "wrt": "x", "formula": formula, "value": sol.local["y"][0][1]}]


# --- the engine configuration ---------------------------------------------------------------------------


SEED002 = EXAMPLES / "blog_2_2_2.yaml"


def test_a_replaced_partial_changes_every_gradient_below_it():
    # σ′ taken at net instead of out (a student's mistake): computed here independently for
    # seed 002, with plain floats, and compared with the engine run under the configuration
    problem = bpcalc.load(str(SEED002))
    textbook = bpcalc.solve(problem)
    wrong = bpcalc.solve(problem, config=Config(partials={"sigmoid": ("x*(1 - x)",)}))
    v = textbook.values
    d = {}
    for o, t in (("o1", 0.01), ("o2", 0.99)):
        d[o] = -(t - v[f"out_{o}"]) * v[f"net_{o}"] * (1 - v[f"net_{o}"])
    w = problem.params
    for h, (wa, wb) in (("h1", ("w5", "w7")), ("h2", ("w6", "w8"))):
        d[h] = (d["o1"] * w[wa] + d["o2"] * w[wb]) * v[f"net_{h}"] * (1 - v[f"net_{h}"])
    expected = {"w5": d["o1"] * v["out_h1"], "w6": d["o1"] * v["out_h2"], "w7": d["o2"] * v["out_h1"],
                "w8": d["o2"] * v["out_h2"], "w1": d["h1"] * 0.05, "w2": d["h1"] * 0.10,
                "w3": d["h2"] * 0.05, "w4": d["h2"] * 0.10}
    for name, want in expected.items():
        assert wrong.gradients[name] == pytest.approx(want, rel=1e-12), name
        assert wrong.gradients[name] != pytest.approx(textbook.gradients[name], rel=1e-3), name
    assert wrong.values == textbook.values  # a derivative changed, not a value


@pytest.mark.parametrize("src,z", [("sigmoid(w*x + b)", 0.25), ("sigmoid(w*x) + 0*b", 0.15),
                                   ("sigmoid(w*x + b) * 1", 0.25)])
def test_a_replaced_partial_reaches_every_path_of_the_engine(src, z):
    # a closed form (a sum inside σ) and the reverse pass over a line alike
    problem = expression({"x": 0.5, "w": 0.3, "b": 0.1}, {"y": src}, params=("w", "b"))
    plain = bpcalc.solve(problem).gradients["w"]
    left_out = bpcalc.solve(problem, config=Config(partials={"sigmoid": ("1",)})).gradients["w"]
    at_net = bpcalc.solve(problem, config=Config(partials={"sigmoid": ("x*(1 - x)",)})).gradients["w"]
    assert plain == pytest.approx(0.5 * sig(z) * (1 - sig(z)), rel=1e-12)
    assert left_out == pytest.approx(0.5, rel=1e-12)  # ∂(w·x + b)/∂w alone
    assert at_net == pytest.approx(0.5 * z * (1 - z), rel=1e-12)


def test_a_replacement_can_be_limited_to_some_lines():
    problem = bpcalc.load(str(SEED002))
    textbook = bpcalc.solve(problem)
    only_h1 = bpcalc.solve(problem, config=Config(partials={"sigmoid": ("1",)}, at=frozenset({"out_h1"})))
    assert only_h1.gradients["w5"] == textbook.gradients["w5"]  # above out_h1: untouched
    assert only_h1.gradients["w3"] == textbook.gradients["w3"]  # h2's weights: untouched
    v = textbook.values
    assert only_h1.gradients["w1"] == pytest.approx(textbook.gradients["out_h1"] * 0.05, rel=1e-12)
    assert v["out_h1"] != 0.5


def test_edges_pins_and_the_update_rule():
    problem = bpcalc.load(str(SEED002))
    textbook = bpcalc.solve(problem, step=True)
    g = textbook.gradients
    local = dict(textbook.local["net_o2"])
    # one path left out: ∂E/∂out_h1 keeps only the path through o1
    cut = bpcalc.solve(problem, config=Config(edges={("net_o2", "out_h1"): 0.0}))
    assert cut.gradients["out_h1"] == pytest.approx(g["net_o1"] * 0.40, rel=1e-12)
    assert cut.gradients["out_h1"] == pytest.approx(g["out_h1"] - g["net_o2"] * local["out_h1"], rel=1e-9)
    # a forward value pinned: everything after it follows from the pinned number
    pinned = bpcalc.solve(problem, config=Config(pins={"out_o1": 0.8}))
    assert pinned.values["out_o1"] == 0.8
    assert pinned.values["E_total"] == pytest.approx(0.5 * (0.01 - 0.8) ** 2 + 0.5 * (0.99 - textbook.values[
        "out_o2"]) ** 2, rel=1e-12)
    assert pinned.gradients["out_o1"] == pytest.approx(-(0.01 - 0.8), rel=1e-12)
    # a gradient pinned
    fixed = bpcalc.solve(problem, config=Config(gradient_pins={"out_o1": 1.0}))
    assert fixed.gradients["net_o1"] == pytest.approx(dict(textbook.local["out_o1"])["net_o1"], rel=1e-12)
    # the update added instead of subtracted, η left out, η applied twice: θ − η·g written otherwise
    added = bpcalc.solve(problem, step=True, config=Config(update=bpcalc.engine.added))
    assert added.updated["w5"] == pytest.approx(0.40 + 0.5 * g["w5"], rel=1e-12)
    assert textbook.updated["w5"] == pytest.approx(0.40 - 0.5 * g["w5"], rel=1e-12)
    no_lr = bpcalc.solve(problem, step=True, config=Config(update=bpcalc.engine.without_lr))
    assert no_lr.updated["w5"] == pytest.approx(0.40 - g["w5"], rel=1e-12)
    twice = bpcalc.solve(problem, step=True, config=Config(update=bpcalc.engine.lr_twice))
    assert twice.updated["w5"] == pytest.approx(0.40 - 0.25 * g["w5"], rel=1e-12)


def test_a_replacement_may_only_use_the_primitives_own_names():
    problem = bpcalc.load(str(SEED002))
    with pytest.raises(ValueError, match="may use x and out, not w5"):
        bpcalc.solve(problem, config=Config(partials={"sigmoid": ("w5",)}))


# --- renderers take a trace, nothing else ----------------------------------------------------------------


def hand_made_trace() -> Trace:
    """y = w·x, loss = ½(t − y)² at w = 2, x = 3, t = 1, as a trace typed in by hand."""
    local_y = Local("y", "w", Name("x"), Num(3.0), 3.0)
    local_loss = Local("loss", "y", parse("-(t - y)", FORMULA_NAMES), parse("-(1 - 6)", FORMULA_NAMES), 5.0)
    steps = (
        Given((Leaf("x", 3.0, "input"), Leaf("t", 1.0, "input"), Leaf("w", 2.0, "param")), 0.1, None),
        Forward((Computed("y", parse("w*x", FORMULA_NAMES), parse("2*3", FORMULA_NAMES), 6.0, None),)),
        Loss(Computed("loss", parse("0.5*(t - y)**2", FORMULA_NAMES), parse("0.5*(1 - 6)**2", FORMULA_NAMES),
                      12.5, None)),
        Backward("loss", (Seed("loss"), NodeGradient("y", 5.0, (Term("loss", 1.0, local_loss),)),
                          NodeGradient("w", 15.0, (Term("y", 5.0, local_y),)))),
        ChainRule("loss", (PathSum("w", (Path(("loss", "y", "w"), (5.0, 3.0), 15.0),), 15.0),)),
        UpdateStep("loss", 0.1, "sgd", (), 1, (Update("w", 2.0, 15.0, 0.5),)),
        LossAfter("loss", 0.28125),
    )
    result = Result("loss", 12.5, {"x": 3.0, "t": 1.0, "w": 2.0, "y": 6.0, "loss": 12.5}, 0.1, None,
                    {"loss": 1.0, "y": 5.0, "w": 15.0, "x": 10.0, "t": -5.0}, (local_loss, local_y), {},
                    {"w": 0.5}, 0.28125)
    return Trace("step", "loss", "<by hand>", steps, result)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_renderer_formats_a_trace_made_by_hand(fmt):
    out = render(hand_made_trace(), fmt, Options(standalone=True))
    plain = re.sub(r"<[^>]+>|\x1b\[[0-9;]*m|\\[a-z]+|[{}$]", "", out)
    for number in ("12.5", "15", "0.28125", "0.5"):
        assert number in plain, (fmt, number)


# --- what reaches compile ---------------------------------------------------------------------------------


def test_compiled_source_holds_nothing_a_user_wrote(tmp_path):
    # names a user might pick that are also Python's: none may appear in generated source
    text = ("inputs: {os: 0.5, system: 2, exec_: 1}\nparams: {eval_me: 0.3}\n"
            "define:\n  open_: gelu(eval_me * os) + silu(system) * elu(exec_ - 3, 0.5)\n"
            + "".join(f"  open_{i}: elu({'open_' if i == 1 else f'open_{i - 1}'} * os - 3, 0.5) + system\n"
                      for i in range(1, 5))
            + "  loss: max(open_, 0.1, 2.5 * os) ** 2\n")
    before = len(kernels.SOURCES)
    sol = bpcalc.solve(bpcalc.loads(text), step=True)
    assert math.isfinite(sol.gradients["eval_me"])
    made = kernels.SOURCES[before:]
    assert any("def line_partials(" in s for s in made)
    allowed = {"F_" + {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}.get(p.name, p.name)
               for p in TABLE}
    allowed |= {x for p in TABLE for x in p.params} | {f"x{i}" for i in range(1, 200)}
    allowed |= {"out", "other", "value", "kernel", "DomainError", "cancelled", "ZeroDivisionError",
                # the engine's generated loops
                "run", "line_partials", "low", "high", "start", "root", "uses", "parts", "node", "dict",
                "list", "ArithmeticError", "ValueError",
                "program", "vals", "raw", "places", "args", "const", "code", "t", "x", "y",
                "v", "a", "i", "INDEXED", "VALUE", "int", "ROUNDED", "round_half_up", "first", "last", "op",
                "found", "node_of_root", "adj", "range", "g", "CONST", "d", "u", "before", "share", "s",
                *[f"i{k}" for k in range(4)],
                # the optimisers' formulas (ops/optimizers.py)
                "theta", "lr", "momentum", "beta1", "beta2", "eps", "alpha", "m", "mhat", "vhat"}
    numbered = re.compile(r"[xi]\d+")  # the generated code's arguments
    assert kernels.SOURCES
    for source in kernels.SOURCES:
        tree = ast.parse(source)
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        names = {n for n in names if not numbered.fullmatch(n)}
        assert names <= allowed, (names - allowed, source)
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert strings <= {"division by zero"}, strings
        for word in ("os", "system", "exec_", "eval_me", "open_"):
            assert not re.search(rf"\b{word}\b", source), (word, source)


# --- gelu, silu and elu: table records alone -----------------------------------------------------------


@pytest.mark.parametrize("fn", ["gelu", "silu", "elu"])
def test_new_activations_in_expression_files(fn):
    for x in (-1.3, -0.2, 0.4, 2.2):
        p = expression({"x": x}, {"y": f"{fn}(3*x - 1)"})
        sol = bpcalc.solve(p)
        independent = INDEPENDENT[fn][0]
        want = independent(3 * x - 1) if fn != "elu" else independent(3 * x - 1, 1.0)
        assert sol.values["y"] == pytest.approx(want, rel=1e-12)
        assert_gradients_match_fd(p)


@pytest.mark.parametrize("act", ["gelu", "silu", "elu", {"elu": 0.5}, "swish"])
def test_new_activations_as_network_layers_in_every_format(act):
    from test_networks import network, two_layers

    text = network(two_layers(act, "sigmoid", 2), [([0.5, -1.5], [0.2, 0.7])], "half_sse")
    problem = bpcalc.loads(text)
    sol = bpcalc.solve(problem, step=True)
    assert_gradients_match_fd(problem)
    name = act if isinstance(act, str) else "elu"
    name = "silu" if name == "swish" else name
    trace = build(sol, "step")
    for fmt in FORMATS:
        if fmt == "json":
            continue
        out = render(trace, fmt, Options(standalone=True))
        assert ("GELU" if fmt in ("latex", "markdown") and name == "gelu" else name) in out, fmt
    derivative = {"gelu": "Phi(net_h1) + net_h1*phi(net_h1)", "elu": "leaky_step(net_h1, out_h1 + 1)",
                  "silu": "sigmoid(net_h1)*(1 + net_h1*(1 - sigmoid(net_h1)))"}[name]
    if act == {"elu": 0.5}:
        derivative = "leaky_step(net_h1, out_h1 + 0.5)"
    local = __import__("json").loads(render(trace, "json"))["local"]
    assert {"of": "out_h1", "wrt": "net_h1", "formula": derivative} in [
        {k: d[k] for k in ("of", "wrt", "formula")} for d in local]
    if act == {"elu": 0.5}:
        assert "elu(net_h1, 0.5)" in render(trace, "text")


def test_an_activation_parameter_only_where_the_table_gives_one():
    from test_networks import network, two_layers

    text = network(two_layers({"tanh": 0.5}, "sigmoid", 2), [([0.5, -1.5], [0.2, 0.7])], "half_sse")
    with pytest.raises(bpcalc.InputError, match="only leaky_relu and elu take a parameter"):
        bpcalc.loads(text)


def test_a_primitive_the_table_lacks_is_named():
    from bpcalc.engine import compile_problem
    from bpcalc.problem import Line, Problem

    problem = Problem("<p>", {"x": 1.0}, {}, [Line("y", Call("erf", (Name("x"),)), "erf(x)")], "y")
    with pytest.raises(KeyError, match="no primitive 'erf' in the op table"):
        compile_problem(problem)


def test_the_derivative_of_a_power_at_zero_says_it_is_infinite():
    with pytest.raises(bpcalc.MathError, match=r"the derivative of x\*\*0.5 at x = 0 is infinite"):
        bpcalc.solve(expression({"x": 0.0}, {"y": "x ** 0.5"}))
    with pytest.raises(DomainError):
        partials("sqrt", (0.0,), 0.0)


def test_placeholder_names_of_variadic_primitives():
    assert params(lookup("max"), 3) == ("x1", "x2", "x3")
