"""`bpcalc gradcheck`: every gradient beside its central difference, from the forward pass alone.

It must pass on every shipped example, and catch a wrong partial planted through the engine's
configuration (`Config(partials=…)`: the same hook `check` uses to model a student's mistake) —
on exactly the names whose gradient goes through the wrong partial.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess

import pytest

import bpcalc
from bpcalc.cli.main import main
from bpcalc.engine import gradcheck
from bpcalc.engine.gradcheck import gradient_checks
from bpcalc.render import Options, render
from bpcalc.trace.data import Trace, result_of

from helpers import EXAMPLES, published

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
SEED003 = str(EXAMPLES / "slides_1_1_1.yaml")
SEED000 = str(EXAMPLES / "apples.yaml")
SIGMA_AT_NET = bpcalc.Config(partials={"sigmoid": ("x*(1 - x)",)})


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_example_passes(capsys, path):
    code, out, err = run(capsys, "gradcheck", str(path), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["mismatches"] == 0
    problem = bpcalc.load(str(path))
    checked = {c["name"] for c in data["checks"]}
    assert checked == set(problem.leaves) | {ln.name for ln in problem.lines} - {problem.output}
    assert all(c["ok"] is True for c in data["checks"]), [c for c in data["checks"] if not c["ok"]]


def test_estimates_are_the_published_seed000_gradients():
    _, report = gradient_checks(bpcalc.load(SEED000))
    estimates = {c.name: c.estimate for c in report.checks}
    for name, value in [("apple", "2.2"), ("apple_count", "11"), ("orange", "3.3"), ("orange_count", "16.5"),
                        ("tax", "65"), ("subtotal", "1.1")]:
        assert published(estimates[name], value), (name, estimates[name])


def test_a_wrong_partial_is_caught():
    _, report = gradient_checks(bpcalc.load(SEED003), config=SIGMA_AT_NET)
    assert report.mismatches > 0
    wrong = {c.name for c in report.checks if c.ok is False}
    # σ′ used twice (y_h and y_o): every name whose gradient passes through either is wrong
    assert wrong == {"x", "w_h", "b_h", "z_h", "y_h", "w_o", "b_o", "z_o"}
    assert {c.name for c in report.checks if c.ok} == {"y", "y_o"}


@pytest.mark.parametrize("line,wrong", [
    ("y_h", {"x", "w_h", "b_h", "z_h"}),
    ("y_o", {"x", "w_h", "b_h", "z_h", "y_h", "w_o", "b_o", "z_o"}),
])
def test_a_wrong_partial_in_one_line_is_caught_below_it_only(line, wrong):
    config = bpcalc.Config(partials={"sigmoid": ("x*(1 - x)",)}, at=frozenset({line}))
    _, report = gradient_checks(bpcalc.load(SEED003), config=config)
    assert {c.name for c in report.checks if c.ok is False} == wrong
    assert all(c.ok for c in report.checks if c.name not in wrong)


def test_a_swapped_product_rule_is_caught():
    # ∂(a·b)/∂a taken as a instead of b: seed 000's gates turned around
    config = bpcalc.Config(partials={"*": ("a", "b")})
    _, report = gradient_checks(bpcalc.load(SEED000), config=config)
    assert {c.name for c in report.checks if c.ok is False} == {
        "apple", "apple_count", "orange", "orange_count", "tax", "apple_total", "orange_total", "subtotal"}


def test_the_command_exits_1_on_a_mismatch(capsys, monkeypatch):
    monkeypatch.setattr(gradcheck, "gradient_checks", functools.partial(gradient_checks, config=SIGMA_AT_NET))
    code, out, err = run(capsys, "gradcheck", SEED003, "--format", "text")
    assert code == 1, err
    assert "✗" in out and "2 of 10 agree; 8 do not" in out


def test_rounding_makes_the_estimate_meaningless(capsys):
    code, out, err = run(capsys, "gradcheck", SEED003, "--round", "2", "--format", "json")
    assert code == 0, err
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    # y and y_o reach the loss without passing a rounded σ; every other name passes one
    assert checks["y"]["ok"] is True and checks["y_o"]["ok"] is True
    for name in ("x", "w_h", "b_h", "z_h", "y_h", "w_o", "b_o", "z_o"):
        assert checks[name]["ok"] is None and checks[name]["note"] == "rounded", name
        assert checks[name]["estimate"] == 0.0  # a change of 1e-6 is lost in the rounding
    assert published(checks["y_o"]["gradient"], "-0.21")


KINKS = """\
inputs: {x: 0, y: 2, z: 2, u: 0.5, v: 1e-9}
define:
  a: relu(x)
  b: abs(v)
  c: max(y, z)
  d: relu(u)
  o: a + b + 2 * c + d
"""


def test_kinks_are_noted_not_failed(capsys, tmp_path):
    path = tmp_path / "kinks.yaml"
    path.write_text(KINKS)
    code, out, err = run(capsys, "gradcheck", str(path), "--format", "json")
    assert code == 0, err
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    for name in ("x", "v", "y", "z"):  # relu at 0; abs within h of 0; a tie in max
        assert checks[name]["note"] == "kink" and checks[name]["ok"] is None, name
    assert checks["u"]["note"] is None and checks["u"]["ok"] is True  # relu far from its kink
    code, out, _ = run(capsys, "gradcheck", str(path), "--format", "text")
    assert "kink: x ± h crosses a point where a derivative jumps" in re.sub(r"\s+", " ", out)


def test_outside_the_domain_at_x_minus_h(capsys, tmp_path):
    path = tmp_path / "log.yaml"
    path.write_text("params: {x: 0.0000001}\ndefine:\n  y: log(x)\n")
    code, out, err = run(capsys, "gradcheck", str(path), "--format", "json")
    assert code == 0, err
    (check,) = json.loads(out)["checks"]
    assert check["note"] == "domain" and check["ok"] is None and check["estimate"] is None


def test_eps_and_tol_are_used(capsys):
    # h = 0.3 is far too coarse for σ's curvature: the estimates are off by more than 1e-5
    code, out, _ = run(capsys, "gradcheck", SEED003, "--eps", "0.3", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["mismatches"] > 0 and data["eps"] == 0.3
    assert all(c["h"] == pytest.approx(0.3 * max(1, abs(v))) for c, v in
               zip(data["checks"], [data["values"][c["name"]] for c in data["checks"]]))
    code, out, _ = run(capsys, "gradcheck", SEED003, "--eps", "0.3", "--tol", "0.1", "--format", "json")
    assert code == 0 and json.loads(out)["tol"] == 0.1
    code, _, err = run(capsys, "gradcheck", SEED003, "--eps", "-1")
    assert code == 2 and "--eps must be a number from 1e-12 to 1, not -1" in err


def test_only_and_unknown_names(capsys):
    code, out, _ = run(capsys, "gradcheck", SEED003, "--only", "w_h,b_o", "--format", "json")
    assert code == 0 and [c["name"] for c in json.loads(out)["checks"]] == ["w_h", "b_o"]
    code, out, err = run(capsys, "gradcheck", SEED003, "--only", "w_x")
    assert code == 2 and out == "" and "no name 'w_x'" in err and "did you mean" in err


def test_several_outputs_check_every_entry_of_the_jacobian(capsys, tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text("inputs: {x: 2, y: 3}\ndefine:\n  a: x * y\n  o1: a + x\n  o2: sin(a) * y\noutput: [o1, o2]\n")
    code, out, err = run(capsys, "gradcheck", str(path), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    pairs = [(c["output"], c["name"]) for c in data["checks"]]
    assert pairs == [("o1", n) for n in ("x", "y", "a", "o2")] + [("o2", n) for n in ("x", "y", "a", "o1")]
    assert data["output"] == ["o1", "o2"] and "jacobian" in data


def test_a_large_graph_checks_its_params_and_says_so(monkeypatch):
    monkeypatch.setattr(gradcheck, "BUDGET", 200)
    text = "inputs: {x: 1}\nparams: {a: 0.5, b: 0.2}\ndefine:\n  v0: a * x + b\n" + "".join(
        f"  v{k}: a * v{k - 1} + b\n" for k in range(1, 20))
    _, report = gradient_checks(bpcalc.loads(text))
    assert [c.name for c in report.checks] == ["a", "b"] and all(c.ok for c in report.checks)
    assert report.left_out is not None and "21 of 23 names not checked" in report.left_out


@pytest.mark.parametrize("fmt", ["text", "rich", "markdown", "latex", "html", "json"])
def test_every_format(fmt):
    solution, report = gradient_checks(bpcalc.load(SEED003), config=SIGMA_AT_NET)
    trace = Trace("gradcheck", solution.output, "seed003", (report,), result_of(solution, "gradcheck"))
    out = render(trace, fmt, Options(digits=6, standalone=True))
    assert any(name in out for name in ("w_h", "w_{h}", "<msub><mi>w</mi><mi>h</mi></msub>"))
    if fmt != "json":
        assert "Gradient check" in out and "2 of 10 agree; 8 do not" in out


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (.ci/run installs it)")
def test_latex_report_compiles(capsys, tmp_path):
    code, out, _ = run(capsys, "gradcheck", str(EXAMPLES / "blog_2_2_2.yaml"), "--format", "latex",
                       "--standalone")
    (tmp_path / "doc.tex").write_text(out, encoding="utf-8")
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert code == 0 and r.returncode == 0, r.stdout[-3000:]
