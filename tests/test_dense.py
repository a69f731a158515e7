"""The dense engine agrees with the scalar engine: every value, loss and gradient, on random
networks of every activation and loss, both reductions, shared (also across layers), named and
frozen params; its whole-array functions equal the op table's scalar ones; and seed 002 after
10,000 full-batch steps gives the published-to-us numbers, checked against a loop written here in
plain floats."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import bpcalc
from bpcalc.engine.dense import ARRAY_VALUES, Dense
from bpcalc.engine.training import train
from bpcalc.ops import BY_NAME, value

from helpers import EXAMPLES

# --- the table's functions on arrays -------------------------------------------------------------------

POINTS = [-40.0, -7.5, -3.0, -1.0, -0.5, -1e-9, 0.0, 1e-9, 0.3, 0.5, 1.0, 2.5, 6.0, 35.0]


@pytest.mark.parametrize("name", sorted(n for n in ARRAY_VALUES if n in BY_NAME and n != "**"))
def test_array_form_equals_the_table_value(name):
    p = BY_NAME[name]
    scalar = value(p)
    extra = [()] if not p.defaults else [(), (0.2,)]
    n_args = len(p.params) if p.kind == "helper" else 1
    for more in extra:
        for x in POINTS:
            if name in ("log", "sqrt") and x <= 0:
                continue
            args = (x,) * n_args if p.kind == "helper" and n_args > 1 and name != "leaky_step" else (x,)
            if name == "leaky_step":
                args = (x, 0.37)
            args = (*args, *more)
            want = scalar(*args)
            got = float(ARRAY_VALUES[name](*[np.array([a]) for a in args])[0])
            assert math.isclose(got, want, rel_tol=1e-14, abs_tol=1e-300), (name, args, got, want)


# --- random networks ---------------------------------------------------------------------------------------

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", {"leaky_relu": 0.2}, "elu", {"elu": 0.5}, "gelu", "silu",
          "softplus", "linear"]


def _act(a):
    return a if isinstance(a, str) else "{" + ", ".join(f"{k}: {v}" for k, v in a.items()) + "}"


def random_network(seed: int) -> str:
    """A network file: random sizes, activations, loss, reduction; some weights named (a name
    reused in several places, across layers too), some params frozen, params declared in a
    shuffled order (so some layers are not consecutive in θ)."""
    rng = random.Random(seed)
    n_in = rng.randint(1, 3)
    sizes = [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
    loss = rng.choice(["half_sse", "sse", "mse", "bce", "cross_entropy"])
    if loss == "cross_entropy" and sizes[-1] == 1:
        sizes[-1] = 2
    acts = [rng.choice(HIDDEN) for _ in sizes]
    acts[-1] = {"bce": "sigmoid", "cross_entropy": "softmax"}.get(loss, acts[-1])
    named = [f"s{k}" for k in range(rng.randint(0, 3))]
    params = {n: round(rng.uniform(-1, 1), 3) for n in named}

    def entry() -> str:
        if named and rng.random() < 0.3:
            return rng.choice(named)
        return repr(round(rng.uniform(-1.2, 1.2), 3))

    layers = []
    prev = n_in
    for i, (size, act) in enumerate(zip(sizes, acts)):
        rows = "[" + ", ".join("[" + ", ".join(entry() for _ in range(prev)) + "]" for _ in range(size)) + "]"
        bias = rng.choice(["none", "list", "shared"])
        line = f"    - {{name: L{i}, activation: {_act(act)}, weights: {rows}"
        if bias == "list":
            line += ", bias: [" + ", ".join(entry() for _ in range(size)) + "]"
        elif bias == "shared":
            line += f", bias: {entry()}"
        layers.append(line + "}")
        prev = size
    samples = []
    for _ in range(rng.randint(1, 4)):
        xs = [round(rng.uniform(-2, 2), 3) for _ in range(n_in)]
        if loss == "cross_entropy":
            raw = [rng.random() + 0.05 for _ in range(sizes[-1])]
            ts = [r / sum(raw) for r in raw] if rng.random() < 0.5 else [float(k == 0) for k in range(sizes[-1])]
        elif loss == "bce":
            ts = [round(rng.random(), 3) for _ in range(sizes[-1])]
        else:
            ts = [round(rng.uniform(-1, 1), 3) for _ in range(sizes[-1])]
        samples.append(f"  - {{inputs: {xs}, targets: {ts}}}")
    names = list(params)
    rng.shuffle(names)
    text = ["network:", f"  inputs: [{', '.join(f'x{k}' for k in range(n_in))}]", "  layers:", *layers,
            "samples:", *samples, f"loss: {loss}", f"reduction: {rng.choice(['mean', 'sum'])}"]
    if names:
        text.append("params: {" + ", ".join(f"{n}: {params[n]}" for n in names) + "}")
        frozen = [n for n in names if rng.random() < 0.3]
        if frozen:
            text.append(f"frozen: [{', '.join(frozen)}]")
    return "\n".join(text) + "\n"


def close(a: float, b: float, scale: float) -> bool:
    """1e-12 relative, or 1e-12 of the largest gradient of the problem for a value that is itself
    a sum cancelling down to almost nothing."""
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-13 * scale)


@pytest.mark.parametrize("seed", range(150))
def test_dense_agrees_with_the_scalar_engine(seed):
    problem = bpcalc.loads(random_network(seed))
    sol = bpcalc.solve(problem)
    dense = Dense(problem)
    found = dense.run(dense.theta)
    assert math.isclose(found.loss, sol.loss, rel_tol=1e-12, abs_tol=1e-300), (found.loss, sol.loss)
    scale = max(abs(g) for g in sol.gradients.values())
    for name, g in zip(dense.names, found.gradient.tolist()):
        assert close(g, sol.gradients[name], scale), (name, g, sol.gradients[name])
    # every node: values and gradients of net_j[s] and out_j[s]
    net = problem.network
    many = len(net.samples) > 1
    for s in range(len(net.samples)):
        suffix = f"[{s + 1}]" if many else ""
        for i, layer in enumerate(net.layers):
            for j, neuron in enumerate(layer.neurons):
                for kind, values, grads in (("net", found.z, found.dz), ("out", found.out, found.dout)):
                    name = f"{kind}_{neuron}{suffix}"
                    assert math.isclose(values[i][s, j], sol.values[name], rel_tol=1e-12, abs_tol=1e-15), name
                    assert close(grads[i][s, j], sol.gradients[name], scale), (name, grads[i][s, j])


def test_the_random_networks_cover_every_activation_and_loss():
    texts = [random_network(seed) for seed in range(150)]
    for word in ["sigmoid", "tanh", "relu", "leaky_relu: 0.2", "elu: 0.5", "gelu", "silu", "softplus", "linear",
                 "softmax", "half_sse", "sse", "mse", "bce", "cross_entropy", "reduction: mean", "reduction: sum",
                 "frozen:", "bias: s"]:
        assert any(word in t for t in texts), word
    # a layer whose weights are not consecutive params: gathered, gradients summed back
    assert any(not all(layer.weights.index is None for layer in Dense(bpcalc.loads(t)).layers) for t in texts)


def test_a_weight_shared_across_layers_sums_its_gradients():
    text = """network:
  inputs: [x]
  layers:
    - {name: h, activation: tanh, weights: [[w], [0.3]], bias: b}
    - {name: o, activation: linear, weights: [[w, -0.4]], bias: b}
params: {w: 0.5, b: 0.1}
sample: {inputs: [2], targets: [1]}
loss: half_sse
"""
    problem = bpcalc.loads(text)
    dense = Dense(problem)
    _, grad = dense.gradient(dense.theta)
    sol = bpcalc.solve(problem)
    # by hand: y = w·tanh(2w + b) − 0.4·tanh(0.6 + b) + b, loss = ½(1 − y)²
    h1, h2 = math.tanh(2 * 0.5 + 0.1), math.tanh(0.6 + 0.1)
    y = 0.5 * h1 - 0.4 * h2 + 0.1
    dy = y - 1
    dw = dy * (h1 + 0.5 * (1 - h1 ** 2) * 2)
    db = dy * (0.5 * (1 - h1 ** 2) - 0.4 * (1 - h2 ** 2) + 1)
    assert dense.names[:2] == ["w", "b"]  # then the numbers' own params, w_h2_x and w_o_h2
    assert grad.tolist()[:2] == pytest.approx([dw, db], rel=1e-13)
    assert grad.tolist() == pytest.approx([sol.gradients[n] for n in dense.names], rel=1e-13)


# --- seed 002 trained: checked against plain floats ----------------------------------------------------------


def seed002_by_hand(steps: int) -> tuple[float, dict[str, float], float]:
    """Seed 002 trained in plain Python: simultaneous updates of w1..w8, biases frozen."""
    p = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
    b1, b2, i1, i2, t1, t2 = 0.35, 0.60, 0.05, 0.10, 0.01, 0.99

    def forward(p):
        h1 = 1 / (1 + math.exp(-(p["w1"] * i1 + p["w2"] * i2 + b1)))
        h2 = 1 / (1 + math.exp(-(p["w3"] * i1 + p["w4"] * i2 + b1)))
        o1 = 1 / (1 + math.exp(-(p["w5"] * h1 + p["w6"] * h2 + b2)))
        o2 = 1 / (1 + math.exp(-(p["w7"] * h1 + p["w8"] * h2 + b2)))
        return h1, h2, o1, o2, 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2

    for _ in range(steps):
        h1, h2, o1, o2, _ = forward(p)
        d1, d2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)
        e1 = (d1 * p["w5"] + d2 * p["w7"]) * h1 * (1 - h1)
        e2 = (d1 * p["w6"] + d2 * p["w8"]) * h2 * (1 - h2)
        g = {"w1": e1 * i1, "w2": e1 * i2, "w3": e2 * i1, "w4": e2 * i2,
             "w5": d1 * h1, "w6": d1 * h2, "w7": d2 * h1, "w8": d2 * h2}
        p = {k: v - 0.5 * g[k] for k, v in p.items()}
    *_, o1, _, loss = forward(p)
    return loss, p, o1


def test_seed002_after_10000_steps():
    problem = bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml"))
    run = train(problem, steps=10_000)
    loss, params, o1 = seed002_by_hand(10_000)
    assert f"{run.loss_after:.4e}" == "3.5102e-05"
    assert math.isclose(run.loss_after, loss, rel_tol=1e-9)
    assert set(run.updated) == set(params)  # the frozen biases stay out
    for name, v in params.items():
        assert math.isclose(run.updated[name], v, rel_tol=1e-10), name
    after = bpcalc.solve(bpcalc.loads(problem.text.replace("params: {", "params: {" + ", ".join(
        f"{k}: {v!r}" for k, v in run.updated.items()) + ", ", 1).replace(
        "w1: 0.15, w2: 0.20, w3: 0.25, w4: 0.30, w5: 0.40, w6: 0.45, w7: 0.50, w8: 0.55, ", "")))
    assert round(after.values["out_o1"], 6) == 0.015914 and math.isclose(after.values["out_o1"], o1, rel_tol=1e-9)
    assert after.loss == pytest.approx(run.loss_after, rel=1e-12)
