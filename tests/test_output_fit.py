"""Output that fits where it is read: the terminal's width, a browser window and printed page, a
LaTeX page — with every number still there — and a derivation that does not mislead."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

import bpcalc
from bpcalc.cli.main import main

from helpers import EXAMPLES, rendered

FILES = sorted(EXAMPLES.glob("*.yaml"))
NUMBER = re.compile(r"−?\d+(?:\.\d+)?(?:e−?\d+)?")


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def numbers(text: str) -> list[str]:
    return NUMBER.findall(text.replace("-", "−"))


def solved(path: Path, command: str):
    return bpcalc.solve(bpcalc.load(str(path)), step=command == "step")


# --- the terminal -------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("command", ["grad", "step"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_line_fits_the_width_and_every_number_is_kept(path, command, width):
    sol = solved(path, command)
    wide = rendered("text", sol, command, width=10_000)
    narrow = rendered("text", sol, command, width=width)
    for line in narrow.splitlines():
        if columns(line) > width:  # only a single piece no operator divides may stand out
            assert " " not in line.strip().lstrip("=+−×·( ").strip(), (width, line)
    assert numbers(narrow) == numbers(wide)


def test_a_long_chain_rule_line_breaks_between_factors_never_inside_a_number():
    sol = solved(EXAMPLES / "blog_2_2_2.yaml", "grad")
    out = rendered("text", sol, "grad", width=60)
    row = out[out.index("  path 1 "):].splitlines()[:5]
    equals = row[0].index("=")  # in the step's column; the factors go on under the first one
    assert re.match(r"  path 1 +=", row[0]) and row[1].startswith(" " * (equals + 4) + "· ")
    assert any(line.lstrip().startswith("× ") for line in out.splitlines())  # numbers broken at ×
    for line in out.splitlines():  # a line never starts inside a number ("= −0.2" / "1 × …")
        assert not re.match(r"\s*[\d.]", line), line
        assert not re.search(r"[−×·+=]$", line.rstrip()), line  # nor ends on a dangling operator


def test_the_command_line_lays_out_to_columns_or_width(capsys, monkeypatch):
    example = str(EXAMPLES / "slides_1_1_1.yaml")
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["step", example, "--format", "text"]) == 0
    assert max(columns(line) for line in capsys.readouterr().out.splitlines()) <= 60
    assert main(["step", example, "--format", "text", "--width", "120"]) == 0
    assert max(columns(line) for line in capsys.readouterr().out.splitlines()) > 80
    monkeypatch.delenv("COLUMNS")
    assert main(["step", example, "--format", "text"]) == 0  # piped: 80
    assert max(columns(line) for line in capsys.readouterr().out.splitlines()) <= 80


# --- HTML in a real browser -------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (Debian: "
                                    "apt-get install chromium; .ci/run installs it where it can)")


def chromium(tmp_path: Path, *args: str) -> str:
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)
    return done.stdout


@needs_chromium
@pytest.mark.parametrize("window", [1200, 700])
def test_the_page_fits_the_window(tmp_path, window):
    sol = solved(EXAMPLES / "blog_2_2_2.yaml", "step")
    page = rendered("html", sol, "step")
    probe = tmp_path / "probe.html"  # the page is script-free; the test adds one to measure it
    probe.write_text(page.replace("</body>", "<script>document.title = document.documentElement.scrollWidth"
                                  " + ' ' + window.innerWidth;</script></body>"), encoding="utf-8")
    dom = chromium(tmp_path, f"--window-size={window},900", "--dump-dom", probe.as_uri())
    scroll, inner = map(int, re.search(r"<title>(\d+) (\d+)</title>", dom).groups())
    assert inner == window and scroll <= inner


@needs_chromium
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="no pdftotext (Debian: poppler-utils)")
@pytest.mark.parametrize("paper", ["A4", "letter"])
def test_the_printed_page_holds_every_number_the_text_shows(tmp_path, paper):
    sol = solved(EXAMPLES / "blog_2_2_2.yaml", "step")
    page = tmp_path / "page.html"
    page.write_text(rendered("html", sol, "step").replace("</style>", f"@page {{ size: {paper}; }}</style>"),
                    encoding="utf-8")
    pdf = tmp_path / "page.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    printed = re.sub(r"−\s+(?=\d)", "−", printed)  # MathML writes the sign as its own operator
    text = rendered("text", sol, "step")
    missing = [n for n in set(numbers(text)) if n not in printed]
    assert not missing, missing


def test_the_page_is_mathml_and_self_contained():
    page = rendered("html", solved(EXAMPLES / "slides_1_1_1.yaml", "step"), "step")
    assert page.count("<math>") > 50 and "<mfrac>" in page and "<script" not in page
    assert "http" not in page.replace('lang="en"', "") and "\ue000" not in page and "\ue002" not in page
    assert "white-space: nowrap; }" in page and "@media print" in page


# --- LaTeX on a page ------------------------------------------------------------------------------------------

needs_latex = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                                 reason="no pdflatex/pdftotext (Debian: texlive-latex-recommended, "
                                 "poppler-utils; .ci/run installs them where it can)")


@needs_latex
@pytest.mark.parametrize("path", [EXAMPLES / "blog_2_2_2.yaml", EXAMPLES / "bce_one_neuron.yaml"],
                         ids=lambda p: p.stem)
def test_the_fragment_fits_a_default_article_page(tmp_path, path):
    sol = solved(path, "step")
    fragment = rendered("latex", sol, "step")
    header = [line for line in fragment.splitlines() if line.startswith("%")]
    assert any(r"\allowdisplaybreaks" in line for line in header)
    (tmp_path / "rows.tex").write_text(fragment, encoding="utf-8")
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{amsmath}\n\\allowdisplaybreaks\n"
                                      "\\begin{document}\n\\begin{align*}\n\\input{rows.tex}\n\\end{align*}\n"
                                      "\\end{document}\n", encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log
    printed = subprocess.run(["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True).stdout
    printed = re.sub(r"\s+", "", printed).replace("−", "-")
    text = rendered("text", sol, "step")
    missing = [n for n in set(numbers(text)) if n.replace("−", "-") not in printed]
    assert not missing, missing


# --- a derivation a student can follow ---------------------------------------------------------------------


def text_of(path: Path, command: str, every_gradient: bool = False, **options) -> str:
    sol = bpcalc.solve(bpcalc.load(str(path)), step=command == "step", **options)
    return rendered("text", sol, command, every_gradient=every_gradient)


def test_a_computation_that_is_not_a_loss_ends_in_its_output():
    out = text_of(EXAMPLES / "apples.yaml", "grad")
    assert "Step 3  Output" in out and "Loss" not in out
    assert "Step 3  Loss" in text_of(EXAMPLES / "slides_1_1_1.yaml", "grad")


@pytest.mark.parametrize("command", ["forward", "grad"])
def test_the_learning_rate_appears_only_where_an_update_is_made(command):
    assert "learning rate" not in text_of(EXAMPLES / "slides_1_1_1.yaml", command)
    assert "learning rate η = 0.5" in text_of(EXAMPLES / "slides_1_1_1.yaml", "step")


def test_a_problem_without_params_says_there_is_nothing_to_update():
    out = text_of(EXAMPLES / "apples.yaml", "step")
    assert "nothing to update: the problem has no params" in out
    assert "Loss after" not in out and "updated parameters" not in out and "learning rate" not in out


def test_the_labels_gradient_comes_after_what_a_student_is_asked_for():
    out = text_of(EXAMPLES / "slides_1_1_1.yaml", "grad", every_gradient=True)
    backward = out[out.index("Step 4"):out.index("Step 5")].splitlines()
    rows = [line.split("=")[0].strip() for line in backward if line.startswith("  ∂loss/∂")]
    assert rows[:3] == ["∂loss/∂loss", "∂loss/∂y_o", "∂loss/∂z_o"]
    block = next(i for i, line in enumerate(backward) if "gradients of the inputs" in line)
    assert backward.index(next(line for line in backward if line.startswith("  ∂loss/∂y "))) > block
    assert all(not line.startswith(("  ∂loss/∂w", "  ∂loss/∂b")) for line in backward[block:])


def test_ties_follow_the_file():
    out = text_of(EXAMPLES / "blog_2_2_2.yaml", "grad", every_gradient=True)
    backward = out[out.index("Step 4"):out.index("Step 5")]
    order = [m.group(1) for m in re.finditer(r"^  ∂E_total/∂(\w+) ", backward, re.M)]
    assert order.index("out_o1") < order.index("out_o2") < order.index("net_o1") < order.index("net_o2")
    assert order.index("w5") < order.index("w6") < order.index("w7") < order.index("w8")
    assert order.index("w8") < order.index("out_h1") < order.index("out_h2") < order.index("w1")
    assert order.index("w4") < order.index("t_o1")  # targets, inputs, frozen biases last
    assert order.index("w4") < order.index("b1") and order.index("w4") < order.index("i1")


SOFTMAX_223 = """\
network:
  inputs: [i1, i2]
  layers:
    - {name: h, activation: relu, weights: [[0.1, 0.2], [0.3, -0.4]], bias: [0.1, 0.1]}
    - {name: o, activation: softmax, weights: [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], bias: [0, 0, 0]}
sample: {inputs: [0.5, 0.8], targets: [0, 1, 0]}
loss: cross_entropy
"""


def test_paths_through_a_zero_factor_are_left_out_and_counted():
    sol = bpcalc.solve(bpcalc.loads(SOFTMAX_223))
    out = rendered("text", sol, "grad")
    chain = out[out.index("Step 5"):]
    # w_h1_i1 reaches the loss by 9 paths (3 outputs × 3 nets); t_o1 = t_o3 = 0 make
    # ∂loss/∂out_o1 = ∂loss/∂out_o3 = 0: 6 paths are 0, the 3 through out_o2 remain
    assert ("6 paths to w_h1_i1 left out: each has a factor that is exactly 0 (∂loss/∂out_o1 = 0, "
            "∂loss/∂out_o3 = 0)") in chain
    assert "w_h1_i1 reaches loss by 3 paths" in chain
    products = [float(m.group(1).replace("−", "-"))
                for m in re.finditer(r"^  path \d +=.* = (−?[\d.]+)   \(via", chain[:chain.index("∂loss/∂w_h1_i1 =")],
                                     re.M)]
    assert len(products) == 3 and sum(products) == pytest.approx(sol.gradients["w_h1_i1"], rel=1e-12)
    assert " × 0 × " not in chain and "(−0) ×" not in chain


def test_rounding_that_zeroes_every_gradient_says_so():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml")), round=0)
    assert all(sol.gradients[p] == 0 for p in sol.problem.trainable)
    assert "every param's gradient is exactly 0" in rendered("text", sol, "grad")
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml")), round=2)
    assert "exactly 0" not in rendered("text", sol, "grad")


# --- messages ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,message,hint", [
    ("inputs: {x: 1}\ndefine:\n  y: σ(x)\n", "unexpected 'σ' in expression", "σ(z) is written sigmoid(z)"),
    ("inputs: {x: 1}\ndefine:\n  y: e^x\n", "'e' is not defined", "e^x is written exp(x)"),
    ("inputs: {x: 1}\ndefine:\n  f = x*x\n", "not equations", "write `f: x*x`"),
    ("network:\n  inputs: [a]\n  layers: [{weights: [[1]]}]\nsample: {inputs: [1], targets: [1]}\nloss: MSE\n",
     "unknown loss 'MSE'", "did you mean 'mse'?"),
])
def test_messages_that_say_how_to_write_it(tmp_path, capsys, text, message, hint):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["grad", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and hint in err


@pytest.mark.parametrize("args,message", [
    (["--format", "json", "--ascii"], "--ascii applies to --format text and rich, not json"),
    (["--format", "markdown", "--standalone"], "--standalone applies to --format latex and html"),
    (["--format", "json", "--only", "w_o"], "--only chooses the lines of a worked solution"),
    (["--format", "pdf"], "--format must be one of rich, text, markdown, latex, json, html, page, not 'pdf'"),
])
def test_options_without_meaning_in_a_format_are_refused_with_a_reason(capsys, args, message):
    assert main(["grad", str(EXAMPLES / "slides_1_1_1.yaml"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Value error" not in err and "Input should" not in err


@pytest.mark.parametrize("alias,fmt", [("md", "markdown"), ("tex", "latex")])
def test_short_format_names(capsys, alias, fmt):
    assert main(["grad", str(EXAMPLES / "apples.yaml"), "--format", alias]) == 0
    assert capsys.readouterr().out == rendered(fmt, solved(EXAMPLES / "apples.yaml", "grad"), "grad")


def test_rich_output_is_the_text_layout_coloured(monkeypatch):
    sol = solved(EXAMPLES / "blog_2_2_2.yaml", "step")
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = rendered("rich", sol, "step", width=70)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert plain == rendered("text", sol, "step", width=70)
    assert max(columns(line) for line in plain.splitlines()) <= 70


# --- step -o: what the screen shows, the input's mode, said on stderr; -o - to standard output ----------


def test_step_o_writes_the_numbers_as_shown(tmp_path):
    # seed 003 with --round 2: ∂loss/∂b_o = −(0.8 − 0.59) × 0.59(1 − 0.59) = −0.050799 carries float
    # noise (−0.05079900000000002), so b_o ← 0.2 − 0.5·∂loss/∂b_o does too; the slides (and the
    # screen) say 0.2253995, and so does the file
    b_o = 0.2 - 0.5 * (-(0.8 - 0.59) * (0.59 * (1 - 0.59)))
    assert b_o != 0.2253995 and abs(b_o - 0.2253995) < 1e-15
    src = tmp_path / "s3.yaml"
    src.write_text((EXAMPLES / "slides_1_1_1.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    src.chmod(0o640)
    r = subprocess.run([sys.executable, "-m", "bpcalc", "step", str(src), "--round", "2", "-o", "next.yaml"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "wrote next.yaml\n"
    written = (tmp_path / "next.yaml").read_text(encoding="utf-8")
    assert "b_o: 0.2253995}" in written and "w_o: 0.314477715," in written
    assert stat.S_IMODE((tmp_path / "next.yaml").stat().st_mode) == 0o640
    piped = subprocess.run([sys.executable, "-m", "bpcalc", "step", str(src), "--round", "2", "-o", "-"],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0 and piped.stdout == written and piped.stderr == ""


def test_the_readme_and_the_docs_show_what_step_prints():
    command = "bpcalc step examples/slides_1_1_1.yaml --round 2 --format text"
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    formats = (EXAMPLES.parent / "docs" / "output-formats.md").read_text(encoding="utf-8")
    first = readme.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    whole = formats.split(f"$ {command}\n", 1)[1].split("```", 1)[0]
    r = subprocess.run([sys.executable, "-m", "bpcalc", *command.split()[1:]], cwd=EXAMPLES.parent,
                       capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "80"})
    assert r.returncode == 0 and r.stdout == whole
    assert first.endswith("...\n") and r.stdout.startswith(first.removesuffix("...\n"))
