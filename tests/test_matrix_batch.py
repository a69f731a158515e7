"""--notation matrix of several samples: the batch form, a row per sample (Z = A Wᵀ + 1 bᵀ,
Δ^L from each sample's own loss, Δ^l = (Δ^(l+1) W^(l+1)) ⊙ φ′(Z^l), ∂E/∂W = c Δᵀ A, ∂E/∂b = c Δᵀ 1
with c = 1/n for the mean).  Every entry is checked against the scalar engine's per-sample nodes
and against numpy written out here; every format draws it (text at 80 columns without a line the
terminal would fold, LaTeX through pdflatex, HTML in Chromium)."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import bpcalc
from bpcalc.cli.main import main
from bpcalc.render import Options, render
from bpcalc.render.text import width_of
from bpcalc.trace import build
from bpcalc.trace.matrix import matrix_steps
from bpcalc.trace.steps import BatchBackward, BatchForward, MatrixBackward

from helpers import EXAMPLES

SHOTS = Path(tempfile.gettempdir())

#: the blog's 2-2-2 network (Mazur) with two samples more: its first sample's row is the blog's
#: one-sample numbers (δ_o1 = 0.138498562, ∂E/∂w5 of that sample alone 0.082167041)
BLOG_BATCH = """
network:
  inputs: [i1, i2]
  layers:
    - {name: h, activation: sigmoid, weights: [[w1, w2], [w3, w4]], bias: [b1, b1]}
    - {name: o, activation: sigmoid, weights: [[w5, w6], [w7, w8]], bias: [b2, b2]}
params: {w1: 0.15, w2: 0.20, w3: 0.25, w4: 0.30, w5: 0.40, w6: 0.45, w7: 0.50, w8: 0.55, b1: 0.35, b2: 0.60}
samples:
  - {inputs: [0.05, 0.10], targets: [0.01, 0.99]}
  - {inputs: [0.5, -0.3], targets: [0.8, 0.2]}
  - {inputs: [1.0, 0.4], targets: [0.3, 0.6]}
loss: {kind: half_sse, name: E_total}
reduction: REDUCTION
lr: 0.5
"""

#: softmax outputs and cross-entropy over one-hot targets, a tanh layer before them
SOFTMAX_BATCH = """
network:
  inputs: [x1, x2]
  layers:
    - {name: h, activation: tanh, weights: [[w1, w2], [w3, w4]], bias: [b1, b2]}
    - {name: o, activation: softmax, weights: [[w5, w6], [w7, w8], [w9, w10]], bias: [b3, b4, b5]}
params: {w1: 0.1, w2: -0.2, w3: 0.4, w4: 0.3, b1: 0.05, b2: -0.1, w5: 0.5, w6: -0.3, w7: 0.2, w8: 0.6,
         w9: -0.4, w10: 0.1, b3: 0.0, b4: 0.1, b5: -0.1}
samples:
  - {inputs: [1.0, 0.5], targets: [1, 0, 0]}
  - {inputs: [-0.5, 2.0], targets: [0, 1, 0]}
  - {inputs: [0.3, -1.2], targets: [0, 0, 1]}
loss: cross_entropy
lr: 0.1
"""


def _wide(samples: int = 9, hidden: int = 5) -> str:
    """Three inputs, a wide relu layer, two sigmoid outputs, mse summed over many samples: matrices
    too wide for 80 columns and taller than the rows shown."""
    rng = np.random.default_rng(5)
    rows = lambda n, m: "[" + ", ".join("[" + ", ".join(f"{v:.3f}" for v in rng.uniform(-1, 1, m)) + "]"  # noqa: E731
                                        for _ in range(n)) + "]"
    data = "\n".join(f"  - {{inputs: [{', '.join(f'{v:.2f}' for v in rng.uniform(-2, 2, 3))}], "
                     f"targets: [{', '.join(f'{v:.2f}' for v in rng.uniform(0, 1, 2))}]}}" for _ in range(samples))
    return (f"network:\n  inputs: [x1, x2, x3]\n  layers:\n"
            f"    - {{name: h, activation: relu, weights: {rows(hidden, 3)}, bias: {rows(1, hidden)[1:-1]}}}\n"
            f"    - {{name: o, activation: sigmoid, weights: {rows(2, hidden)}, bias: 0.1}}\n"
            f"samples:\n{data}\nloss: mse\nreduction: sum\nlr: 0.1\n")


def blog(reduction: str = "mean") -> str:
    return BLOG_BATCH.replace("REDUCTION", reduction)


FILES = {"blog_mean": blog("mean"), "blog_sum": blog("sum"), "softmax": SOFTMAX_BATCH, "wide": _wide()}


def batch(text: str):
    sol = bpcalc.solve(bpcalc.loads(text))
    forward, backward = matrix_steps(sol)
    assert isinstance(forward, BatchForward) and isinstance(backward, BatchBackward)
    assert forward.layers == backward.layers
    return sol, forward, backward


# --- numpy, written out here ------------------------------------------------------------------------------


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def by_hand(text: str) -> dict:
    """The batch form computed here with numpy from the file itself: Z, A per layer, Δ per layer
    (each sample's own δ), and the gradients of the file's loss (the mean or the sum)."""
    import yaml

    doc = yaml.safe_load(text)
    params = doc.get("params", {})
    x = np.array([s["inputs"] for s in doc["samples"]], dtype=float)
    t = np.array([s["targets"] for s in doc["samples"]], dtype=float)
    n = len(x)
    c = 1.0 / n if doc.get("reduction", "mean") == "mean" else 1.0

    def value(v):
        return params[v] if isinstance(v, str) else float(v)

    layers = []
    for spec in doc["network"]["layers"]:
        w = np.array([[value(v) for v in row] for row in spec["weights"]])
        bias = spec.get("bias", 0.0)
        b = np.array([value(v) for v in bias]) if isinstance(bias, list) else np.full(len(w), value(bias))
        layers.append((w, b, spec["activation"]))
    zs, outs = [], [x]
    for w, b, act in layers:
        z = outs[-1] @ w.T + np.ones((n, 1)) @ b[None, :]
        if act == "sigmoid":
            a = _sigmoid(z)
        elif act == "tanh":
            a = np.tanh(z)
        elif act == "relu":
            a = np.maximum(z, 0.0)
        else:  # softmax, row by row
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        zs.append(z)
        outs.append(a)

    def slope(act, z, a):
        return {"sigmoid": a * (1 - a), "tanh": 1 - a * a, "relu": (z > 0).astype(float)}[act]

    a_out, (_, _, act_out) = outs[-1], layers[-1]
    loss = doc["loss"]["kind"] if isinstance(doc["loss"], dict) else doc["loss"]
    k = a_out.shape[1]
    if loss == "cross_entropy":  # softmax and cross-entropy: δ = a − t (targets summing to 1)
        delta = a_out - t
    else:  # ½Σ(t − a)², or Σ(t − a)²/k for mse: ∂E_s/∂a = (a − t), 2(a − t)/k
        grad_a = (a_out - t) if loss == "half_sse" else 2 * (a_out - t) / k
        delta = grad_a * slope(act_out, zs[-1], a_out)
    deltas = [delta]
    for i in range(len(layers) - 2, -1, -1):
        delta = (delta @ layers[i + 1][0]) * slope(layers[i][2], zs[i], outs[i + 1])
        deltas.insert(0, delta)
    grad_w = [c * d.T @ a_in for d, a_in in zip(deltas, outs)]
    grad_b = [c * d.T @ np.ones(n) for d in deltas]
    return {"z": zs, "a": outs[1:], "delta": deltas, "grad_w": grad_w, "grad_b": grad_b, "c": c, "n": n}


def _agree(a, b) -> bool:
    return math.isclose(a, b, rel_tol=1e-11, abs_tol=1e-14)


@pytest.mark.parametrize("name", FILES)
def test_every_entry_is_numpys_by_hand(name):
    _, _, backward = batch(FILES[name])
    hand = by_hand(FILES[name])
    assert backward.scale == hand["c"]
    for i, layer in enumerate(backward.layers):
        for mine, theirs in (("z", "z"), ("a", "a"), ("delta", "delta"), ("grad_w", "grad_w")):
            got = np.array(getattr(layer, mine))
            assert got.shape == hand[theirs][i].shape, (name, layer.name, mine)
            assert np.allclose(got, hand[theirs][i], rtol=1e-12, atol=1e-15), (name, layer.name, mine)
        assert np.allclose(layer.grad_b, hand["grad_b"][i], rtol=1e-12, atol=1e-15), (name, layer.name)


@pytest.mark.parametrize("name", FILES)
def test_every_entry_is_the_scalar_engines(name):
    """Row s of Z and A is sample s's net_j[s] and out_j[s]; row s of Δ is ∂E_s/∂net_j[s], the
    engine's ∂E/∂net_j[s] over c (E the mean or the sum of the E_s); the gradients' entries add up
    to the engine's ∂E/∂param (a shared bias over its places)."""
    sol, _, backward = batch(FILES[name])
    c = backward.scale
    local = {(of, wrt): d for of, parts in sol.local.items() for wrt, d in parts}
    sums: dict[str, float] = {}
    checked = 0
    for layer in backward.layers:
        assert len(layer.nets) == len(layer.z) == len(backward.losses) == sol.problem.samples
        for s, (nets, outs) in enumerate(zip(layer.nets, layer.outs)):
            for j, (net, out) in enumerate(zip(nets, outs)):
                assert net.endswith(f"[{s + 1}]") and out.endswith(f"[{s + 1}]")
                assert _agree(layer.z[s][j], sol.values[net]), net
                assert _agree(layer.a[s][j], sol.values[out]), out
                assert _agree(layer.delta[s][j], sol.gradients[net] / c), net
                assert _agree(layer.grad_a[s][j], sol.gradients[out] / c), out
                if layer.slope is not None:
                    assert _agree(layer.slope[s][j], local[(out, net)]), (out, net)
                if layer.jacobians is not None:
                    for m, other in enumerate(outs):
                        assert _agree(layer.jacobians[s][m][j], local.get((other, net), 0.0)), (other, net)
                checked += 1
        for j, row in enumerate(layer.weights):
            for k, w in enumerate(row):
                # ∂E/∂W[j][k] = c Σ_s Δ[s][j] A_in[s][k]: the sum over the samples, written out
                assert _agree(layer.grad_w[j][k], c * sum(d[j] * a[k] for d, a in zip(layer.delta, layer.a_in)))
                sums[w] = sums.get(w, 0.0) + layer.grad_w[j][k]
            if layer.biases is not None and layer.grad_b is not None:
                assert _agree(layer.grad_b[j], c * sum(d[j] for d in layer.delta))
                sums[layer.biases[j]] = sums.get(layer.biases[j], 0.0) + layer.grad_b[j]
    for param, total in sums.items():
        assert math.isclose(total, sol.gradients[param], rel_tol=1e-11, abs_tol=1e-14), param
    assert checked >= 3 * 4


def test_the_first_sample_of_the_blogs_batch_is_the_blogs_one_sample_form():
    # a row of Δ is one sample's δ: the blog's δ_o1 = 0.138498562 and δ_h1 = 0.00877135469
    # (tests/golden/blog_2_2_2_grad_matrix.txt), whatever the other rows
    _, _, backward = batch(blog("mean"))
    hidden, output = backward.layers
    assert round(output.delta[0][0], 9) == 0.138498562
    assert round(hidden.delta[0][0], 11) == 0.00877135469
    one = bpcalc.solve(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml")))
    single = matrix_steps(one)[1]
    assert isinstance(single, MatrixBackward)
    for layer, alone in zip(backward.layers, single.layers):
        assert np.allclose(layer.delta[0], alone.delta, rtol=1e-14)
        assert np.allclose(layer.z[0], alone.z, rtol=1e-14)


def test_the_mean_and_the_sum_differ_by_n_in_the_gradients_only():
    _, _, mean = batch(blog("mean"))
    _, _, total = batch(blog("sum"))
    assert (mean.scale, total.scale) == (1 / 3, 1.0)
    for a, b in zip(mean.layers, total.layers):
        assert a.delta == b.delta and a.z == b.z
        assert np.allclose(np.array(a.grad_w) * 3, b.grad_w, rtol=1e-14)
        assert np.allclose(np.array(a.grad_b) * 3, b.grad_b, rtol=1e-14)


def test_random_networks_of_several_samples():
    from test_dense import random_network

    checked = 0
    for seed in range(300):
        problem = bpcalc.loads(random_network(seed))
        if problem.samples < 2:
            continue
        try:
            sol = bpcalc.solve(problem)
        except bpcalc.MathError:
            continue
        _, backward = matrix_steps(sol)
        assert isinstance(backward, BatchBackward)
        c = backward.scale
        sums: dict[str, float] = {}
        for layer in backward.layers:
            for s, nets in enumerate(layer.nets):
                for j, net in enumerate(nets):
                    assert math.isclose(layer.delta[s][j], sol.gradients[net] / c, rel_tol=1e-9, abs_tol=1e-12)
                    assert math.isclose(layer.z[s][j], sol.values[net], rel_tol=1e-12, abs_tol=1e-15)
                    checked += 1
            for j, row in enumerate(layer.weights):
                for k, w in enumerate(row):
                    sums[w] = sums.get(w, 0.0) + layer.grad_w[j][k]
                if layer.biases is not None and layer.grad_b is not None:
                    sums[layer.biases[j]] = sums.get(layer.biases[j], 0.0) + layer.grad_b[j]
        for param, total in sums.items():
            assert math.isclose(total, sol.gradients[param], rel_tol=1e-9, abs_tol=1e-12), (seed, param)
    assert checked > 200


# --- what is printed ---------------------------------------------------------------------------------------

NUMBER = re.compile(r"−?\d+(?:\.\d+)?(?:e[+−-]?\d+)?")


def printed(text: str) -> set[float]:
    return {float(m.replace("−", "-")) for m in NUMBER.findall(text)}


def shown(x: float, numbers: set[float]) -> bool:
    """x is among the printed numbers, written to 9 significant digits (bpcalc's default)."""
    return float(f"{x:.9g}") in numbers or (abs(x) < 1e-15 and 0.0 in numbers)


def grad_text(text: str, fmt: str = "text", width: int = 80, **options) -> str:
    sol = bpcalc.solve(bpcalc.loads(text), step=True)
    return render(build(sol, "step", notation="matrix"), fmt, Options(width=width, **options))


@pytest.mark.parametrize("name", ["blog_mean", "blog_sum", "softmax"])
def test_every_entry_is_printed(name):
    """Each entry of X, W, Z, A, Δ, ∂E/∂W and ∂E/∂b, and each Jacobian's, is on the page, to the
    digits shown: numpy's numbers (by_hand), not the program's."""
    out = grad_text(FILES[name])
    numbers = printed(out)
    hand = by_hand(FILES[name])
    for key in ("z", "a", "delta", "grad_w", "grad_b"):
        for matrix in hand[key]:
            for x in np.ravel(matrix):
                assert shown(float(x), numbers), (name, key, x)
    _, _, backward = batch(FILES[name])
    for layer in backward.layers:
        for x in np.ravel(layer.a_in):
            assert shown(float(x), numbers)
        for jacobian in layer.jacobians or ():
            for x in np.ravel(jacobian):
                assert shown(float(x), numbers)


def test_the_printed_formulas_say_where_the_mean_puts_its_one_over_n():
    mean = grad_text(blog("mean"))
    assert "∂E_total/∂W^o" in mean and "(1/3) (Δ^o)ᵀ A^h" in mean and "(1/3) (Δ^h)ᵀ X" in mean
    assert "(1/3) (Δ^o)ᵀ 1" in mean
    assert "Z^h = X (W^h)ᵀ + 1 (b^h)ᵀ" in mean and "Δ^h = (Δ^o W^o) ⊙ σ′(Z^h)" in mean
    assert "E_total is the mean of the 3 samples' losses" in mean
    total = grad_text(blog("sum"))
    assert "1/3" not in total and "= (Δ^o)ᵀ A^h" in total and "is the sum of the 3 samples' losses" in total
    # each sample's loss is worked out, so the loss step's mean uses numbers shown above it
    for s, value in ((1, "0.298371109"), (2, "0.165072855"), (3, "0.123308167")):
        assert re.search(rf"^  E_total\[{s}\] = 0\.5·\(t_o1\[{s}\] − out_o1\[{s}\]\)²", mean, re.M)
        assert f"= {value}" in mean
    # the shared biases: the sum of their places, as the one-sample form says it
    assert "b1 is in 2 places of the matrices" in mean


def test_softmax_rows_use_each_samples_jacobian():
    out = grad_text(SOFTMAX_BATCH)
    for s in (1, 2, 3):
        assert f"J^o[{s}] = " in out and f"Δ^o[{s}] = (∇_a loss[{s}])ᵀ J^o[{s}]" in out
    assert "softmax(Z^o)" in out and "(BP1)" in out


@pytest.mark.parametrize("ascii", [False, True])
@pytest.mark.parametrize("name", FILES)
def test_text_fits_80_columns(name, ascii):
    """No line past 80 columns, so a terminal never folds one mid-number; a matrix too wide is
    cut into blocks of columns that say which."""
    out = grad_text(FILES[name], ascii=ascii)
    widest = max(out.splitlines(), key=width_of)
    assert width_of(widest) <= 80, widest
    if name == "wide":
        assert "columns 1 to" in out and "(samples 7 to 8 alike)" in out


def test_many_samples_show_their_first_and_last_rows():
    out = grad_text(_wide(samples=40, hidden=7))
    assert max(width_of(line) for line in out.splitlines()) <= 80
    assert "(samples 7 to 39 alike)" in out and "loss[40] = " in out and "loss[7] = " not in out
    # Δᵀ, 40 columns: its first four, ⋯, its 40th, in blocks that say which columns they hold
    assert re.search(r"^ +columns 1 to (4|39)$", out, re.M)
    assert re.search(r"^ +(column 40|columns \d+ to 40)$", out, re.M)


def test_the_docs_excerpt_of_the_batch_form_is_printed():
    commands = (EXAMPLES.parent / "docs" / "commands.md").read_text(encoding="utf-8")
    shown_ = commands.split("$ bpcalc grad examples/linear_two_samples.yaml --notation matrix\n", 1)[1]
    excerpt = shown_.split("```")[0].strip("\n").removeprefix("…\n").removesuffix("\n…")
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "linear_two_samples.yaml")))
    assert excerpt in render(build(sol, "grad", notation="matrix"), "text", Options(width=80))
    # its numbers are the file's comment, by hand: ∂loss/∂w = −8, ∂loss/∂b = −5
    assert "= [−8]" in excerpt and "= [−5]" in excerpt


def test_json_holds_the_batch(capsys, tmp_path):
    path = tmp_path / "batch.yaml"
    path.write_text(blog("mean"), encoding="utf-8")
    assert main(["grad", str(path), "--notation", "matrix", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["batch"] == {"samples": 3, "reduction": "mean", "scale": 1 / 3}
    hidden, output = data["matrices"]
    assert len(output["delta"]) == 3 and len(output["delta"][0]) == 2  # a row per sample
    assert output["grad_W"][0][0] == pytest.approx(data["gradients"]["w5"], rel=1e-12)
    assert hidden["a_in"] == [[0.05, 0.1], [0.5, -0.3], [1.0, 0.4]]


def test_every_format_draws_the_batch():
    for fmt in ("text", "rich", "markdown", "latex", "html", "page"):
        out = grad_text(blog("mean"), fmt, standalone=fmt in ("latex", "html"))
        assert "0.0435005737" in out, fmt  # ∂E/∂w5 over the three samples
    assert r"\frac{1}{3}" in grad_text(blog("mean"), "latex") and r"\mathbf{1}" in grad_text(blog("mean"), "latex")
    assert "<mo>[</mo><mn>2</mn><mo>]</mo>" in grad_text(SOFTMAX_BATCH, "html")  # J^o[2]


# --- LaTeX through pdflatex --------------------------------------------------------------------------------

needs_latex = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                                 reason="no pdflatex/pdftotext (Debian: texlive-latex-recommended, poppler-utils)")


@needs_latex
@pytest.mark.parametrize("name", ["blog_mean", "softmax", "wide"])
def test_latex_compiles_and_fits_the_page(tmp_path, name):
    (tmp_path / "doc.tex").write_text(grad_text(FILES[name], "latex", standalone=True), encoding="utf-8")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "Overfull \\hbox" not in (tmp_path / "doc.log").read_text(errors="replace")
    pdf = subprocess.run(["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True).stdout
    numbers = printed(pdf.replace("-", "−"))
    hand = by_hand(FILES[name])
    rows = min(hand["n"], 6)  # the rows a tall matrix shows first
    for key in ("z", "delta"):
        for matrix in hand[key]:
            for x in np.ravel(matrix[:rows]):
                assert shown(float(x), numbers), (key, x)
    for x in [*np.ravel(hand["grad_w"][0]), *np.ravel(hand["grad_b"][-1])]:
        assert shown(float(x), numbers), x


# --- HTML in Chromium ---------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    import os

    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.path.exists(path):
            pytest.skip(f"{path} is missing: the page is drawn in Chromium (apt-get install {package})")
    webdriver = pytest.importorskip("selenium.webdriver", reason="the page is drawn with Selenium (the test extra)")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="bpcalc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--hide-scrollbars", "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("name", ["blog_mean", "softmax"])
def test_html_draws_every_matrix(browser, tmp_path, name):
    page = tmp_path / f"{name}.html"
    page.write_text(grad_text(FILES[name], "html", standalone=True), encoding="utf-8")
    browser.get(page.as_uri())
    size = browser.execute_script("return [document.documentElement.scrollWidth, document.documentElement.scrollHeight,"
                                  " window.innerWidth]")
    assert size[0] <= size[2], size  # nothing scrolls sideways at 1280 pixels
    browser.set_window_size(1280, size[1] + 120)
    browser.save_screenshot(str(SHOTS / f"bpcalc-matrix-batch-{name}.png"))
    # every matrix drawn as a table of the numbers: Z^h's rows, three of them, each entry a cell
    cells = browser.execute_script("""
        return [...document.querySelectorAll("mtable")].map((t) => [...t.querySelectorAll("mtr")].map(
            (r) => [...r.children].map((c) => c.textContent.replace("−", "-"))))""")
    hand = by_hand(FILES[name])
    drawn = [[[float(c) for c in row] for row in table] for table in cells
             if all(re.fullmatch(r"-?[\d.]+(e-?\d+)?", c) for row in table for c in row)]
    for key in ("z", "a", "delta"):
        for matrix in hand[key]:
            assert any(np.array(t).shape == matrix.shape and np.allclose(t, matrix, rtol=1e-8, atol=1e-12)
                       for t in drawn), (key, matrix)
    heights = browser.execute_script("""
        return [...document.querySelectorAll("mtable")].map((t) => t.getBoundingClientRect().height)""")
    assert min(heights) > 0
