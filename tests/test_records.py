"""The domain tables as records: a change to one record reaches everything downstream, and every
mistake of check/mistakes.py is made through the engine's configuration — under every optimiser
and in each of its scopes.  Expected numbers are the published blog's, scaled by hand, or the
optimisers' updates written out in plain floats."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import bpcalc
from bpcalc.check.mistakes import CODES, Variant, base_of, sample_of, variants
from bpcalc.engine import Solution
from bpcalc.ops.optimizers import KINDS
from bpcalc.problem import Optimizer

ROOT = Path(__file__).resolve().parent.parent
BLOG = str(ROOT / "examples" / "blog_2_2_2.yaml")

# --- one record changed: the engine's values, the printed formulas and the JSON follow ------------------

PATCHES = {
    # σ′ doubled in the op table
    "op": ("bpcalc.ops.table", "TABLE", "sigmoid", "partials", ("2*out*(1 - out)",)),
    # half_sse's term halved again in the losses' table
    "loss": ("bpcalc.ops.losses", "LOSSES", "half_sse", "term", "0.25*(t - out)**2"),
    # SGD's step halved in the optimisers' table
    "optimizer": ("bpcalc.ops.optimizers", "OPTIMISERS", "sgd", "rules", None),
}

SCRIPT = """\
import importlib, sys
module, table, name, field, value = {patch!r}
m = importlib.import_module(module)
if value is None:
    value = (m.Rule("theta", "theta - lr*g/2"),)
old = m.BY_NAME[name]
new = old._replace(**{{field: value}})
setattr(m, table, tuple(new if r is old else r for r in getattr(m, table)))
m.BY_NAME[name] = new
from bpcalc.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def patched(tmp_path: Path, which: str, *args: str) -> str:
    """bpcalc's output with one record changed before anything reads the table (text: its words
    with single spaces, whatever the columns' alignment)."""
    script = tmp_path / f"patched_{which}.py"
    script.write_text(SCRIPT.format(patch=PATCHES[which]))
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, cwd=ROOT,
                          env={"COLUMNS": "120", "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr
    return done.stdout if "json" in args else " ".join(done.stdout.split())


# the blog's published numbers (examples/blog_2_2_2.yaml)
W5_GRADIENT, W1_GRADIENT, LOSS = 0.082167041, 0.000438568, 0.298371109


def test_a_changed_primitive_record_reaches_every_output(tmp_path):
    data = json.loads(patched(tmp_path, "op", "step", BLOG, "--format", "json"))
    # one σ′ on w5's path, two on w1's: the gradients twice and four times the published ones
    assert data["gradients"]["w5"] == pytest.approx(2 * W5_GRADIENT, rel=1e-8)
    assert data["gradients"]["w1"] == pytest.approx(4 * W1_GRADIENT, rel=1e-5)
    assert data["updated"]["w5"] == pytest.approx(0.4 - 0.5 * 2 * W5_GRADIENT, rel=1e-8)
    assert {"of": "out_o1", "wrt": "net_o1", "formula": "2*out_o1*(1 - out_o1)"}.items() <= next(
        d for d in data["local"] if d["of"] == "out_o1").items()
    text = patched(tmp_path, "op", "step", BLOG, "--format", "text", "--only", "w5")
    assert "∂out_o1/∂net_o1 = 2·out_o1(1 − out_o1) = 2 × 0.75136507 × (1 − 0.75136507)" in text
    assert "= 0.164334081" in text  # 2 × 0.0821670406, from the product of the printed factors


def test_a_changed_loss_record_reaches_every_output(tmp_path):
    data = json.loads(patched(tmp_path, "loss", "step", BLOG, "--format", "json"))
    assert data["loss"] == pytest.approx(LOSS / 2, rel=1e-8)
    assert data["gradients"]["w5"] == pytest.approx(W5_GRADIENT / 2, rel=1e-8)
    assert next(d for d in data["local"] if d["of"] == "E_total" and d["wrt"] == "out_o1")["formula"] == \
        "-(0.5*(t_o1 - out_o1))"
    text = patched(tmp_path, "loss", "step", BLOG, "--format", "text")
    assert "E_total = 0.25·(t_o1 − out_o1)² + 0.25·(t_o2 − out_o2)²" in text
    assert "= 0.149185554" in text  # the published 0.298371109 halved


def test_a_changed_optimiser_record_reaches_every_output(tmp_path):
    data = json.loads(patched(tmp_path, "optimizer", "step", BLOG, "--format", "json"))
    assert data["gradients"]["w5"] == pytest.approx(W5_GRADIENT, rel=1e-8)  # the gradients as published
    assert data["updated"]["w5"] == pytest.approx(0.4 - 0.5 * W5_GRADIENT / 2, rel=1e-8)  # 0.37945824
    text = patched(tmp_path, "optimizer", "step", BLOG, "--format", "text", "--only", "w5")
    assert "w5 ← w5 − η · ∂E_total/∂w5 / 2 = 0.4 − 0.5 × 0.0821670406 / 2 = 0.37945824" in text
    trained = json.loads(patched(tmp_path, "optimizer", "train", BLOG, "--steps", "1", "--format", "json"))
    assert trained["updated"]["w5"] == pytest.approx(0.4 - 0.5 * W5_GRADIENT / 2, rel=1e-8)


# --- every mistake under every optimiser ---------------------------------------------------------------

TWO_SAMPLES = """\
network:
  inputs: [i1, i2]
  layers:
    - {name: h, activation: sigmoid, weights: [[w1, w2], [w3, w4]], bias: [b1, b1]}
    - {name: o, activation: sigmoid, weights: [[w5, w6], [w7, w8]], bias: [b2, b2]}
params: {w1: 0.15, w2: 0.20, w3: 0.25, w4: 0.30, w5: 0.40, w6: 0.45, w7: 0.50, w8: 0.55, b1: 0.35, b2: 0.60}
samples:
  - {inputs: [0.05, 0.10], targets: [0.01, 0.99]}
  - {inputs: [0.30, -0.20], targets: [0.80, 0.10]}
loss: half_sse
reduction: mean
lr: 0.5
"""


def first_step(kind: str, theta: float, g: float, eta: float) -> float:
    """One optimiser's first step from a state of zeros, written out by hand with torch.optim's
    defaults: θ minus the step."""
    if kind in ("sgd", "momentum"):  # momentum's velocity is g on the first step
        step = eta * g
    elif kind == "adam":  # m̂ = g and v̂ = g² on the first step
        m, v = (1 - 0.9) * g, (1 - 0.999) * g * g
        step = eta * (m / (1 - 0.9)) / (math.sqrt(v / (1 - 0.999)) + 1e-8)
    elif kind == "rmsprop":
        step = eta * g / (math.sqrt((1 - 0.99) * g * g) + 1e-8)
    else:  # adagrad
        step = eta * g / (math.sqrt(g * g) + 1e-10)
    return theta - step


def expected_update(kind: str, variant: Variant, solution: Solution, param: str, lr: float) -> float:
    """What a student who made `variant` writes for `param`'s new value: the optimiser's step on the
    gradient the mistake gave, itself changed when the mistake is in the update."""
    theta, g = solution.problem.params[param], solution.gradients[param]
    config = variant.config
    if param in config.frozen:
        return theta
    mistaken = variant.code in ("update_added", "missing_lr", "lr_twice") and (
        config.update_at is None or param in config.update_at)
    if mistaken and variant.code == "update_added":
        return 2 * theta - first_step(kind, theta, g, lr)  # θ + step
    eta = {"missing_lr": 1.0, "lr_twice": lr * lr}.get(variant.code, lr) if mistaken else lr
    return first_step(kind, theta, g, eta)


@pytest.mark.parametrize("kind", KINDS)
def test_every_mistake_under_every_optimiser(kind):
    problem = dataclasses.replace(bpcalc.loads(TWO_SAMPLES, "two.yaml"), optimizer=Optimizer(kind))
    textbook = bpcalc.solve(problem, step=True)
    assert textbook.updated == pytest.approx(
        {p: first_step(kind, problem.params[p], textbook.gradients[p], 0.5) for p in problem.params}, rel=1e-12)
    seen: set[str] = set()
    for variant, solution in variants(problem, None, None):
        seen.add(variant.code)
        assert solution.updated is not None
        for param in problem.params:
            assert solution.updated.get(param, problem.params[param]) == pytest.approx(
                expected_update(kind, variant, solution, param, 0.5), rel=1e-12, abs=1e-15), (variant, param)
        if variant.code != "delta_sign_swapped":  # the one mistake that is a reading, not a computation
            assert solution.updated != textbook.updated or solution.gradients != textbook.gradients, variant
    # every mistake a sigmoid network with two samples and shared biases can show
    assert seen == set(CODES) - {"softmax_diagonal_only", "gate_gradient_to_every_input"}


# --- every mistake in each of its scopes ----------------------------------------------------------------

SOFTMAX = """\
network:
  inputs: [x1, x2]
  layers:
    - {name: o, activation: softmax, weights: [[0.1, 0.2], [0.3, -0.1], [-0.2, 0.4]], bias: [0.0, 0.1, -0.1]}
samples:
  - {inputs: [0.5, -0.3], targets: [1, 0, 0]}
  - {inputs: [0.2, 0.9], targets: [0, 0, 1]}
loss: cross_entropy
"""

GATES = """\
inputs: {x: 2.0, y: -1.0}
params: {a: 0.5, b: 1.5}
define:
  u: max(a*x, b*y, 0.3)
  v: max(b*x, a*y)
  L: (u + v)**2
"""

# each record's scopes, as docs/checking.md describes the mistakes: where a student can make it
SCOPES = {
    "sign": {"everywhere", "output", "sample", "line"},
    "factor_2": {"everywhere", "output", "sample"},
    "mean_1_over_n": {"everywhere"},
    "missing_activation_derivative": {"everywhere", "output", "sample", "line"},
    "derivative_at_net": {"everywhere", "output", "sample", "line"},
    "softmax_diagonal_only": {"everywhere", "output", "sample", "line"},
    "gate_gradient_to_every_input": {"everywhere", "output", "sample", "line"},
    "target_for_output": {"everywhere", "output", "sample", "line"},
    "missing_path": {"everywhere", "line"},
    "wrong_input": {"everywhere", "line"},
    "bias_times_input": {"everywhere", "line"},
    "updated_weights_used": {"everywhere"},
    "transposed_weights": {"everywhere"},
    "update_added": {"everywhere", "line"},
    "missing_lr": {"everywhere", "line"},
    "lr_twice": {"everywhere", "line"},
    "bias_not_updated": {"everywhere", "line"},
    "rounded_intermediates": {"everywhere"},
    "delta_sign_swapped": {"everywhere"},
}


def changed_edges(a: Solution, b: Solution) -> set[tuple[str, str]]:
    """The (line, name) pairs whose local partial differs between two solutions."""
    out = set()
    for line, partials in a.local.items():
        other = dict(b.local.get(line, ()))
        out |= {(line, u) for u, d in partials if not math.isclose(d, other.get(u, math.nan), rel_tol=1e-12)}
    return out


def in_scope(variant: Variant, edge: tuple[str, str], outputs: dict[str, set[str]]) -> bool:
    line, u = edge
    kind, where = variant.scope
    if kind == "line":
        return line == where
    if kind == "sample":
        return sample_of(line) == int(where)
    if kind == "output":
        return base_of(line) == where or base_of(u) == where or line in outputs[where] or u in outputs[where]
    return True


@pytest.mark.parametrize("text", [TWO_SAMPLES, SOFTMAX, GATES], ids=["network", "softmax", "gates"])
def test_every_mistake_in_each_of_its_scopes(text):
    problem = bpcalc.loads(text, "homework.yaml")
    textbook = bpcalc.solve(problem, step=True)
    outputs = defaultdict(set)
    for name in textbook.values:
        if problem.roles.get(name) == "out":
            outputs[base_of(name)].add(name)
    scopes: dict[str, set[str]] = defaultdict(set)
    for variant, solution in variants(problem, None, None):
        scopes[variant.code].add(variant.scope.kind)
        edges = changed_edges(solution, textbook)
        updates = {p for p in problem.params if solution.updated.get(p) != textbook.updated[p]}
        if variant.code == "delta_sign_swapped":
            assert not edges and not updates
            continue
        # made somewhere: a local derivative, a value or an update differs from the textbook's
        assert edges or updates or solution.values != textbook.values, variant
        if variant.scope.kind == "line" and variant.code in ("update_added", "missing_lr", "lr_twice",
                                                                "bias_not_updated"):
            assert not edges and updates == {variant.scope.where}, variant  # one param's update alone
        else:
            outside = {e for e in edges if not in_scope(variant, e, outputs)}
            assert not outside, (variant, sorted(outside))
    for code, kinds in scopes.items():
        assert kinds <= SCOPES[code], code
    # where the problem has several outputs and samples, every scope of a record is tried
    if text is TWO_SAMPLES:
        assert all(kinds == SCOPES[code] for code, kinds in scopes.items()), dict(scopes)
    if text is SOFTMAX:
        assert scopes["softmax_diagonal_only"] == SCOPES["softmax_diagonal_only"]
    if text is GATES:  # an expression file: no outputs or samples, so everywhere or in one line
        assert scopes["gate_gradient_to_every_input"] == {"everywhere", "line"}
