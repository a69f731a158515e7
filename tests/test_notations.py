"""The textbooks' own notations: the δ form and seed 002's factored derivation, several worked steps,
the conventions stated, and Chinese — every number checked against the engine or by hand."""

from __future__ import annotations

import ast
import json
import math
import os
import random
import re
from pathlib import Path

import pytest

import bpcalc
from bpcalc.cli.main import main
from bpcalc.render import Options, render
from bpcalc.render import words as words_module
from bpcalc.render.words import ZH
from bpcalc.trace import build
from bpcalc.trace.steps import DeltaBackward, Factored

from helpers import EXAMPLES, record_messages
from test_networks import network

GOLDEN = Path(__file__).resolve().parent / "golden"


def delta_step(sol, sign=1) -> DeltaBackward:
    trace = build(sol, "grad", notation="delta", delta_sign=sign)
    return next(s for s in trace.steps if isinstance(s, DeltaBackward))


def random_network(seed: int) -> str:
    rng = random.Random(seed)
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(2, 4))]
    acts = ["sigmoid", "tanh", "relu", "softplus", "gelu", "silu", "elu"]
    layers = []
    for i in range(1, len(sizes)):
        weights = [[round(rng.uniform(-1, 1), 2) for _ in range(sizes[i - 1])] for _ in range(sizes[i])]
        layers.append({"name": f"L{i}", "activation": rng.choice(acts) if i < len(sizes) - 1 else "sigmoid",
                       "weights": weights, "bias": [round(rng.uniform(-0.5, 0.5), 2) for _ in range(sizes[i])]})
    samples = [([round(rng.uniform(-1, 1), 2) for _ in range(sizes[0])],
                [round(rng.uniform(0, 1), 2) for _ in range(sizes[-1])]) for _ in range(rng.randint(1, 2))]
    return network(layers, samples, rng.choice(["half_sse", "sse", "mse"]))


@pytest.mark.parametrize("source", ["blog_2_2_2.yaml", "slides_1_1_1_network.yaml", *range(25)])
def test_every_delta_is_the_engines_gradient_of_its_net(source):
    text = (EXAMPLES / source).read_text() if isinstance(source, str) else random_network(source)
    sol = bpcalc.solve(bpcalc.loads(text))
    step = delta_step(sol)
    deltas = [d for _, layer in step.layers for d in layer]
    assert {d.net for d in deltas} == {n for n, r in sol.problem.roles.items() if r == "net"}
    for d in deltas:
        assert d.value == sol.gradients[d.net]
        if d.upstream:  # a hidden neuron: φ′(net_j) · Σ_l w_jl δ_l, recomputed here from its parts
            recomputed = d.derivative.value * sum(u.w * u.delta for u in d.upstream)
            assert recomputed == pytest.approx(d.value, rel=1e-12, abs=1e-15)
            for u in d.upstream:
                assert u.w == sol.values[u.weight] and u.delta == sol.gradients[u.net]
    for w in step.weights:  # ∂E/∂w = Σ δ_j · input
        assert sum(u.delta * u.input_value for u in w.uses) == pytest.approx(sol.gradients[w.param], rel=1e-12,
                                                                             abs=1e-15)


def test_seed002_deltas_by_hand():
    # the blog's numbers: δ_o1 = (out_o1 − t_o1)·out_o1(1 − out_o1), δ_h1 = σ′·(w5 δ_o1 + w7 δ_o2)
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml")))
    v = sol.values
    d_o1 = (v["out_o1"] - 0.01) * v["out_o1"] * (1 - v["out_o1"])
    d_o2 = (v["out_o2"] - 0.99) * v["out_o2"] * (1 - v["out_o2"])
    d_h1 = v["out_h1"] * (1 - v["out_h1"]) * (0.40 * d_o1 + 0.50 * d_o2)
    step = delta_step(sol)
    found = {d.neuron: d.value for _, layer in step.layers for d in layer}
    assert found["o1"] == pytest.approx(d_o1, rel=1e-12) and found["o2"] == pytest.approx(d_o2, rel=1e-12)
    assert found["h1"] == pytest.approx(d_h1, rel=1e-12)
    assert found["o1"] == pytest.approx(0.138498562, abs=5e-10)  # 0.7413650 × 0.1868156
    weights = {w.param: w.value for w in step.weights}
    assert weights["w5"] == pytest.approx(0.082167041, abs=5e-10)
    assert weights["w1"] == pytest.approx(0.000438568, abs=5e-10)


def test_the_minus_convention_flips_the_deltas_and_no_gradient():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml")), step=True)
    plus, minus = delta_step(sol, 1), delta_step(sol, -1)
    for (_, a), (_, b) in zip(plus.layers, minus.layers):
        for x, y in zip(a, b):
            assert y.value == -x.value
    assert [w.value for w in plus.weights] == [w.value for w in minus.weights]
    text_plus = render(build(sol, "step", notation="delta"), "text", Options(width=200, digits=12))
    text_minus = render(build(sol, "step", notation="delta", delta_sign=-1), "text", Options(width=200, digits=12))
    changed = [(a, b) for a, b in zip(text_plus.splitlines(), text_minus.splitlines()) if a != b]
    assert changed and all("δ" in a or "δ" in b for a, b in changed)
    grads = [line for line in text_minus.splitlines() if line.lstrip().startswith("∂E_total/∂w")]
    # δ_o1 = −∂E/∂net_o1 = −0.1385, so ∂E/∂w5 = −δ_o1·out_h1 = 0.1385 × 0.5933
    assert any(re.search(r"= −δ_o1·out_h1 += 0\.138498561629 × 0\.593269992107 +=", g) for g in grads)
    assert any(re.search(r"^  δ_o1 += −∂E_total/∂out_o1 · ∂out_o1/∂net_o1 += −0\.741365069552 × 0\.186815601809 "
                         r"+= −0\.138498561629", line) for line in text_minus.splitlines())
    assert text_plus[text_plus.index("Step 6"):] == text_minus[text_minus.index("Step 6"):]


def test_the_factored_form_of_w1_sums_the_two_outputs():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml")))
    factored = next(s for s in build(sol, "grad", notation="delta").steps if isinstance(s, Factored))
    (use,), value = next((uses, v) for p, uses, v in factored.per_param if p == "w1")
    assert [s.net for s in use.spread] == ["net_o1", "net_o2"]
    out_h1 = sum(s.delta * s.w for s in use.spread)  # ∂E/∂out_h1 = ∂E/∂net_o1·w5 + ∂E/∂net_o2·w7
    assert out_h1 == pytest.approx(0.036350306, abs=5e-10) == use.out_grad
    assert use.out_grad * use.derivative * use.local == pytest.approx(value, rel=1e-12)
    text = render(build(sol, "grad", notation="delta"), "text", Options(width=300, digits=12))
    assert re.search(r"∂E_total/∂out_h1 = ∂E_total/∂net_o1 · ∂net_o1/∂out_h1 \+ ∂E_total/∂net_o2 · "
                     r"∂net_o2/∂out_h1 += 0\.138498561629 × 0\.4 \+ \(−0\.0380982365166 × 0\.5\) += 0\.0363503063931",
                     text)
    assert text.count("∂E_total/∂out_h1 = ∂E_total/∂net_o1") == 1  # written once, used for w1, w2, b1


def test_the_delta_form_needs_a_network(capsys):
    assert main(["grad", str(EXAMPLES / "slides_1_1_1.yaml"), "--notation", "delta"]) == 2
    assert "needs a network file" in capsys.readouterr().err


def test_the_loss_convention_is_stated():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml")))
    text = render(build(sol, "grad"), "text", Options(width=200))
    assert "loss convention: E = Σ ½(t − out)², over the outputs (half the sum of squared errors)" in text
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "linear_two_samples.yaml")))
    assert "the mean over the 2 samples" in render(build(sol, "grad"), "text", Options(width=200))


# --- several worked steps ----------------------------------------------------------------------------


def two_steps_by_hand():
    """Seed 002, two full SGD steps (η = 0.5, frozen biases), in plain floats."""
    w = [0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55]
    b1, b2, i1, i2, t1, t2 = 0.35, 0.60, 0.05, 0.10, 0.01, 0.99
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    losses = []
    for _ in range(2):
        h1, h2 = sig(w[0] * i1 + w[1] * i2 + b1), sig(w[2] * i1 + w[3] * i2 + b1)
        o1, o2 = sig(w[4] * h1 + w[5] * h2 + b2), sig(w[6] * h1 + w[7] * h2 + b2)
        losses.append(0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2)
        d1, d2 = (o1 - t1) * o1 * (1 - o1), (o2 - t2) * o2 * (1 - o2)
        e1 = (w[4] * d1 + w[6] * d2) * h1 * (1 - h1)
        e2 = (w[5] * d1 + w[7] * d2) * h2 * (1 - h2)
        g = [e1 * i1, e1 * i2, e2 * i1, e2 * i2, d1 * h1, d1 * h2, d2 * h1, d2 * h2]
        w = [wi - 0.5 * gi for wi, gi in zip(w, g)]
    return w, losses


def test_two_worked_steps_of_seed002(capsys):
    weights, losses = two_steps_by_hand()
    assert main(["step", str(EXAMPLES / "blog_2_2_2.yaml"), "--steps", "2", "--format", "text",
                 "--width", "200"]) == 0
    out = capsys.readouterr().out
    assert "Iteration 1 of 2" in out and "Iteration 2 of 2" in out
    second = out[out.index("Iteration 2 of 2"):]
    assert re.search(r"E_total = .* = " + re.escape(f"{losses[1]:.9g}"), second)
    for name, value in zip(["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"], weights):
        assert re.search(rf"^  {name} ← .* = {re.escape(f'{value:.9g}')}$", second, re.M), name
    table = out[out.index("The params and the loss"):]
    assert "after 2" in table and f"{weights[4]:.9g}" in table


def test_several_steps_write_the_last_params(tmp_path, capsys):
    weights, _ = two_steps_by_hand()
    target = tmp_path / "next.yaml"
    assert main(["step", str(EXAMPLES / "blog_2_2_2.yaml"), "--steps", "2", "-o", str(target)]) == 0
    written = bpcalc.load(str(target))
    for name, value in zip(["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"], weights):
        assert written.params[name] == pytest.approx(value, rel=1e-12)
    capsys.readouterr()


def test_several_steps_as_data(capsys):
    weights, losses = two_steps_by_hand()
    assert main(["step", str(EXAMPLES / "blog_2_2_2.yaml"), "--steps", "2", "--format", "json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["loss"] == pytest.approx(losses[0], rel=1e-12)
    assert data["updated"]["w5"] == pytest.approx(weights[4], rel=1e-12)


# --- Chinese --------------------------------------------------------------------------------------------------


def every_msgid_in_the_renderers() -> set[str]:
    """The literal messages the layout asks to translate: p.tr("…") and translate(lang, "…")."""
    found: set[str] = set()
    source = Path(words_module.__file__).with_name("layout.py").read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            args = node.args[1:] if name == "translate" else node.args if name == "tr" else []
            for arg in args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
                elif isinstance(arg, ast.IfExp):
                    found |= {a.value for a in (arg.body, arg.orelse) if isinstance(a, ast.Constant)}
    return found


def test_the_chinese_catalogue_has_every_message_the_renderers_use(monkeypatch):
    static = every_msgid_in_the_renderers()
    assert len(static) > 40
    assert static - set(ZH) == set()
    # and the messages made at run time (a case's reason, an identity's name, the loss words)
    asked = record_messages(monkeypatch)
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for notation in ("paths", "delta"):
            problem = bpcalc.load(str(path))
            if notation == "delta" and problem.kind != "network":
                continue
            sol = bpcalc.solve(problem, step=True, round=2 if "slides_1_1_1" in path.name else None)
            render(build(sol, "step", notation=notation, max_paths=1), "text", Options(lang="zh"))
    maxed = bpcalc.solve(bpcalc.loads("inputs: {x: 2, y: -3, a: 1}\ndefine:\n  m: max(a*x, abs(y))\n"))
    render(build(maxed, "grad"), "text", Options(lang="zh"))
    # every optimiser's worked update (ops/optimizers.py), at its first step and at a later one
    from bpcalc.ops.optimizers import KINDS
    from bpcalc.problem import Optimizer

    for kind in KINDS:
        states: dict = {}
        for _ in range(2):
            sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml")), step=True,
                               optimizer=Optimizer(kind), states=states)
            render(build(sol, "step"), "text", Options(lang="zh"))
    assert asked - set(ZH) == set()


def test_the_chinese_catalogue_has_every_mistakes_words():
    """A check's report in Chinese names each mistake in Chinese (check/mistakes.py's words, and
    the scopes' and statuses' words of render/layout.py)."""
    from bpcalc.check.grade import Checker
    from bpcalc.check.mistakes import MISTAKES

    words = {m.words for m in MISTAKES}
    for name in ("blog_2_2_2.yaml", "slides_1_1_1.yaml", "apples.yaml", "linear_two_samples.yaml"):
        for variant, _ in Checker(bpcalc.load(str(EXAMPLES / name))).variants:
            words.add(variant.words)
    words.add("the param written as it was before the step (no change shown)")
    assert words - set(ZH) == set()


def test_chinese_output_of_seed003_uses_the_slides_words():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "slides_1_1_1.yaml")), round=2, step=True)
    text = render(build(sol, "step"), "text", Options(lang="zh"))
    for heading in ("Step1: 设置模型参数初始值", "Step2: 正向计算预测值", "Step3: 计算误差", "Step4: 误差反向传播",
                    "链式求导法则", "梯度下降更新（迭代公式）"):
        assert heading in text
    assert not re.search(r"\b(the|and|of|with|rounded|Step \d)\b", text)  # no English left
    assert "−0.02895543" in text and "0.314477715" in text


@pytest.mark.parametrize("value,lang", [("zh_CN.UTF-8", "zh"), ("zh_TW", "zh"), ("en_US.UTF-8", "en"),
                                        ("C.UTF-8", "en")])
def test_the_language_follows_the_locale(monkeypatch, capsys, value, lang):
    monkeypatch.setenv("LANG", value)
    assert main(["forward", str(EXAMPLES / "apples.yaml"), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert ("设置模型参数初始值" in out) == (lang == "zh")
    assert main(["forward", str(EXAMPLES / "apples.yaml"), "--format", "text", "--lang", "en"]) == 0
    assert "Given" in capsys.readouterr().out
    assert os.environ["LANG"] == value


# --- golden files: read line by line against the worked examples ----------------------------------------

GOLDEN_CASES = [
    ("blog_2_2_2_grad_delta", "blog_2_2_2.yaml", {"notation": "delta"}, None, "en"),
    ("slides_1_1_1_step_round2_zh", "slides_1_1_1.yaml", {}, 2, "zh"),
    ("blog_2_2_2_grad_matrix", "blog_2_2_2.yaml", {"notation": "matrix"}, None, "en"),
]


@pytest.mark.parametrize("fmt,ext", [("text", "txt"), ("latex", "tex")])
@pytest.mark.parametrize("name,example,options,round_,lang", GOLDEN_CASES)
def test_golden(name, example, options, round_, lang, fmt, ext):
    command = "step" if "step" in name else "grad"
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / example)), round=round_, step=command == "step")
    sol.problem.file = f"examples/{example}"
    got = render(build(sol, command, **options), fmt, Options(lang=lang))
    path = GOLDEN / f"{name}.{ext}"
    if os.environ.get("BPCALC_REGENERATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
        pytest.skip(f"regenerated {path.name}: read it line by line before committing")
    assert got == path.read_text(encoding="utf-8")


# --- the matrix form: BP1–BP4 from numpy, entry by entry the scalar engine's ---------------------------


def _matrix_layers(problem):
    from bpcalc.trace.matrix import matrix_steps

    sol = bpcalc.solve(problem)
    forward, backward = matrix_steps(sol)
    assert forward.layers == backward.layers
    return sol, backward


def _agree(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def _check_against_the_scalar_engine(sol, backward) -> int:
    local = {(of, wrt): d for of, parts in sol.local.items() for wrt, d in parts}
    sums: dict[str, float] = {}
    checked = 0
    for layer in backward.layers:
        for j, (net, out) in enumerate(zip(layer.nets, layer.outs)):
            assert _agree(layer.z[j], sol.values[net]), net
            assert _agree(layer.a[j], sol.values[out]), out
            assert _agree(layer.delta[j], sol.gradients[net]), net
            assert _agree(layer.grad_a[j], sol.gradients[out]), out
            if layer.slope is not None:
                assert _agree(layer.slope[j], local[(out, net)]), (out, net)
            for k, name in enumerate(layer.weights[j]):
                assert _agree(layer.grad_w[j][k], layer.delta[j] * layer.a_in[k])
                sums[name] = sums.get(name, 0.0) + layer.grad_w[j][k]
            if layer.biases is not None:
                sums[layer.biases[j]] = sums.get(layer.biases[j], 0.0) + layer.grad_b[j]
            checked += 1
    for name, total in sums.items():  # a param in several places: the sum of its entries (BP3, BP4)
        assert math.isclose(total, sol.gradients[name], rel_tol=1e-11, abs_tol=1e-14), name
    return checked


@pytest.mark.parametrize("example", ["blog_2_2_2.yaml", "slides_1_1_1_network.yaml", "bce_one_neuron.yaml"])
def test_the_matrix_form_is_the_scalar_engines(example):
    problem = bpcalc.load(str(EXAMPLES / example))
    sol, backward = _matrix_layers(problem)
    assert _check_against_the_scalar_engine(sol, backward) >= 1


def test_the_matrix_form_of_random_networks():
    from test_dense import random_network

    checked = 0
    for seed in range(400):
        problem = bpcalc.loads(random_network(seed))
        if problem.samples != 1:
            continue
        try:
            sol, backward = _matrix_layers(problem)
        except bpcalc.MathError:
            continue
        checked += _check_against_the_scalar_engine(sol, backward)
    assert checked > 100


def test_the_matrix_form_of_seed002_by_hand():
    # BP1 for o1 by hand: (out_o1 − t_o1)·out_o1(1 − out_o1) = 0.138498562 (the blog's δ_o1); BP4's
    # entry for w5 is δ_o1·out_h1 = 0.082167041
    _, backward = _matrix_layers(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml")))
    hidden, output = backward.layers
    assert round(output.delta[0], 9) == 0.138498562
    assert round(output.grad_w[0][0], 9) == 0.082167041
    assert round(hidden.grad_w[0][0], 9) == 0.000438568
    assert hidden.weights == (("w1", "w2"), ("w3", "w4"))  # W[j][k]: from input k to neuron j


def test_the_matrix_form_is_refused_where_it_means_nothing(capsys):
    code = main(["grad", str(EXAMPLES / "slides_1_1_1.yaml"), "--notation", "matrix"])
    assert code == 2 and "needs a network file" in capsys.readouterr().err
    code = main(["grad", str(EXAMPLES / "slides_1_1_1_network.yaml"), "--notation", "matrix", "--round", "2"])
    assert code == 2 and "--round" in capsys.readouterr().err
    code = main(["grad", str(EXAMPLES / "blog_2_2_2.yaml"), "--notation", "matrix", "--only", "w1"])
    assert code == 2 and "every layer whole" in capsys.readouterr().err


def test_the_matrix_form_as_json(capsys):
    code = main(["grad", str(EXAMPLES / "blog_2_2_2.yaml"), "--notation", "matrix", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    hidden, output = data["matrices"]
    assert hidden["W"] == [[0.15, 0.2], [0.25, 0.3]] and output["layer"] == "o"
    assert output["grad_W"][0][0] == pytest.approx(data["gradients"]["w5"], rel=1e-12)


def test_the_matrix_form_in_every_format():
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml")), step=True)
    trace = build(sol, "step", notation="matrix")
    assert "⎡0.15  0.2⎤" in render(trace, "text", Options())
    assert r"\begin{bmatrix}0.15 & 0.2 \\ 0.25 & 0.3\end{bmatrix}" in render(trace, "latex", Options())
    assert r"\begin{bmatrix}" in render(trace, "markdown", Options())
    html_out = render(trace, "html", Options())
    assert "<mtable displaystyle=\"true\"><mtr><mtd><mn>0.15</mn></mtd><mtd><mn>0.2</mn></mtd></mtr>" in html_out
    assert "(BP4)" in render(trace, "text", Options(ascii=True))


def test_the_docs_excerpt_of_the_matrix_form_is_printed():
    commands = (EXAMPLES.parent / "docs" / "commands.md").read_text(encoding="utf-8")
    shown = commands.split("$ bpcalc grad examples/blog_2_2_2.yaml --notation matrix\n", 1)[1].split("```")[0]
    excerpt = shown.strip("\n").removeprefix("…\n").removesuffix("\n…")
    sol = bpcalc.solve(bpcalc.load(str(EXAMPLES / "blog_2_2_2.yaml")))
    assert excerpt in render(build(sol, "grad", notation="matrix"), "text", Options(width=80))
