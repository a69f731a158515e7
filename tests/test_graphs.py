"""Random expression graphs and random layered networks (hypothesis).

Two independent references: central finite differences through the forward pass, and sympy — the
same expression rebuilt in sympy from the parsed tree, differentiated symbolically and evaluated.
Random networks are also written out by hand as expression files (a lowering written here, not
bpcalc's) and must give the same numbers.
"""

from __future__ import annotations

import json
import math

import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import bpcalc
from bpcalc.expr import Bin, Call, Name, Neg, Num

from helpers import central_difference, fd_close

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# {p}, {q}, {r} are replaced by names defined earlier; every template keeps its function in its domain
TEMPLATES = [
    "{p} + {q}", "{p} - {q}", "{p} * {q}", "{p} / ({q}*{q} + 0.5)", "{p} ** 2", "{p} ** 3", "({p}*{p} + 0.5) ** {q}",
    "({p}*{p} + 0.25) ** -1.5", "-{p}", "2.5 * {p} - 0.7", "{p} * {q} + {r}",
    "sigmoid({p})", "tanh({p})", "relu({p})", "leaky_relu({p})", "leaky_relu({p}, {q})", "exp({p})",
    "log({p}*{p} + 0.5)", "sqrt({p}*{p} + 0.5)", "abs({p})", "sin({p})", "cos({p})", "softplus({p})",
    "max({p}, {q})", "min({p}, {q})", "max({p}, {q}, {r})", "min({p}, {q}, {r})", "{p} / {q}",
]
KINKED = ("relu", "leaky_relu", "abs", "max", "min")
LEAF_VALUE = st.floats(-2.0, 2.0, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@st.composite
def graphs(draw):
    n_leaves = draw(st.integers(1, 4))
    leaves = {f"a{k}": draw(LEAF_VALUE) for k in range(n_leaves)}
    names = list(leaves)
    lines: dict[str, str] = {}
    for k in range(draw(st.integers(1, 5))):
        template = draw(st.sampled_from(TEMPLATES))
        src = template.format(**{slot: draw(st.sampled_from(names)) for slot in "pqr"})
        name = f"n{k}"
        lines[name] = src
        names.append(name)
    params = tuple(name for name in leaves if draw(st.booleans()))
    return leaves, lines, params


def build(leaves, lines, params):
    ins = {k: v for k, v in leaves.items() if k not in params}
    ps = {k: v for k, v in leaves.items() if k in params}
    text = (f"inputs: {json.dumps(ins)}\nparams: {json.dumps(ps)}\ndefine:\n"
            + "".join(f"  {k}: {v}\n" for k, v in lines.items()))
    return bpcalc.loads(text)


def solvable(problem):
    """The solution, or a rejected example: undefined values and points within reach of a kink."""
    try:
        sol = bpcalc.solve(problem)
    except bpcalc.MathError:
        assume(False)
    assume(all(abs(v) < 1e4 for v in sol.values.values()))
    assume(all(abs(g) < 1e4 for g in sol.gradients.values()))
    for line in problem.lines:
        for e in _calls(line.expr):
            if e.fn in KINKED:
                args = [_plain_value(a, sol.values) for a in e.args]
                gaps = [abs(args[0])] if e.fn != "max" and e.fn != "min" else [
                    abs(x - y) for i, x in enumerate(args) for y in args[i + 1:]]
                assume(min(gaps) > 0.05)
    return sol


def _calls(e):
    stack = [e]
    while stack:
        e = stack.pop()
        if isinstance(e, Call):
            yield e
            stack.extend(e.args)
        elif isinstance(e, Bin):
            stack.extend((e.a, e.b))
        elif isinstance(e, Neg):
            stack.append(e.x)


def _plain_value(e, values):
    return float(to_sympy(e, {k: sympy.Float(v) for k, v in values.items()}))


# --- sympy: the same expression, built from the parsed tree -------------------------------------------


def to_sympy(e, env):
    if isinstance(e, Num):
        return sympy.Float(e.value, 30)
    if isinstance(e, Name):
        return env[e.id]
    if isinstance(e, Neg):
        return -to_sympy(e.x, env)
    if isinstance(e, Bin):
        a, b = to_sympy(e.a, env), to_sympy(e.b, env)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "**": a ** b}[e.op] if e.op != "**" \
            else sympy.Pow(a, b)
    args = [to_sympy(a, env) for a in e.args]
    u = args[0]
    fn = e.fn
    if fn == "sigmoid":
        return 1 / (1 + sympy.exp(-u))
    if fn == "relu":
        return sympy.Piecewise((u, u > 0), (0, True))
    if fn == "leaky_relu":
        slope = args[1] if len(args) > 1 else sympy.Float(0.01, 30)
        return sympy.Piecewise((u, u > 0), (slope * u, True))
    if fn == "softplus":
        return sympy.log(1 + sympy.exp(u))
    if fn in ("max", "min"):
        return (sympy.Max if fn == "max" else sympy.Min)(*args)
    return {"tanh": sympy.tanh, "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt,
            "abs": sympy.Abs, "sin": sympy.sin, "cos": sympy.cos}[fn](u)


def sympy_gradients(problem, sol):
    """∂output/∂name for every leaf and line: the line's value replaced by a free symbol."""
    out = {}
    leaf_syms = {k: sympy.Symbol(k, real=True) for k in problem.leaves}
    at = {leaf_syms[k]: sympy.Float(v, 30) for k, v in problem.leaves.items()}
    for target in list(problem.leaves) + [ln.name for ln in problem.lines]:
        env = dict(leaf_syms)
        free = sympy.Symbol("FREE", real=True)
        for line in problem.lines:
            env[line.name] = free if line.name == target else to_sympy(line.expr, env)
        if target in leaf_syms:
            free = leaf_syms[target]
        expr = env[problem.output] if problem.output != target else free
        point = dict(at)
        if target not in leaf_syms:
            point[free] = sympy.Float(sol.values[target], 30)
        out[target] = float(sympy.diff(expr, free).evalf(30, subs=point))
    return out


@SETTINGS
@given(graphs())
def test_random_graphs_vs_finite_differences(graph):
    problem = build(*graph)
    sol = solvable(problem)
    for name in problem.leaves:
        fd = central_difference(problem, name)
        # random compositions have larger curvature than the single functions: 1e-4 (see helpers)
        assert fd_close(sol.gradients[name], fd, scale=max(abs(fd), abs(sol.loss)), tol=1e-4), \
            (name, sol.gradients[name], fd)


@settings(SETTINGS, max_examples=60)
@given(graphs())
def test_random_graphs_vs_sympy(graph):
    problem = build(*graph)
    sol = solvable(problem)
    env = {k: sympy.Float(v, 30) for k, v in problem.leaves.items()}
    for line in problem.lines:
        env[line.name] = to_sympy(line.expr, env)
        # sympy evaluates in 30 digits; the engine in doubles: 1e-9 covers cancellation in sums
        assert math.isclose(sol.values[line.name], float(env[line.name]), rel_tol=1e-9, abs_tol=1e-9)
    for name, expected in sympy_gradients(problem, sol).items():
        assert math.isclose(sol.gradients[name], expected, rel_tol=1e-8, abs_tol=1e-9), \
            (name, sol.gradients[name], expected)


# --- random layered networks ----------------------------------------------------------------------------

HIDDEN_ACTS = ["sigmoid", "tanh", "relu", "leaky_relu", {"leaky_relu": 0.2}, "linear", "softplus"]
WEIGHT = st.floats(-2.0, 2.0, allow_nan=False).map(lambda w: round(w, 3))


@st.composite
def networks(draw):
    n_in = draw(st.integers(1, 3))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    loss = draw(st.sampled_from(["half_sse", "sse", "mse", "bce", "cross_entropy"]))
    if loss == "cross_entropy" and sizes[-1] == 1:
        sizes[-1] = 2
    layers = []
    prev = n_in
    for li, size in enumerate(sizes):
        last = li == len(sizes) - 1
        act = draw(st.sampled_from(HIDDEN_ACTS))
        if last and loss == "bce":
            act = "sigmoid"
        if last and loss == "cross_entropy":
            act = "softmax"
        layer = {"name": f"L{li}", "activation": act,
                 "weights": [[draw(WEIGHT) for _ in range(prev)] for _ in range(size)]}
        bias_kind = draw(st.sampled_from(["none", "list", "shared"]))
        if bias_kind == "list":
            layer["bias"] = [draw(WEIGHT) for _ in range(size)]
        elif bias_kind == "shared":
            layer["bias"] = draw(WEIGHT)
        layers.append(layer)
        prev = size
    n_out = sizes[-1]
    samples = []
    for _ in range(draw(st.integers(1, 2))):
        xs = [draw(WEIGHT) for _ in range(n_in)]
        if loss == "cross_entropy":
            raw = [draw(st.floats(0.05, 1.0)) for _ in range(n_out)]
            ts = [v / sum(raw) for v in raw]
        elif loss == "bce":
            ts = [draw(st.floats(0.0, 1.0)) for _ in range(n_out)]
        else:
            ts = [draw(WEIGHT) for _ in range(n_out)]
        samples.append((xs, ts))
    reduction = draw(st.sampled_from(["mean", "sum"]))
    return n_in, layers, loss, samples, reduction


def network_text(n_in, layers, loss, samples, reduction):
    doc = {"network": {"inputs": [f"x{k}" for k in range(n_in)], "layers": layers}, "loss": loss,
           "reduction": reduction}
    if len(samples) == 1:
        doc["sample"] = {"inputs": samples[0][0], "targets": samples[0][1]}
    else:
        doc["samples"] = [{"inputs": x, "targets": t} for x, t in samples]
    return json.dumps(doc)


def expression_text(n_in, layers, loss, samples, reduction):
    """The same network lowered by hand: param names follow docs/file-formats.md (w_<to>_<from>, b_<neuron>)."""
    params, lines, inputs = {}, [], {}
    neuron_names = []
    for layer in layers:
        n = len(layer["weights"])
        neuron_names.append([layer["name"]] if n == 1 else [f"{layer['name']}{j + 1}" for j in range(n)])
    prev_names = [f"x{k}" for k in range(n_in)]
    biases = []
    for layer, neurons in zip(layers, neuron_names):
        for j, row in enumerate(layer["weights"]):
            for k, w in enumerate(row):
                params[f"w_{neurons[j]}_{prev_names[k]}"] = w
        bias = layer.get("bias")
        if isinstance(bias, list):
            names = [f"b_{nm}" for nm in neurons]
            params.update(zip(names, bias))
        elif bias is not None:
            names = [f"b_{layer['name']}"] * len(neurons)
            params[names[0]] = bias
        else:
            names = [None] * len(neurons)
        biases.append(names)
        prev_names = neurons
    many = len(samples) > 1
    sample_losses = []
    for s, (xs, ts) in enumerate(samples, start=1):
        sfx = f"_s{s}" if many else ""
        prev = []
        for k, x in enumerate(xs):
            inputs[f"x{k}{sfx}"] = x
            prev.append(f"x{k}{sfx}")
        outs_t = []
        for neuron, t in zip(neuron_names[-1], ts):
            inputs[f"t_{neuron}{sfx}"] = t
            outs_t.append(f"t_{neuron}{sfx}")
        prev_plain = [f"x{k}" for k in range(n_in)]
        for layer, neurons, bs in zip(layers, neuron_names, biases):
            nets = []
            for j, neuron in enumerate(neurons):
                terms = [f"w_{neuron}_{prev_plain[k]} * {prev[k]}" for k in range(len(prev))]
                if bs[j]:
                    terms.append(bs[j])
                lines.append((f"net_{neuron}{sfx}", " + ".join(terms)))
                nets.append(f"net_{neuron}{sfx}")
            act = layer["activation"]
            outs = []
            for j, neuron in enumerate(neurons):
                net = nets[j]
                if act == "linear":
                    src = net
                elif act == "softmax":
                    src = f"exp({net}) / (" + " + ".join(f"exp({m})" for m in nets) + ")"
                elif isinstance(act, dict):
                    src = f"leaky_relu({net}, {act['leaky_relu']})"
                else:
                    src = f"{act}({net})"
                lines.append((f"out_{neuron}{sfx}", src))
                outs.append(f"out_{neuron}{sfx}")
            prev, prev_plain = outs, neurons
        pairs = list(zip(outs_t, prev))
        if loss == "half_sse":
            total = " + ".join(f"0.5 * ({t} - {o})**2" for t, o in pairs)
        elif loss in ("sse", "mse"):
            total = " + ".join(f"({t} - {o})**2" for t, o in pairs)
            if loss == "mse" and len(pairs) > 1:
                total = f"({total}) / {len(pairs)}"
        elif loss == "bce":
            total = "-(" + " + ".join(f"({t}*log({o}) + (1 - {t})*log(1 - {o}))" for t, o in pairs) + ")"
        else:
            total = "-(" + " + ".join(f"{t}*log({o})" for t, o in pairs) + ")"
        lines.append((f"loss{sfx}", total))
        sample_losses.append(f"loss{sfx}")
    if many:
        total = " + ".join(sample_losses)
        lines.append(("loss", f"({total}) / {len(samples)}" if reduction == "mean" else total))
    return (f"inputs: {json.dumps(inputs)}\nparams: {json.dumps(params)}\ndefine:\n"
            + "".join(f"  {k}: {v}\n" for k, v in lines) + "output: loss\n")


def solvable_network(problem):
    try:
        sol = bpcalc.solve(problem)
    except bpcalc.MathError:  # bce of a saturated sigmoid: log(0)
        assume(False)
    assume(all(abs(v) < 1e4 for v in sol.values.values()))
    for name, role in problem.roles.items():
        if role == "net":
            assume(abs(sol.values[name]) > 0.02)  # beside the kink of relu and leaky_relu
    return sol


@SETTINGS
@given(networks())
def test_random_networks_vs_finite_differences(spec):
    problem = bpcalc.loads(network_text(*spec))
    sol = solvable_network(problem)
    checked = 0
    for name in problem.params:
        fd = central_difference(problem, name)
        scale = max(abs(fd), abs(sol.loss))
        # Beside a saturated sigmoid (bce's log(1 − σ) with σ ≈ 1) rounding swamps the difference
        # quotient; where two step sizes disagree the estimate is no oracle, so skip that param.
        if not fd_close(fd, central_difference(problem, name, widen=10.0), scale=scale, tol=1e-5):
            continue
        checked += 1
        assert fd_close(sol.gradients[name], fd, scale=scale, tol=1e-4), \
            (name, sol.gradients[name], fd)
    assume(checked > 0)


@SETTINGS
@given(networks())
def test_random_network_equals_its_expression_file(spec):
    net = bpcalc.loads(network_text(*spec))
    sol = solvable_network(net)
    hand = bpcalc.solve(bpcalc.loads(expression_text(*spec)))
    assert set(net.params) == set(hand.problem.params)

    def plain(name):  # x0[2] -> x0_s2
        return name.replace("[", "_s").replace("]", "")

    exact = spec[2] != "cross_entropy"  # softmax is computed shifted by the max; written out it is not
    for name, value in sol.values.items():
        other = hand.values[plain(name)]
        assert value == other if exact else math.isclose(value, other, rel_tol=1e-12, abs_tol=1e-15)
    for name, g in sol.gradients.items():
        other = hand.gradients[plain(name)]
        assert g == other if exact else math.isclose(g, other, rel_tol=1e-9, abs_tol=1e-12), \
            (name, g, other)
