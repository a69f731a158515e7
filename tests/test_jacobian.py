"""Several outputs (`output: [o1, o2]`): the Jacobian of the outputs with respect to every input
and param (seed 001), one backward pass per output.

Oracles: central differences of each output through the forward pass alone, and sympy — each
output rebuilt in sympy from the parsed lines and differentiated symbolically; a hand-computed
example; and the single-output solves of the same graph (each output made the only one), which
share no code with the extra backward passes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
import subprocess

import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

import bpcalc
from bpcalc.cli.main import main

from helpers import central_difference, fd_close, rendered
from test_graphs import SETTINGS, graphs, solvable, to_sympy

# o1 = a + x = x·y + x, o2 = sin(a)·y = sin(x·y)·y, at x = 2, y = 3 (worked by hand):
#   ∂o1/∂x = y + 1 = 4          ∂o1/∂y = x = 2
#   ∂o2/∂x = cos(6)·y²          ∂o2/∂y = cos(6)·x·y + sin(6)
TWO = """\
inputs: {x: 2, y: 3}
define:
  a: x * y
  o1: a + x
  o2: sin(a) * y
output: [o1, o2]
"""


def by_hand() -> list[list[float]]:
    return [[4.0, 2.0], [math.cos(6) * 9, math.cos(6) * 6 + math.sin(6)]]


def test_jacobian_by_hand():
    sol = bpcalc.solve(bpcalc.loads(TWO))
    assert sol.outputs == ("o1", "o2")
    for row, expected in zip(sol.jacobian(), by_hand()):
        assert row == pytest.approx(expected, rel=1e-14)
    assert sol.gradients_of("o2")["a"] == pytest.approx(math.cos(6) * 3, rel=1e-14)
    assert sol.gradients_of("o2")["o1"] == 0.0  # o1 does not lead to o2


def with_outputs(problem, outputs):
    return dataclasses.replace(problem, output=outputs[0], outputs=tuple(outputs))


@st.composite
def several(draw):
    leaves, lines, params = draw(graphs())
    names = list(lines)
    assume(len(names) >= 2)
    k = draw(st.integers(2, min(3, len(names))))
    outputs = draw(st.permutations(names))[:k]
    return leaves, lines, params, outputs


def build_several(leaves, lines, params, outputs):
    ins = {k: v for k, v in leaves.items() if k not in params}
    ps = {k: v for k, v in leaves.items() if k in params}
    text = (f"inputs: {json.dumps(ins)}\nparams: {json.dumps(ps)}\ndefine:\n"
            + "".join(f"  {k}: {v}\n" for k, v in lines.items()) + f"output: [{', '.join(outputs)}]\n")
    return bpcalc.loads(text)


@SETTINGS
@given(several())
def test_random_jacobians_vs_central_differences(case):
    problem = build_several(*case)
    for o in problem.outputs:  # the same kinks and domains rule out an example as for one output
        solvable(with_outputs(problem, [o]))
    sol = bpcalc.solve(problem)
    matrix = sol.jacobian()
    assert len(matrix) == len(problem.outputs) in (2, 3)
    for i, o in enumerate(problem.outputs):
        alone = with_outputs(problem, [o])
        for k, name in enumerate(problem.leaves):
            fd = central_difference(alone, name)
            scale = max(abs(fd), abs(sol.values[o]))
            if not fd_close(fd, central_difference(alone, name, widen=10.0), scale=scale, tol=1e-5):
                continue  # the estimate itself is unstable here (cos(exp(exp(x))) swings within 10·h)
            assert fd_close(matrix[i][k], fd, scale=scale, tol=1e-4), (o, name)


@SETTINGS
@given(several())
def test_random_jacobians_vs_sympy(case):
    problem = build_several(*case)
    for o in problem.outputs:
        solvable(with_outputs(problem, [o]))
    sol = bpcalc.solve(problem)
    symbols = {k: sympy.Symbol(k, real=True) for k in problem.leaves}
    at = {symbols[k]: sympy.Float(v, 30) for k, v in problem.leaves.items()}
    env = dict(symbols)
    for line in problem.lines:
        env[line.name] = to_sympy(line.expr, env)
    for i, o in enumerate(problem.outputs):
        for k, name in enumerate(problem.leaves):
            expected = float(sympy.diff(env[o], symbols[name]).evalf(30, subs=at))
            assert math.isclose(sol.jacobian()[i][k], expected, rel_tol=1e-8, abs_tol=1e-9), (o, name)


@SETTINGS
@given(several())
def test_each_row_is_that_output_solved_alone(case):
    """The extra backward passes give, bit for bit, what the main pass gives for that output."""
    problem = build_several(*case)
    try:
        sol = bpcalc.solve(problem)
    except bpcalc.MathError:
        assume(False)
    for o in problem.outputs:
        alone = bpcalc.solve(with_outputs(problem, [o]))
        assert sol.gradients_of(o) == alone.gradients
        assert sol.for_output(o).gradients == alone.gradients


# --- the command line ---------------------------------------------------------------------------------


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(TWO)
    return str(path)


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_jacobian_with_names(capsys, two):
    code, out, err = run(capsys, "grad", two, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["output"] == ["o1", "o2"] and "loss" not in data
    j = data["jacobian"]
    assert j["rows"] == ["o1", "o2"] and j["columns"] == ["x", "y"]
    for row, expected in zip(j["matrix"], by_hand()):
        assert row == pytest.approx(expected, rel=1e-14)
    assert data["gradients"]["o2"]["a"] == pytest.approx(math.cos(6) * 3, rel=1e-14)
    assert data["values"]["o1"] == 8.0
    assert {(d["of"], d["wrt"]) for d in data["local"]} == {("a", "x"), ("a", "y"), ("o1", "a"), ("o1", "x"),
                                                            ("o2", "a"), ("o2", "y")}


def test_single_output_json_is_unchanged(capsys):
    code, out, _ = run(capsys, "grad", "examples/slides_1_1_1.yaml", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["output"] == "loss" and "jacobian" not in data
    assert isinstance(data["gradients"]["w_o"], float)


def test_text_shows_the_multivariable_chain_rule(capsys, two):
    code, out, err = run(capsys, "grad", two, "--format", "text")
    assert code == 0, err
    flat = re.sub(r" +", " ", out)
    # ∂o2/∂y = Σ_j ∂o2/∂y_j · ∂y_j/∂y over the nodes using y (a and o2 itself)
    assert "∂o2/∂y = ∂o2/∂a · ∂a/∂y + ∂o2/∂o2 · ∂o2/∂y" in flat
    assert "∂o1/∂x = ∂o1/∂a · ∂a/∂x + ∂o1/∂o1 · ∂o1/∂x = 1 × 3 + 1 × 1 = 4" in flat
    assert "∂o1/∂o2" not in flat  # o2 does not lead to o1: left out of o1's pass
    jacobian = out[out.index("Jacobian"):]
    assert re.search(r"^ +o1 +4 +2$", jacobian, re.M)
    assert re.search(rf"^ +o2 +{re.escape(format(math.cos(6) * 9, '.9g'))} ", jacobian, re.M)


def test_forward_with_several_outputs(capsys, two):
    code, out, err = run(capsys, "forward", two, "--format", "text")
    assert code == 0, err
    assert "o2 = sin(a)·y" in out and "Jacobian" not in out
    data = json.loads(run(capsys, "forward", two, "--format", "json")[1])
    assert data["output"] == ["o1", "o2"] and "loss" not in data
    assert "gradients" not in data and "jacobian" not in data and data["values"]["o1"] == 8.0


def test_step_refuses_several_outputs(capsys, two):
    code, out, err = run(capsys, "step", two)
    assert code == 2 and out == ""
    assert "`step` needs one output, and this file has 2: o1, o2" in err
    assert ":6:1:" in err and "one scalar loss" in err
    with pytest.raises(bpcalc.InputError):
        bpcalc.solve(bpcalc.load(two), step=True)


@pytest.mark.parametrize("fmt", ["text", "rich", "markdown", "latex", "html"])
def test_every_format_shows_the_matrix(fmt):
    sol = bpcalc.solve(bpcalc.loads(TWO))
    out = rendered(fmt, sol, "grad", standalone=True)
    assert "Jacobian" in out
    assert "8.64153257985" in out and "5.4816062217" in out


def test_wide_jacobian_is_transposed():
    text = ("inputs: {" + ", ".join(f"x{k}: {k + 1}" for k in range(8)) + "}\ndefine:\n  s: "
            + " + ".join(f"x{k}" for k in range(8)) + "\n  p: x0 * x7\noutput: [s, p]\n")
    out = rendered("text", bpcalc.solve(bpcalc.loads(text)), "grad")
    table = out[out.index("transposed"):]
    assert re.search(r"^ +x7 +1 +1$", table, re.M)  # ∂s/∂x7 = 1, ∂p/∂x7 = x0 = 1
    assert re.search(r"^ +x0 +1 +8$", table, re.M)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (.ci/run installs it)")
def test_latex_with_a_jacobian_compiles(tmp_path):
    doc = rendered("latex", bpcalc.solve(bpcalc.loads(TWO)), "grad", standalone=True)
    (tmp_path / "doc.tex").write_text(doc, encoding="utf-8")
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:]


@pytest.mark.parametrize("text,message", [
    ("output: [o1, nope]", "output 'nope' is not defined"),
    ("output: [o1, o1]", "output 'o1' is listed twice"),
    ("output: []", "`output` is an empty list"),
    ("output: [[o1]]", "`output` must be a node's name, or a list of names"),
])
def test_bad_output_lists(capsys, tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(TWO.replace("output: [o1, o2]", text))
    code, out, err = run(capsys, "grad", str(path))
    assert code == 2 and out == "" and message in err and "Traceback" not in err


def test_only_chooses_the_columns(capsys, two):
    code, out, _ = run(capsys, "grad", two, "--only", "y", "--format", "text")
    table = out[out.index("Jacobian"):]
    assert code == 0 and re.search(r"^ +y$", table, re.M) and not re.search(r"^ +x +y$", table, re.M)
    assert re.search(r"^ +o1 +2$", table, re.M)
