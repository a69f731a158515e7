"""The worked-example renderers: golden files, every step kind in every format, plain output
when piped, LaTeX that compiles, HTML that parses, formulas whose values are the engine's."""

from __future__ import annotations

import dataclasses
import html.parser
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bpcalc
from bpcalc import defaults
from bpcalc.render import Options, layout, render
from bpcalc.render.printers import AsciiPrinter, LatexPrinter, Printer
from bpcalc.symbolic import evaluate
from bpcalc.trace import ENTRY_KINDS, STEP_KINDS, build
from bpcalc.trace.builder import iterations
from bpcalc.trace.steps import (
    Backward,
    BatchBackward,
    BatchForward,
    Brief,
    ClassGrading,
    Conventions,
    Curve,
    ErrorSplit,
    Forward,
    Given,
    GradCheck,
    Grading,
    History,
    JacobianMatrix,
    Loss,
    MatrixBackward,
    MatrixForward,
    Part,
    Questions,
    Statement,
    Trained,
    Training,
)

from helpers import rendered

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# (golden name, example, command, --round)
CASES = [
    ("slides_1_1_1_step_round2", "slides_1_1_1.yaml", "step", 2),
    ("blog_2_2_2_grad", "blog_2_2_2.yaml", "grad", None),
    ("apples_grad", "apples.yaml", "grad", None),
]
FORMATS = {"text": "txt", "markdown": "md", "latex": "tex", "html": "html"}
RENDERERS = ("text", "rich", "markdown", "latex", "html")


def solve(example: str, command: str = "grad", round_: int | None = None):
    problem = bpcalc.load(str(EXAMPLES / example))
    return bpcalc.solve(problem, round=round_, step=command == "step")


# --- golden files -----------------------------------------------------------------------------------
# Regenerate with BPCALC_REGENERATE_GOLDEN=1, then read every changed line against the math
# (git diff tests/golden) before committing: these files are checked by hand, not by bpcalc.


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name,example,command,round_", CASES)
def test_golden(name, example, command, round_, fmt):
    ext = FORMATS[fmt]
    solution = solve(example, command, round_)
    # the examples are loaded by relative path in the goldens' titles
    solution.problem.file = f"examples/{example}"
    got = rendered(fmt, solution, command, digits=defaults.DIGITS, only=None, max_paths=16, ascii=False,
                   standalone=fmt == "latex", width=80)
    path = GOLDEN / f"{name}.{ext}"
    if os.environ.get("BPCALC_REGENERATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
        pytest.skip(f"regenerated {path.name}: read it line by line before committing")
    assert got == path.read_text(encoding="utf-8")


# --- the seeds' published numbers appear in the text, on the right lines -----------------------------


def squeeze(s: str) -> str:
    return re.sub(r" {2,}", " ", s)


def test_seed003_reads_like_the_slides():
    out = squeeze(rendered("text", solve("slides_1_1_1.yaml", "step", 2), "step"))
    for line in [
        "y_h = σ(z_h) = 1/(1 + e^−0.3) = 0.57 (0.574442516812 rounded to 2 places)",
        "loss = 0.5·(y − y_o)² = 0.5 × (0.8 − 0.59)² = 0.02205",
        "∂loss/∂y_o = −(y − y_o) = −(0.8 − 0.59) = −0.21",
        "∂y_o/∂z_o = y_o(1 − y_o) = 0.59 × (1 − 0.59) = 0.2419",
        "∂loss/∂z_o = ∂loss/∂y_o · ∂y_o/∂z_o = −0.21 × 0.2419 = −0.050799",
        "∂y_h/∂z_h = y_h(1 − y_h) = 0.57 × (1 − 0.57) = 0.2451",
        "∂loss/∂w_o = ∂loss/∂y_o · ∂y_o/∂z_o · ∂z_o/∂w_o = −0.21 × 0.2419 × 0.57 = −0.02895543",
        "= −0.21 × 0.2419 × 0.3 × 0.2451 × 1 = −0.00373525047",
        "w_o ← w_o − η · ∂loss/∂w_o = 0.3 − 0.5 × (−0.02895543) = 0.314477715",
        "b_o ← b_o − η · ∂loss/∂b_o = 0.2 − 0.5 × (−0.050799) = 0.2253995",
    ]:
        assert line in out, line


def test_seed002_shows_both_paths_of_w1():
    out = squeeze(rendered("text", solve("blog_2_2_2.yaml"), "grad", only=["w1"]))
    assert "w1 reaches E_total by 2 paths" in out
    # ∂E/∂out_o1 = out_o1 − t_o1, σ′ = out(1 − out), ∂net_o1/∂out_h1 = w5, ∂net_o2/∂out_h1 = w7
    assert "path 1 = ∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂out_h1 · ∂out_h1/∂net_h1 · ∂net_h1/∂w1" in out
    assert "× 0.4 × 0.241300708572 × 0.05" in out and "× 0.5 × 0.241300708572 × 0.05" in out
    assert "∂E_total/∂w1 = path 1 + path 2 = " in out
    assert "= 0.000438567734474" in out  # the blog's 0.000438568


def test_a_frozen_params_paths_are_left_out_with_its_gradient():
    # the blog never updates b1 and b2: the backward pass leaves their gradients out (--all writes
    # them), and the chain rule per parameter leaves out their paths with them
    sol = solve("blog_2_2_2.yaml", "step")
    short = squeeze(rendered("text", sol, "step"))
    assert "left out" in short and "b1 reaches" not in short and "b2 reaches" not in short
    assert "w1 reaches E_total by 2 paths" in short
    every = squeeze(rendered("text", sol, "step", every_gradient=True))
    assert "b1 reaches E_total by 4 paths" in every and "b2 reaches E_total by 2 paths" in every


def test_seed000_gate_rules():
    out = squeeze(rendered("text", solve("apples.yaml"), "grad"))
    assert "∂subtotal/∂apple_total = 1 (+ passes the upstream gradient through)" in out
    assert "∂apple_total/∂apple = apple_count = 2 (× multiplies it by the other input)" in out
    for name, value in [("apple", "2.2"), ("apple_count", "11"), ("orange", "3.3"),
                        ("orange_count", "16.5"), ("tax", "65")]:
        assert re.search(rf"^ ∂pay/∂{name} = (.* = )?{re.escape(value)}$", out, re.M), name


# --- every step kind in every renderer ---------------------------------------------------------------


def test_layout_handles_every_kind():
    assert set(layout._STEPS) == set(STEP_KINDS)
    assert set(layout._ENTRIES) == set(ENTRY_KINDS)


@pytest.mark.parametrize("fmt", RENDERERS)
def test_every_step_kind_rendered(fmt):
    # two worked steps of the blog's network: the first per node and by paths with --all (w1: 2
    # paths written out; the frozen b1: 4 paths, past --max-paths 2, in the δ fallback), the second
    # in the δ form
    sol = solve("blog_2_2_2.yaml", "step")
    nxt = dataclasses.replace(sol.problem, params={**sol.problem.params, **sol.updated})
    sol2 = bpcalc.solve(nxt, step=True)
    trace = iterations([build(sol, "step", max_paths=2, every_gradient=True), build(sol2, "step", notation="delta")],
                       [sol, sol2])
    kinds = {type(s) for s in trace.steps} | {type(e) for s in trace.steps for e in getattr(s, "entries", ())}
    # a Jacobian, a gradient check, a check of answers and the error split belong to other traces:
    # test_jacobian.py, test_gradcheck.py and test_check.py render those in every format; momentum,
    # Adam and the training report: test_train.py; the matrix form: test_notations.py (of a batch:
    # test_matrix_batch.py); a problem sheet and its key: test_variants.py; a key's conventions:
    # test_grading.py; --brief: test_brief_in_every_format
    others = {JacobianMatrix, GradCheck, Grading, ClassGrading, Part, ErrorSplit, Training, History,
              Curve, Trained, MatrixForward, MatrixBackward, Statement, Questions, Conventions, Brief, BatchForward,
              BatchBackward}
    assert kinds == (set(STEP_KINDS) - others) | set(ENTRY_KINDS), "the fixture must hold every kind"
    out = ANSI.sub("", render(trace, fmt, Options(standalone=fmt in ("latex", "html"), width=120)))
    out = out.replace(r"$\delta$", "δ")
    for n, title in enumerate(["Given", "Forward pass", "Loss", "Backward pass", "Chain rule",
                               "SGD update", "Loss after the step"], 1):
        assert re.search(rf"Step {n}\.? +{title}", out), (fmt, title)
    for title in ("Iteration 2 of 2", "Backward pass in δ form", "Chain rule, factored per parameter",
                  "The params and the loss, iteration by iteration"):
        assert title in out, (fmt, title)
    assert "δ" in out or r"\delta" in out  # the δ fallback
    assert "path 2" in out and "2 paths" in out and "4 paths" in out


@pytest.mark.parametrize("fmt", RENDERERS)
def test_brief_in_every_format(fmt):
    # the blog's 2-2-2 network (Mazur): out_h1 0.593269992, E_total 0.298371109, ∂E/∂w5 0.082167041,
    # ∂E/∂w1 0.000438568, w5 after the step 0.35891648; every line's value, every param's
    # gradient and update, and none of the working
    trace = build(solve("blog_2_2_2.yaml", "step"), "step", brief=True)
    assert [type(s) for s in trace.steps] == [Given, Brief]
    out = ANSI.sub("", render(trace, fmt, Options(digits=9, standalone=fmt in ("latex", "html"), width=80)))
    out = out.replace("$-$", "−").replace("&minus;", "−").replace("<mo>−</mo>", "−")
    for number in ("0.593269992", "0.298371109", "0.0821670406", "0.000438567734", "0.35891648", "0.15"):
        assert number in out, (fmt, number)
    assert "0.291027774" in out  # the loss after the step
    assert "Backward pass" not in out and "Chain rule" not in out
    if fmt == "text":
        assert max(len(line) for line in out.splitlines()) <= 80
        values = out[out.index("the forward pass:"):out.index("the gradients:")]
        assert [line.split()[0] for line in values.splitlines()[3:] if line.strip()] == [
            "net_h1", "net_h2", "out_h1", "out_h2", "net_o1", "net_o2", "out_o1", "out_o2", "E_total"]
        step = out[out.index("the step:"):]
        assert re.search(r"^  w5 +0\.4 +0\.35891648$", step, re.M)
    # --only keeps those names' rows
    only = render(build(solve("blog_2_2_2.yaml", "step"), "step", brief=True, only=["w5"]), "text", Options(width=80))
    only = only[only.index("Step 2"):]
    assert "w5 " in only and "w6 " not in only and "E_total" in only


# --- plain when piped, NO_COLOR --------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bpcalc", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=ROOT, timeout=60)


def test_piped_output_is_plain_text():
    r = run_cli("step", "examples/slides_1_1_1.yaml", "--round", "2")
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout
    assert "Step 4  Backward pass" in r.stdout


def test_no_color():
    r = run_cli("grad", "examples/apples.yaml", "--format", "rich", env={"NO_COLOR": "1"})
    assert r.returncode == 0, r.stderr
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]m", r.stdout)  # no foreground colour
    r = run_cli("grad", "examples/apples.yaml", "--format", "text", env={"NO_COLOR": "1"})
    assert "\x1b" not in r.stdout


def test_rich_is_the_text_layout_in_colour():
    sol = solve("slides_1_1_1.yaml", "step", 2)
    coloured = rendered("rich", sol, "step")
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == rendered("text", sol, "step")


def test_ascii():
    out = rendered("text", solve("slides_1_1_1.yaml", "step", 2), "step", ascii=True)
    assert out.isascii()
    assert "dloss/dy_o = -(y - y_o)" in squeeze(out)
    assert "sigmoid(z_h)" in out


# --- LaTeX compiles, HTML parses -------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (apt-get install texlive-latex-base "
                           "texlive-latex-recommended; .ci/run does this)")
@pytest.mark.parametrize("name,example,command,round_", CASES)
def test_latex_standalone_compiles(tmp_path, name, example, command, round_):
    doc = rendered("latex", solve(example, command, round_), command, standalone=True)
    (tmp_path / "doc.tex").write_text(doc, encoding="utf-8")
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000


def test_latex_fragment_is_align_rows():
    out = rendered("latex", solve("slides_1_1_1.yaml", "step", 2), "step")
    rows = [line for line in out.splitlines() if not line.startswith("%")]
    assert not any(r"\begin{" in line or r"\documentclass" in line for line in rows)
    assert r"\frac{\partial \mathit{loss}}{\partial y_{o}} &= -\left(y - y_{o}\right)" in out


class _Checker(html.parser.HTMLParser):
    VOID = {"meta", "br", "img", "link", "input", "hr"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for _, v in attrs if v and re.search(r"https?:|//", v)]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


@pytest.mark.parametrize("name,example,command,round_", CASES)
def test_html_parses_and_is_self_contained(name, example, command, round_):
    page = rendered("html", solve(example, command, round_), command)
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert not checker.errors and not checker.stack
    assert not re.search(r"https?://", page) and not checker.urls
    assert page.startswith("<!DOCTYPE html>")


# --- formulas: their values are the engine's -----------------------------------------------------------


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
@pytest.mark.parametrize("round_", [None, 2])
def test_formula_values_equal_engine_values(example, round_):
    sol = solve(example, "grad", round_)
    trace = build(sol, "grad")
    checked = 0
    for step in trace.steps:
        if isinstance(step, (Forward, Loss)):
            for c in (step.lines if isinstance(step, Forward) else (step.line,)):
                assert evaluate(c.numbers, {}, sol.round) == pytest.approx(c.value, rel=1e-12, abs=1e-15)
                checked += 1
        if isinstance(step, Backward):
            for entry in step.entries:
                for term in getattr(entry, "terms", ()):
                    loc = term.local
                    assert loc.formula is not None
                    assert evaluate(loc.formula, sol.values, sol.round) == pytest.approx(
                        loc.value, rel=1e-12, abs=1e-15), (loc.of, loc.wrt)
                    assert evaluate(loc.numbers, {}, sol.round) == pytest.approx(loc.value, rel=1e-12, abs=1e-15)
                    assert term.upstream == sol.gradients[term.consumer]
                    checked += 1
    assert checked > 5


# --- printers ---------------------------------------------------------------------------------------------


def P(src: str):
    from bpcalc.reading.expression import parse
    return parse(src)


@pytest.mark.parametrize("src,unicode_,ascii_,latex_", [
    ("y_o*(1 - y_o)", "y_o(1 − y_o)", "y_o*(1 - y_o)", r"y_{o}\left(1 - y_{o}\right)"),
    ("-(y - y_o)", "−(y − y_o)", "-(y - y_o)", r"-\left(y - y_{o}\right)"),
    ("sigmoid(z_h)", "σ(z_h)", "sigmoid(z_h)", r"\sigma\left(z_{h}\right)"),
    ("0.5*(y - y_o)**2", "0.5·(y − y_o)²", "0.5*(y - y_o)^2", r"0.5 \cdot {\left(y - y_{o}\right)}^{2}"),
    ("a - (b - c)", "a − (b − c)", "a - (b - c)", r"a - \left(b - c\right)"),
    ("a / (b * c)", "a / (b·c)", "a / (b*c)", r"\frac{a}{b \cdot c}"),
    ("a**(b + 1)", "a^(b + 1)", "a^(b + 1)", r"{a}^{b + 1}"),
    ("-a**2", "−a²", "-a^2", r"-{a}^{2}"),
])
def test_printers(src, unicode_, ascii_, latex_):
    e = P(src)
    assert Printer().expr(e) == unicode_
    assert AsciiPrinter().expr(e) == ascii_
    assert LatexPrinter().expr(e) == latex_


def test_numbers_print_without_noise_and_negatives_in_parentheses():
    from bpcalc.expr import Bin, Num
    e = Bin("-", Num(0.3), Bin("*", Num(0.5), Num(-0.028955430000000003)))
    assert Printer().expr(e, numeric=True) == "0.3 − 0.5 × (−0.02895543)"
    assert Printer(digits=3).num(0.574442516812) == "0.574"
    assert Printer().num(715.0000000000001) == "715"


def test_relu_says_which_case_applies():
    sol = bpcalc.solve(bpcalc.loads("inputs: {x: 0.3, y: -2}\ndefine:\n  a: relu(x)\n  b: relu(y)\n"
                                    "  s: a + b\n"))
    out = squeeze(rendered("text", sol, "grad"))
    assert "∂a/∂x = (1 if x > 0 else 0) = 1 (1 since x = 0.3 > 0)" in out
    assert "∂b/∂y = (1 if y > 0 else 0) = 0 (0 since y = −2 ≤ 0)" in out


# --- scale --------------------------------------------------------------------------------------------------


def test_ten_thousand_node_chain_renders_in_seconds():
    n = 10_000
    lines = ["  x1: w * x0 + b"] + [f"  x{k}: w * x{k - 1} + b" for k in range(2, n + 1)]
    problem = bpcalc.loads("inputs: {x0: 0.5}\nparams: {w: 0.9, b: 0.1}\ndefine:\n" + "\n".join(lines) + "\n")
    sol = bpcalc.solve(problem)
    start = time.perf_counter()
    out = rendered("text", sol, "grad")
    elapsed = time.perf_counter() - start
    assert elapsed < 30, f"{elapsed:.1f} s"
    assert "w reaches x10000 by 10000 paths" in out and "(δ) form" in out
    assert out.count("\n") > 2 * n


def test_a_sum_over_many_consumers_shows_its_ends_and_a_count(tmp_path):
    # a and b are used by 30 lines: their gradients sum 30 terms; 10 + 2 are shown, 18 counted
    lines = "".join(f"  x{i}: x{i - 1} * a + b\n" for i in range(1, 31))
    problem = bpcalc.loads("inputs: {x0: 0.5}\nparams: {a: 0.9, b: 0.01}\ndefine:\n" + lines)
    sol = bpcalc.solve(problem)
    out = rendered("text", sol, "grad")
    row = next(ln for ln in out.splitlines() if ln.lstrip().startswith("∂x30/∂a = ∂x30/∂x1"))
    _, symbols, numbers, _ = row.split(" = ")
    assert symbols.count("… 18 more terms …") == 1 and numbers.count("… 18 more terms …") == 1
    assert "∂x30/∂x11 ·" not in row
    assert "∂x30/∂x29 · ∂x29/∂a + ∂x30/∂x30 · ∂x30/∂a" in symbols
    ascii_out = rendered("text", sol, "grad", ascii=True)
    assert "... 18 more terms ..." in ascii_out and ascii_out.isascii()


SOFTMAX_CE = """\
network:
  inputs: [x1, x2]
  layers:
    - name: o
      activation: softmax
      weights: [[0.2, -0.1], [0.5, 0.3], [-0.4, 0.6]]
      bias: [0, 0, 0]
sample: {inputs: [1.0, 0.5], targets: TARGETS}
loss: cross_entropy
"""


def _shortcuts(text_out: str) -> dict[str, str]:
    return {m.group(1): m.group(0)
            for m in re.finditer(r"∂loss/∂(net_\w+) +=\s+out_\w+ − t_\w+[^\n]*identity", text_out)}


def test_softmax_cross_entropy_states_out_minus_t():
    sol = bpcalc.solve(bpcalc.loads(SOFTMAX_CE.replace("TARGETS", "[0, 1, 0]")))
    trace = bpcalc.trace_of(sol, "grad")
    backward = next(s for s in trace.steps if type(s).__name__ == "Backward")
    shortcuts = {e.name: e.shortcut for e in backward.entries if getattr(e, "shortcut", None)}
    assert set(shortcuts) == {"net_o1", "net_o2", "net_o3"}
    for net, s in shortcuts.items():
        k = net[-1]
        # the identity, from the values alone: out_k − t_k; and it is the engine's gradient
        assert s.value == sol.values[f"out_o{k}"] - sol.values[f"t_o{k}"]
        assert abs(s.value - sol.gradients[net]) <= 1e-15
    assert "∂loss/∂net_o2 = out_o2 − t_o2 = 0.481024263253 − 1 = −0.518975736747" in squeeze(
        rendered("text", sol, "grad"))


def test_no_shortcut_where_the_identity_does_not_hold():
    # targets that are not a distribution: ∂loss/∂net_k = out_k·Σt − t_k, not out_k − t_k
    sol = bpcalc.solve(bpcalc.loads(SOFTMAX_CE.replace("TARGETS", "[1, 1, 0]")))
    assert not _shortcuts(rendered("text", sol, "grad"))
    # rounded outputs no longer sum to 1 exactly: the sum alone is shown
    sol = bpcalc.solve(bpcalc.loads(SOFTMAX_CE.replace("TARGETS", "[0, 1, 0]")), round=2)
    assert not _shortcuts(rendered("text", sol, "grad"))


def test_bce_over_two_samples_states_the_mean_of_out_minus_t():
    problem = bpcalc.loads("""\
network:
  inputs: [x]
  layers: [{name: o, activation: sigmoid, weights: [[0.7]], bias: [-0.2]}]
samples: [{inputs: [1.5], targets: [1]}, {inputs: [-0.5], targets: [0]}]
loss: bce
""")
    sol = bpcalc.solve(problem)
    out = squeeze(rendered("text", sol, "grad"))
    for s in ("1", "2"):
        net = f"net_o[{s}]"
        expected = (sol.values[f"out_o[{s}]"] - sol.values[f"t_o[{s}]"]) / 2
        assert abs(sol.gradients[net] - expected) <= 1e-15
        assert f"∂loss/∂{net} = (out_o[{s}] − t_o[{s}]) / 2" in out


def test_latex_width_of_a_piece_cut_before_its_argument():
    # a long sum split into pieces may cut \frac{…}{…} or a script from its argument: the estimate
    # counts what is there (a crash here stopped `grad` of the iris network with exit 70)
    from bpcalc.render.latex import width

    assert width(r"\frac{a}{") == pytest.approx(1.2)
    assert width("x^") == pytest.approx(1.2) and width(r"\frac") == 0.0
    assert width(r"\frac{12}{3}") == pytest.approx(2.0)


def test_latex_of_a_network_of_150_samples(capsys):
    from bpcalc.cli.main import main

    assert main(["grad", "example:train/iris", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert out.count(r"\begin{") == out.count(r"\end{") > 0
