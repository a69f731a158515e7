"""The seeds' published numbers, reproduced through the Python API."""

import math
from pathlib import Path

import pytest

import bpcalc

from helpers import assert_gradients_match_fd, published

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def close(a: float, b: float, places: int = 12) -> bool:
    return abs(a - b) <= 10 ** -places * max(1.0, abs(b))


@pytest.mark.parametrize("file", ["slides_1_1_1.yaml", "slides_1_1_1_network.yaml"])
def test_seed003_rounded_step(file):
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / file)), round=2, step=True)
    v, g, u = sol.values, sol.gradients, sol.updated
    y_h = "y_h"
    assert v[y_h] == 0.57 and v["y_o"] == 0.59
    assert close(sol.loss, 0.02205)
    assert close(g["w_o"], -0.02895543)
    assert close(g["b_o"], -0.050799)
    assert close(g["w_h"], -0.00373525047)
    assert close(g["b_h"], -0.00373525047)
    assert close(u["w_o"], 0.314477715)
    assert close(u["b_o"], 0.2253995)
    # the slides print w_h and b_h to 9 places (from the gradient cut to -0.00373525)
    assert round(u["w_h"], 9) == 0.201867625
    assert round(u["b_h"], 9) == 0.101867625


def test_apples():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "apples.yaml")))
    g = sol.gradients
    assert close(sol.loss, 71.5)
    assert close(g["apple"], 2.2)
    assert close(g["apple_count"], 11)
    assert close(g["orange"], 3.3)
    assert close(g["orange_count"], 16.5)
    assert close(g["tax"], 65)


# --- seed 002: the 2-2-2 network of the blog post ----------------------------------------------------

SEED002 = ["blog_2_2_2.yaml", "blog_2_2_2_graph.yaml"]
SEED002_PUBLISHED = {"out_h1": "0.593269992", "out_o1": "0.75136507", "E_total": "0.298371109"}


@pytest.mark.parametrize("file", SEED002)
def test_seed002_published_numbers(file):
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / file)), step=True)
    for name, text in SEED002_PUBLISHED.items():
        assert published(sol.values[name], text), (name, sol.values[name])
    assert published(sol.gradients["w5"], "0.082167041")
    assert published(sol.updated["w5"], "0.35891648")
    assert published(sol.gradients["w1"], "0.000438568")
    assert published(sol.updated["w1"], "0.149780716")


def test_seed002_both_forms_give_the_same_numbers():
    net, expr = (bpcalc.solve(bpcalc.load(str(EXAMPLES / f)), step=True) for f in SEED002)
    assert net.values == expr.values
    assert net.gradients == expr.gradients
    assert net.updated == expr.updated
    assert net.loss_after == expr.loss_after


@pytest.mark.parametrize("file", SEED002)
def test_seed002_gradients_equal_central_differences(file):
    problem = bpcalc.load(str(EXAMPLES / file))
    assert_gradients_match_fd(problem)


@pytest.mark.parametrize("file", SEED002)
def test_seed002_frozen_biases_stay(file):
    problem = bpcalc.load(str(EXAMPLES / file))
    sol = bpcalc.solve(problem, step=True)
    assert problem.frozen == {"b1", "b2"}
    assert sol.gradients["b1"] != 0 and sol.gradients["b2"] != 0  # frozen, not merely flat
    assert "b1" not in sol.updated and "b2" not in sol.updated
    assert set(sol.updated) == {f"w{k}" for k in range(1, 9)}
    # the loss after the step is the forward pass at the new weights and the old biases
    text = problem.text
    for name, value in sol.updated.items():
        text = text.replace(f"{name}: {problem.params[name]:.2f}", f"{name}: {value!r}")
    moved = bpcalc.solve(bpcalc.loads(text))
    assert moved.values["b1"] == 0.35 and moved.values["b2"] == 0.60
    assert moved.loss == sol.loss_after < sol.loss


@pytest.mark.parametrize("file", ["slides_1_1_1.yaml", "slides_1_1_1_network.yaml",
                                  "apples.yaml"])
def test_unrounded_seeds_gradients_equal_central_differences(file):
    assert_gradients_match_fd(bpcalc.load(str(EXAMPLES / file)))


def test_seed003_both_forms_agree_with_and_without_rounding():
    for places in (None, 2, 3):
        expr, net = (bpcalc.solve(bpcalc.load(str(EXAMPLES / f)), round=places, step=True)
                     for f in ("slides_1_1_1.yaml", "slides_1_1_1_network.yaml"))
        assert net.loss == expr.loss
        for p in ("w_h", "b_h", "w_o", "b_o"):
            assert net.gradients[p] == expr.gradients[p]
            assert net.updated[p] == expr.updated[p]


def test_seed003_by_hand_unrounded():
    # the same chain as the slides, but with σ computed exactly
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    y_h = s(0.2 * 1 + 0.1)
    y_o = s(0.3 * y_h + 0.2)
    d_zo = -(0.8 - y_o) * y_o * (1 - y_o)
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml")))
    assert sol.loss == pytest.approx(0.5 * (0.8 - y_o) ** 2, rel=1e-14)
    assert sol.gradients["w_o"] == pytest.approx(d_zo * y_h, rel=1e-13)
    assert sol.gradients["w_h"] == pytest.approx(d_zo * 0.3 * y_h * (1 - y_h) * 1, rel=1e-13)


def test_seed000_intermediate_gradients():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "apples.yaml")))
    v, g = sol.values, sol.gradients
    assert (v["apple_total"], v["orange_total"], v["subtotal"]) == (20, 45, 65)
    # + passes 1.1 through to both totals; the output's own gradient is 1
    assert close(g["apple_total"], 1.1) and close(g["orange_total"], 1.1) and close(g["subtotal"], 1.1)
    assert g["pay"] == 1.0
