"""The seeds' published numbers, reproduced through the Python API."""

from pathlib import Path

import pytest

import bpcalc

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def close(a: float, b: float, places: int = 12) -> bool:
    return abs(a - b) <= 10 ** -places * max(1.0, abs(b))


@pytest.mark.parametrize("file", ["seed003_expression.yaml", "seed003_network.yaml"])
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


def test_seed000_apples():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "seed000_apples.yaml")))
    g = sol.gradients
    assert close(sol.loss, 71.5)
    assert close(g["apple"], 2.2)
    assert close(g["apple_count"], 11)
    assert close(g["orange"], 3.3)
    assert close(g["orange_count"], 16.5)
    assert close(g["tax"], 65)
