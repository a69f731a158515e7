"""What a new user trips over: homework-like problems and the mistakes students make in files.

Numbers asserted here are derived by hand (or with sympy) in the comments, never copied from
bpcalc's output.
"""

from __future__ import annotations

import re
from pathlib import Path

import bpcalc

from helpers import rendered

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def squeeze(out: str) -> str:
    """Runs of spaces (alignment padding) made single, so asserts read as the math."""
    return re.sub(r" {2,}", " ", out)


def test_only_a_param_still_shows_the_forward_pass_it_needs():
    # --only w_h in seed 003: ∂loss/∂w_h needs z_h, y_h, z_o, y_o; none of them may be missing
    # from the forward pass, and the inputs their numbers come from are given.
    solution = bpcalc.solve(bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml")), round=2)
    out = squeeze(rendered("text", solution, "grad", digits=12, only=["w_h"], max_paths=16,
                              ascii=False, standalone=False))
    forward = out.split("Step 2")[1].split("Step 3")[0]
    assert "(no intermediate nodes)" not in forward
    for line in ["z_h = w_h·x + b_h = 0.2 × 1 + 0.1 = 0.3",
                 "z_o = w_o·y_h + b_o = 0.3 × 0.57 + 0.2 = 0.371"]:
        assert line in forward, line
    given = out.split("Step 2")[0]
    assert "x = 1" in given and "w_h = 0.2" in given


def test_max_of_abs_says_each_case_apart():
    # m = max(a·x, |y|) at a·x = 1, y = −3: |y| = 3 is the largest, so ∂m/∂y = 1 · sign(−3) = −1;
    # the two reasons (which argument is largest, the sign of y) are two notes, not run together.
    problem = bpcalc.loads("inputs: {x: 2, y: -3}\nparams: {a: 0.5}\ndefine:\n  m: max(a * x, abs(y))\n")
    out = rendered("text", bpcalc.solve(problem), "grad", digits=12, only=None, max_paths=16,
                      ascii=False, standalone=False, every_gradient=True)  # x and y are inputs: --all
    line = next(row for row in out.splitlines() if row.lstrip().startswith("∂m/∂y"))
    assert line.rstrip().endswith("= −1   (1 since |y| is the first largest argument; −1 since y = −3 < 0)"), line
    line = next(row for row in out.splitlines() if row.lstrip().startswith("∂m/∂x"))
    assert line.rstrip().endswith("= 0   (0 since a·x is not the first largest argument)"), line


def test_output_using_a_name_directly_and_through_another_node_tells_the_two_apart():
    # f = v·s + m/u with v = ln(u + 1), u = 2, s = m = 3: ∂f/∂u is both f's direct partial
    # (−m/u² = −0.75) and the total gradient (s/(u+1) − m/u² = 1 − 0.75 = 0.25).  The same symbol
    # with two values must say which is which.
    problem = bpcalc.loads("inputs: {u: 2, s: 3, m: 3}\ndefine:\n  v: log(u + 1)\n  f: v * s + m / u\n")
    out = rendered("text", bpcalc.solve(problem), "grad", digits=6, only=None, max_paths=16,
                      ascii=False, standalone=False)
    rows = [row.strip() for row in out.split("Step 4")[1].split("Step 5")[0].splitlines()
            if row.strip().startswith("∂f/∂u")]
    assert len(rows) == 2, rows
    direct, total = rows
    assert "= −m / u²" in direct and direct.endswith("(f's direct use of u only)"), direct
    assert direct.split("=")[-1].split("(")[0].strip() == "−0.75"
    assert total.endswith("= 0.25   (total)"), total


def run_cli(args: list[str]) -> tuple[int, str, str]:
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "bpcalc", *args], capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def test_a_decimal_comma_is_named_as_such(tmp_path):
    # `b: 0,5` in a flow mapping is YAML for b: 0 and a key "5": the message must point at the comma
    # habit, not only say that '5' is not a valid name.
    f = tmp_path / "comma.yaml"
    f.write_text("inputs: {x: 1}\nparams: {w: 2, b: 0,5}\ndefine:\n  y: w * x + b\n")
    code, _, err = run_cli(["grad", str(f)])
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"{f}:2:21: error:"), err
    assert "write 0.5 with a decimal point" in err, err


def test_a_line_indented_more_than_its_neighbour_is_called_an_indentation_error(tmp_path):
    f = tmp_path / "indent.yaml"
    f.write_text("inputs: {x: 1}\nparams: {w: 2}\ndefine:\n  y: w * x\n   z: y + 1\n")
    code, _, err = run_cli(["grad", str(f)])
    assert code == 2 and err.startswith(f"{f}:5:5: error:"), err
    assert "indented more than the line above" in err, err


NETWORK = """network:
  inputs: [x1, x2]
  layers:
    - name: h
      activation: sigmoid
      weights: {weights}
      bias: [b1, b1]
params: {{w1: 0.1, w2: 0.2, w3: 0.3, w4: 0.4, b1: 0.5}}
sample: {{inputs: [1, 2], targets: [0, 1]}}
"""


def test_a_quoted_number_in_weights_is_called_text_not_an_undeclared_param(tmp_path):
    f = tmp_path / "quoted.yaml"
    f.write_text(NETWORK.format(weights="[[w1, '0.2'], [w3, w4]]"))
    code, _, err = run_cli(["grad", str(f)])
    assert code == 2 and err.startswith(f"{f}:6:22: error: the weight must be a number, not '0.2'"), err
    assert "(no quotes)" in err and "params: {0.2" not in err, err


def test_shipped_homework_examples_give_their_hand_computed_numbers():
    import math

    import pytest

    s = bpcalc.solve(bpcalc.load(str(EXAMPLES / "linear_two_samples.yaml")), step=True)
    assert s.loss == pytest.approx(6.5, abs=1e-12)
    assert s.gradients["w"] == pytest.approx(-8, abs=1e-12)
    assert s.gradients["b"] == pytest.approx(-5, abs=1e-12)
    assert s.updated == pytest.approx({"w": 1.8, "b": 0.5}, abs=1e-12)
    assert s.loss_after == pytest.approx(0.65, abs=1e-12)

    s = bpcalc.solve(bpcalc.load(str(EXAMPLES / "bce_one_neuron.yaml")), step=True)
    assert s.loss == pytest.approx(math.log(2), abs=1e-12)
    assert s.gradients["w"] == pytest.approx(-1, abs=1e-12)
    assert s.gradients["b"] == pytest.approx(-0.5, abs=1e-12)
    assert s.updated == pytest.approx({"w": 1.5, "b": -0.5}, abs=1e-12)
    assert s.loss_after == pytest.approx(math.log(1 + math.exp(-2.5)), abs=1e-12)
