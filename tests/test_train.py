"""`bpcalc train` and the optimisers: momentum and Adam against torch.optim's definitions written
out here in plain floats; `step`'s worked momentum/Adam lines; mini-batch order from --seed; the
progress bar only on a terminal; Ctrl-C; -o; --plot; data: from a CSV file; every format."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bpcalc
from bpcalc.cli.main import main
from bpcalc.engine.training import train
from bpcalc.problem import Optimizer
from bpcalc.render import FORMATS, Options, render
from bpcalc.trace import build
from bpcalc.trace.steps import Curve, History, Trained, Training, UpdateStep
from bpcalc.trace.training import train_trace

from helpers import EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
SEED002 = str(EXAMPLES / "blog_2_2_2.yaml")
SEED003 = str(EXAMPLES / "slides_1_1_1.yaml")
IRIS = str(EXAMPLES / "train" / "iris.yaml")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- the optimisers against torch.optim's definitions, in plain floats -----------------------------------


def torch_momentum(theta, grads_at, lr, mu, steps):
    """torch.optim.SGD(momentum=mu, dampening=0, nesterov=False): b₁ = g₁, b_t = μ·b_(t−1) + g_t, θ −= γ·b_t."""
    b = None
    for _ in range(steps):
        g = grads_at(theta)
        b = list(g) if b is None else [mu * bi + gi for bi, gi in zip(b, g)]
        theta = [x - lr * bi for x, bi in zip(theta, b)]
    return theta


def torch_adam(theta, grads_at, lr, b1, b2, eps, steps):
    """torch.optim.Adam (amsgrad off, no weight decay), as its documentation writes the algorithm."""
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    for t in range(1, steps + 1):
        g = grads_at(theta)
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        m_hat = [mi / (1 - b1 ** t) for mi in m]
        v_hat = [vi / (1 - b2 ** t) for vi in v]
        theta = [x - lr * mh / (math.sqrt(vh) + eps) for x, mh, vh in zip(theta, m_hat, v_hat)]
    return theta


def torch_rmsprop(theta, grads_at, lr, alpha, eps, steps):
    """torch.optim.RMSprop (no momentum, not centered): v ← α·v + (1 − α)·g², θ −= lr·g/(√v + ε)."""
    v = [0.0] * len(theta)
    for _ in range(steps):
        g = grads_at(theta)
        v = [alpha * vi + (1 - alpha) * gi * gi for vi, gi in zip(v, g)]
        theta = [x - lr * gi / (math.sqrt(vi) + eps) for x, gi, vi in zip(theta, g, v)]
    return theta


def torch_adagrad(theta, grads_at, lr, eps, steps):
    """torch.optim.Adagrad (no decay, accumulator from 0): s ← s + g², θ −= lr·g/(√s + ε)."""
    s = [0.0] * len(theta)
    for _ in range(steps):
        g = grads_at(theta)
        s = [si + gi * gi for si, gi in zip(s, g)]
        theta = [x - lr * gi / (math.sqrt(si) + eps) for x, gi, si in zip(theta, g, s)]
    return theta


BY_HAND = {
    "momentum": lambda start, grads_at, lr, s, steps: torch_momentum(start, grads_at, lr, s["momentum"], steps),
    "adam": lambda start, grads_at, lr, s, steps: torch_adam(start, grads_at, lr, s["beta1"], s["beta2"], s["eps"],
                                                             steps),
    "rmsprop": lambda start, grads_at, lr, s, steps: torch_rmsprop(start, grads_at, lr, s["alpha"], s["eps"], steps),
    "adagrad": lambda start, grads_at, lr, s, steps: torch_adagrad(start, grads_at, lr, s["eps"], steps),
}


def gradients_of(problem):
    """∂loss/∂θ at θ by the scalar engine (independent of the optimisers under test)."""
    names = problem.trainable

    def grads_at(theta):
        changed = bpcalc.loads(problem.text)
        changed.params.update(zip(names, theta))
        sol = bpcalc.solve(changed)
        return [sol.gradients[n] for n in names]

    return names, grads_at


@pytest.mark.parametrize("file", [SEED002, SEED003])
@pytest.mark.parametrize("opt", [Optimizer("momentum", momentum=0.8),
                                 Optimizer("adam", beta1=0.85, beta2=0.99, eps=1e-6),
                                 Optimizer("rmsprop", alpha=0.9, eps=1e-6), Optimizer("rmsprop"),
                                 Optimizer("adagrad", eps=1e-7), Optimizer("adagrad")], ids=repr)
def test_optimisers_follow_torch_definitions(file, opt):
    problem = bpcalc.load(file)
    names, grads_at = gradients_of(problem)
    start = [problem.params[n] for n in names]
    lr, steps = 0.3, 25
    want = BY_HAND[opt.kind](start, grads_at, lr, opt.settings, steps)
    got = train(problem, steps=steps, lr=lr, optimizer=opt)
    for n, w in zip(names, want):
        assert math.isclose(got.updated[n], w, rel_tol=1e-9, abs_tol=1e-12), (n, got.updated[n], w)


def test_each_optimiser_has_torchs_defaults():
    # torch.optim's documented defaults: SGD(momentum), Adam(betas=(0.9, 0.999), eps=1e-8),
    # RMSprop(alpha=0.99, eps=1e-8), Adagrad(eps=1e-10); RMSprop's and Adagrad's lr default 0.01
    assert Optimizer("momentum").settings == {"momentum": 0.9}
    assert Optimizer("adam").settings == {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert Optimizer("rmsprop").settings == {"alpha": 0.99, "eps": 1e-8}
    assert Optimizer("adagrad").settings == {"eps": 1e-10}
    problem = bpcalc.load(SEED003)
    problem.lr = None
    for kind, lr in [("sgd", 0.5), ("momentum", 0.5), ("adam", 0.5), ("rmsprop", 0.01), ("adagrad", 0.01)]:
        assert bpcalc.solve(problem, step=True, optimizer=Optimizer(kind)).lr == lr


def test_optimisers_match_torch_itself_when_installed():
    torch = pytest.importorskip("torch", reason="the torch extra (pip install 'bpcalc[torch]') is not installed")
    import numpy as np

    from bpcalc.engine.optim import State, advance

    gradients = [[0.3, -1.2, 2.0], [0.1, 0.4, -0.7], [-2.5, 0.0, 1e-3], [0.6, 0.6, 0.6]]
    for opt, make in [(Optimizer("momentum", momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
                      (Optimizer("adam"), lambda p: torch.optim.Adam(p, lr=0.1)),
                      (Optimizer("rmsprop"), lambda p: torch.optim.RMSprop(p, lr=0.1)),
                      (Optimizer("rmsprop", alpha=0.9, eps=1e-6),
                       lambda p: torch.optim.RMSprop(p, lr=0.1, alpha=0.9, eps=1e-6)),
                      (Optimizer("adagrad"), lambda p: torch.optim.Adagrad(p, lr=0.1))]:
        w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
        torch_opt = make([w])
        state = State()
        theta = np.array([1.0, -2.0, 0.5])
        scalars = [1.0, -2.0, 0.5]
        states = [State() for _ in scalars]
        for g in gradients:
            w.grad = torch.tensor(g, dtype=torch.float64)
            torch_opt.step()
            theta = advance(opt, theta, np.array(g), 0.1, state, arrays=True).new
            scalars = [advance(opt, x, gi, 0.1, s).new for x, gi, s in zip(scalars, g, states)]
        assert theta.tolist() == pytest.approx(w.detach().tolist(), rel=1e-12), opt
        assert scalars == pytest.approx(w.detach().tolist(), rel=1e-12), opt


def test_step_shows_the_momentum_and_adam_lines(capsys):
    for kind in ("momentum", "adam"):
        code, out, _ = run(capsys, "step", SEED003, "--round", "2", "--optimizer", kind, "--format", "text")
        assert code == 0
        sol = bpcalc.solve(bpcalc.load(SEED003), round=2, step=True, optimizer=Optimizer(kind))
        g = sol.gradients["w_o"]
        assert g == pytest.approx(-0.02895543, rel=1e-12)
        if kind == "momentum":  # v = 0.9·0 + g, then w_o − 0.5·v: the SGD step, written with v
            assert "Momentum update" in out and "v_w_o ← μ·v_w_o + ∂loss/∂w_o = 0.9 × 0 + (−0.02895543)" in out
            assert sol.updated["w_o"] == pytest.approx(0.314477715, rel=1e-12)
        else:  # the first Adam step moves each param by η·g/(|g| + ε): 0.3 + 0.5·(1 − ~3e-7)
            assert "Adam update" in out and "m\u0302_w_o = m_w_o / (1 − β₁^t)" in out
            assert "(1 − β₂)·(∂loss/∂w_o)²" in out
            m, v = 0.1 * g, 0.001 * g * g
            assert sol.moves["w_o"].values["m"] == pytest.approx(m, rel=1e-15)
            assert sol.updated["w_o"] == pytest.approx(0.3 - 0.5 * (m / 0.1) / (math.sqrt(v / 0.001) + 1e-8), rel=1e-14)
        assert "Loss after the step" in out


def test_sgd_step_output_is_unchanged_by_an_optimizer_option(capsys):
    _, plain, _ = run(capsys, "step", SEED002, "--format", "text")
    _, sgd, _ = run(capsys, "step", SEED002, "--format", "text", "--optimizer", "sgd")
    assert plain == sgd and "SGD update" in plain


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "json"])
def test_every_new_kind_in_every_renderer(fmt):
    kinds = set()
    for opt, title in [("momentum", "Momentum"), ("adam", "Adam"), ("rmsprop", "RMSProp"), ("adagrad", "AdaGrad")]:
        sol = bpcalc.solve(bpcalc.load(SEED002), step=True, optimizer=Optimizer(opt))
        trace = build(sol, "step")
        kinds |= {type(s) for s in trace.steps}
        out = ANSI.sub("", render(trace, fmt, Options(standalone=True)))
        assert re.search(rf"Step 6\.? +{title} update", out), fmt
    problem = bpcalc.load(IRIS)
    trace = train_trace(problem, train(problem, steps=30, batch_size=16, every=10))
    kinds |= {type(s) for s in trace.steps}
    out = ANSI.sub("", render(trace, fmt, Options(standalone=True)))
    for title in ("Training", "Loss every 10 steps", "Loss curve", "Trained parameters"):
        assert title in out, (fmt, title)
    assert kinds >= {UpdateStep, Training, History, Curve, Trained}


# --- the command ---------------------------------------------------------------------------------------------


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "bpcalc", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, **kw)


def test_train_piped_has_no_progress_bar_and_a_plain_report():
    done = cli("train", SEED002, "--steps", "2000", "--every", "500")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no bar, no escape codes: not a terminal
    assert "\x1b" not in done.stdout
    assert "Loss every 500 steps" in done.stdout and "2,000" in done.stdout
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80  # fits a terminal
    spark = next(line for line in lines if "█" in line or "▁" in line)
    assert len(spark.strip()) <= 64


def test_progress_bar_on_a_terminal():
    pty = pytest.importorskip("pty")
    out = bytearray()

    def read(fd):
        data = os.read(fd, 4096)
        out.extend(data)
        return data

    script = (f"import sys; sys.argv = ['bpcalc', 'train', {IRIS!r}, '--steps', '3000', '--batch-size', '4', "
              "'--format', 'text']; from bpcalc.cli.main import main; main()")
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the terminal
        os.execv(sys.executable, [sys.executable, "-c", script])
    try:
        while True:
            try:
                if not read(fd):
                    break
            except OSError:
                break
    finally:
        _, status = os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0, text[-2000:]
    assert "training" in text and "/3000" in ANSI.sub("", text).replace(" ", "")  # the bar's count


def test_json_has_the_final_state(capsys):
    code, out, _ = run(capsys, "train", SEED002, "--steps", "300", "--every", "100", "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert {"loss", "loss_after", "updated", "history", "output"} <= set(data)
    assert data["output"] == "E_total" and data["steps"] == 300 and not data["interrupted"]
    assert [h["step"] for h in data["history"]] == [0, 100, 200, 300]
    assert data["history"][0]["loss"] == data["loss"] == bpcalc.solve(bpcalc.load(SEED002)).loss
    assert data["history"][-1]["loss"] == data["loss_after"] < data["loss"]
    assert set(data["updated"]) == {f"w{k}" for k in range(1, 9)}


def minibatch_json(capsys, *extra):
    code, out, err = run(capsys, "train", IRIS, "--steps", "40", "--batch-size", "8", "--format", "json", *extra)
    assert code == 0, err
    return json.loads(out)


def test_minibatch_order_is_reproducible_with_seed(capsys):
    a = minibatch_json(capsys, "--seed", "3")
    b = minibatch_json(capsys, "--seed", "3")
    c = minibatch_json(capsys, "--seed", "4")
    assert a == b
    assert a["updated"] != c["updated"]
    assert a["epochs"] == pytest.approx(40 / 19)  # 150 samples in batches of 8: 19 an epoch


def test_batches_in_file_order_and_epochs():
    from bpcalc.engine.training import Batches

    seen = []
    batches = Batches(10, 4, shuffle=False, seed=0)
    for _ in range(6):
        seen.append(batches.next().tolist())
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9], [0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    shuffled = Batches(10, 4, shuffle=True, seed=5)
    first = [shuffled.next().tolist() for _ in range(3)]
    assert sorted(sum(first, [])) == list(range(10)) and sum(first, []) != list(range(10))


def test_per_sample_sgd_is_the_loop_written_out():
    # batch size 1 in file order on two samples: each step a plain SGD step on one sample's loss
    problem = bpcalc.load(str(EXAMPLES / "linear_two_samples.yaml"))
    got = train(problem, steps=4, batch_size=1, shuffle=False)
    w, b, lr = 1.0, 0.0, 0.1
    data = [(1.0, 3.0), (2.0, 5.0)]
    for k in range(4):
        x, t = data[k % 2]
        y = w * x + b
        w, b = w - lr * 2 * (y - t) * x, b - lr * 2 * (y - t)
    assert got.updated == pytest.approx({"w": w, "b": b}, rel=1e-14)


def test_expression_files_train_on_the_scalar_engine(capsys):
    code, out, _ = run(capsys, "train", SEED003, "--steps", "50", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["engine"] == "scalar" and data["loss_after"] < data["loss"]
    code, _, err = run(capsys, "train", SEED003, "--batch-size", "2")
    assert code == 2 and "--batch-size needs a network file" in err


def test_output_writes_the_trained_params(tmp_path, capsys):
    target = tmp_path / "trained.yaml"
    before = Path(SEED002).read_bytes()
    code, out, _ = run(capsys, "train", SEED002, "--steps", "100", "-o", str(target), "--format", "json")
    assert code == 0 and Path(SEED002).read_bytes() == before
    trained = bpcalc.load(str(target))
    assert {k: trained.params[k] for k in json.loads(out)["updated"]} == json.loads(out)["updated"]
    assert trained.params["b1"] == 0.35  # frozen


def test_plot_needs_matplotlib(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    code, out, err = run(capsys, "train", SEED002, "--steps", "10", "--plot", str(tmp_path / "loss.png"))
    assert code == 2 and out == ""
    assert "--plot needs matplotlib" in err and "pip install" in err
    code, _, err = run(capsys, "train", SEED002, "--plot", str(tmp_path / "loss.txt"))
    assert code == 2 and "end the name in .png, .svg or .pdf" in err


def test_plot_draws_an_image(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    target = tmp_path / "loss.svg"
    code, _, err = run(capsys, "train", SEED002, "--steps", "200", "--plot", str(target))
    assert code == 0, err
    assert target.read_text().lstrip().startswith("<?xml") and "<svg" in target.read_text()


def test_ctrl_c_stops_after_the_step_and_reports(tmp_path):
    target = tmp_path / "after.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "bpcalc", "train", SEED002, "--steps", "100000000", "--format",
                             "json", "-o", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    data = json.loads(out)
    assert data["interrupted"] and 0 < data["steps"] < 100_000_000
    assert data["history"][-1]["step"] == data["steps"]
    assert "Traceback" not in err
    assert bpcalc.load(str(target)).params["w5"] == data["updated"]["w5"]


# --- optimizer: and data: in files -----------------------------------------------------------------------------


def test_optimizer_key(tmp_path, capsys):
    path = tmp_path / "adam.yaml"
    path.write_text(Path(SEED003).read_text() + "optimizer: {kind: adam, beta1: 0.8}\n")
    problem = bpcalc.load(str(path))
    assert problem.optimizer == Optimizer("adam", beta1=0.8)
    code, out, _ = run(capsys, "step", str(path), "--format", "text")
    assert code == 0 and "β₁ = 0.8" in out
    for bad, message in [("optimizer: adamw\n", "unknown optimizer 'adamw'"),
                         ("optimizer: {kind: momentum, beta1: 0.9}\n", "unknown key 'beta1' in the momentum optimizer"),
                         ("optimizer: {kind: adam, beta2: 1}\n", "the adam beta2 must be from 0 up to"),
                         ("optimizer: {momentum: 0.9}\n", "`optimizer` needs a `kind`")]:
        path.write_text(Path(SEED003).read_text() + bad)
        code, _, err = run(capsys, "grad", str(path))
        assert code == 2 and message in err, (bad, err)


def test_iris_trains():
    problem = bpcalc.load(IRIS)
    assert len(problem.network.samples) == 150 and problem.network.samples[0] == (5.1, 3.5, 1.4, 0.2)
    assert problem.network.sample_targets[-1] == (0.0, 0.0, 1.0)
    got = train(problem, steps=300, batch_size=16)
    assert got.loss_after < 0.25 * got.loss
    # accuracy on the training data, from the trained params
    from bpcalc.engine.dense import Dense

    dense = Dense(problem)
    theta = dense.theta.copy()
    for i, name in enumerate(dense.names):
        theta[i] = got.updated.get(name, theta[i])
    found = dense.run(theta)
    right = (found.out[-1].argmax(axis=1) == dense.t.argmax(axis=1)).mean()
    assert right > 0.9


def write_data(tmp_path, csv_text, data="{csv: d.csv, inputs: [a], targets: [t]}"):
    (tmp_path / "d.csv").write_text(csv_text)
    path = tmp_path / "net.yaml"
    path.write_text("network:\n  inputs: [x]\n  layers:\n    - {name: y, activation: linear, weights: [[0.5]]}\n"
                    f"data: {data}\nloss: mse\n")
    return path


@pytest.mark.parametrize("csv_text, data, message", [
    ("a,t\n1,2\n", "{csv: d.csv, inputs: [b], targets: [t]}", "no column 'b' in d.csv"),
    ("a,t\n1,2\n3,x\n", None, "d.csv:3:3: error: row 3 of d.csv, column 't', holds 'x', not a number"),
    ("a,t\n1,2\n3\n", None, "row 3 of d.csv has 1 cells but the header has 2"),
    ("a,t\n", None, "d.csv has a header but no rows"),
    ("a,t\n1,nan\n", None, "column 't', is nan; bpcalc needs a finite number"),
    ("a,t\n1,2\n", "{csv: missing.csv, inputs: [a], targets: [t]}", "the CSV file missing.csv does not exist"),
    ("a,t\n1,2\n", "{csv: d.csv, inputs: [a]}", "`data` has no `targets`"),
    ("a,t\n1,2\n", "{csv: d.csv, inputs: [a], targets: [t], sep: ';'}", "unknown key 'sep' in `data`"),
])
def test_data_errors(tmp_path, capsys, csv_text, data, message):
    path = write_data(tmp_path, csv_text, *([data] if data else []))
    code, out, err = run(capsys, "train", str(path))
    assert code == 2 and out == "" and "Traceback" not in err
    assert message in err, err


def test_data_with_samples_is_refused(tmp_path, capsys):
    path = write_data(tmp_path, "a,t\n1,2\n")
    path.write_text(path.read_text() + "sample: {inputs: [1], targets: [2]}\n")
    code, _, err = run(capsys, "grad", str(path))
    assert code == 2 and "give either `data` or `sample`, not both" in err


def test_data_trains_like_samples(tmp_path):
    path = write_data(tmp_path, "a,t\n1,3\n2,5\n")
    from_csv = train(bpcalc.load(str(path)), steps=20, lr=0.05)
    samples = "samples: [{inputs: [1], targets: [3]}, {inputs: [2], targets: [5]}]"
    inline = bpcalc.loads(path.read_text().replace("data: {csv: d.csv, inputs: [a], targets: [t]}", samples))
    assert from_csv.updated == train(inline, steps=20, lr=0.05).updated


def test_step_iterations_carry_the_momentum(capsys):
    # two worked iterations: the second velocity is μ·v₁ + g₂, written with the first one's numbers
    code, out, _ = run(capsys, "step", SEED003, "--steps", "2", "--optimizer", "momentum", "--format", "json")
    assert code == 0
    first = bpcalc.solve(bpcalc.load(SEED003), step=True, optimizer=Optimizer("momentum"))
    second_problem = bpcalc.load(SEED003)
    second_problem.params.update(first.updated)
    g2 = bpcalc.solve(second_problem).gradients
    v1 = {n: first.gradients[n] for n in first.updated}
    want = {n: first.updated[n] - 0.5 * (0.9 * v1[n] + g2[n]) for n in v1}
    data = json.loads(out)
    assert data["iterations"][0]["updated"] == pytest.approx(first.updated, rel=1e-12)
    assert data["iterations"][1]["updated"] == pytest.approx(want, rel=1e-12)
    assert data["updated"] == pytest.approx(want, rel=1e-12)  # the run's end: what -o writes
    code, text, _ = run(capsys, "step", SEED003, "--steps", "2", "--optimizer", "momentum", "--format", "text")
    assert "each velocity v starts at 0" in text and "each velocity v from the step before" in text


ONE_WEIGHT = "inputs: {x: 2.0, t: 1.0}\nparams: {w: 0.5}\ndefine:\n  y: w*x\n  L: (y - t)**2\nlr: 0.1\n"


def test_iterations_as_data_are_adam_written_out_by_hand(tmp_path, capsys):
    # L = (w·x − t)², ∂L/∂w = 2(w·x − t)·x; three Adam steps (β₁ 0.9, β₂ 0.999, ε 1e-8, η 0.1) by hand
    path = tmp_path / "w.yaml"
    path.write_text(ONE_WEIGHT)
    code, out, _ = run(capsys, "step", str(path), "--steps", "3", "--optimizer", "adam", "--format", "json")
    assert code == 0
    records = json.loads(out)["iterations"]
    w, m, v = 0.5, 0.0, 0.0
    for k, record in enumerate(records, start=1):
        loss, g = (w * 2 - 1) ** 2, 2 * (w * 2 - 1) * 2
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        mhat, vhat = m / (1 - 0.9 ** k), v / (1 - 0.999 ** k)
        w = w - 0.1 * mhat / (math.sqrt(vhat) + 1e-8)
        assert record["iteration"] == record["t"] == k
        assert record["loss"] == pytest.approx(loss, rel=1e-12) and record["gradients"] == {"w": pytest.approx(g)}
        assert record["state"] == {"m": {"w": pytest.approx(m, rel=1e-12)}, "v": {"w": pytest.approx(v, rel=1e-12)},
                                   "mhat": {"w": pytest.approx(mhat, rel=1e-12)},
                                   "vhat": {"w": pytest.approx(vhat, rel=1e-12)}}
        assert record["updated"] == {"w": pytest.approx(w, rel=1e-12)}
        assert record["loss_after"] == pytest.approx((w * 2 - 1) ** 2, rel=1e-12)
    assert len(records) == 3


def test_iterations_as_data_match_torch_optim_when_installed(capsys):
    torch = pytest.importorskip("torch", reason="the torch extra (pip install 'bpcalc[torch]') is not installed")
    # the blog's 2-2-2 network, three Adam steps on its eight weights (its biases frozen)
    code, out, _ = run(capsys, "step", SEED002, "--steps", "3", "--optimizer", "adam", "--lr", "0.1",
                       "--format", "json")
    assert code == 0
    records = json.loads(out)["iterations"]
    f64 = torch.float64
    w = torch.tensor([0.15, 0.20, 0.25, 0.30], dtype=f64, requires_grad=True)
    v = torch.tensor([0.40, 0.45, 0.50, 0.55], dtype=f64, requires_grad=True)
    optimizer = torch.optim.Adam([w, v], lr=0.1)
    x, t = torch.tensor([0.05, 0.10], dtype=f64), torch.tensor([0.01, 0.99], dtype=f64)
    for record in records:
        optimizer.zero_grad()
        hidden = torch.sigmoid(w.view(2, 2) @ x + 0.35)
        out_ = torch.sigmoid(v.view(2, 2) @ hidden + 0.60)
        loss = (0.5 * (t - out_) ** 2).sum()
        loss.backward()
        optimizer.step()
        assert record["loss"] == pytest.approx(loss.item(), rel=1e-12)
        got = [record["updated"][f"w{k}"] for k in range(1, 9)]
        assert got == pytest.approx([*w.detach().tolist(), *v.detach().tolist()], rel=1e-12)
        state = optimizer.state[w]
        assert [record["state"]["m"][f"w{k}"] for k in range(1, 5)] == pytest.approx(state["exp_avg"].tolist(),
                                                                                    rel=1e-12)
        assert [record["state"]["v"][f"w{k}"] for k in range(1, 5)] == pytest.approx(
            state["exp_avg_sq"].tolist(), rel=1e-12)


def test_train_takes_a_network_too_large_to_work_step_by_step(tmp_path, capsys):
    # 2-16-16-1 over 100 samples written in the file: 64,800 operations — past what a worked
    # solution may show (so grad refuses it), within what training may use
    rows = ", ".join(f"{{inputs: [{k / 100}, {1 - k / 100}], targets: [{(k % 7) / 7:.4f}]}}" for k in range(100))
    grid = lambda n, m: "[" + ", ".join("[" + ", ".join("0.1" for _ in range(m)) + "]" for _ in range(n)) + "]"  # noqa: E731
    path = tmp_path / "mlp.yaml"
    path.write_text("network:\n  inputs: [x1, x2]\n  layers:\n"
                    f"    - {{name: h, activation: tanh, weights: {grid(16, 2)}, bias: 0.0}}\n"
                    f"    - {{name: g, activation: tanh, weights: {grid(16, 16)}, bias: 0.0}}\n"
                    f"    - {{name: o, weights: {grid(1, 16)}}}\nsamples: [{rows}]\nloss: mse\n")
    assert main(["grad", str(path)]) == 2
    assert "operations a problem may have" in capsys.readouterr().err
    assert main(["train", str(path), "--steps", "3", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["loss_after"] < data["loss"]
    with pytest.raises(bpcalc.InputError):
        bpcalc.loads(path.read_text())
    assert bpcalc.loads(path.read_text(), unshown=True).samples == 100


def test_train_reads_a_network_as_arrays_without_its_scalar_graph(tmp_path, capsys):
    # 2-16-16-1 over 5,000 samples: its scalar graph would be 324,000 operations, more than even
    # training may expand; train reads the layers and samples as arrays and never builds it
    import numpy as np

    xs = [(k / 5000, 1 - k / 5000) for k in range(5000)]
    ts = [(k % 7) / 7 for k in range(5000)]
    rows = ", ".join(f"{{inputs: [{a!r}, {b!r}], targets: [{t!r}]}}" for (a, b), t in zip(xs, ts))
    w1 = [[0.1 * (j + 1), -0.05 * j] for j in range(16)]
    w2 = [[0.01 * ((i + j) % 5 - 2) for j in range(16)] for i in range(16)]
    w3 = [[0.1 - 0.01 * j for j in range(16)]]
    path = tmp_path / "big.yaml"
    path.write_text("network:\n  inputs: [x1, x2]\n  layers:\n"
                    f"    - {{name: h, activation: tanh, weights: {w1}, bias: 0.0}}\n"
                    f"    - {{name: g, activation: tanh, weights: {w2}, bias: 0.0}}\n"
                    f"    - {{name: o, activation: linear, weights: {w3}}}\nsamples: [{rows}]\nloss: mse\n")
    with pytest.raises(bpcalc.InputError, match="operations a problem may have"):
        bpcalc.load(str(path), unshown=True)
    problem = bpcalc.load(str(path), unshown=True, graph=False)
    assert problem.lines == [] and problem.samples == 5000
    assert main(["train", str(path), "--steps", "1", "--lr", "0.1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # the loss before the step, by hand: mse of one output is (t − y)², and the mean over the samples
    x, t = np.array(xs), np.array(ts)[:, None]
    y = np.tanh(np.tanh(x @ np.array(w1).T) @ np.array(w2).T) @ np.array(w3).T
    assert data["loss"] == pytest.approx(float(((t - y) ** 2).mean()), rel=1e-12)
    assert data["loss_after"] < data["loss"]


# --- a classifier's accuracy ------------------------------------------------------------------------------


def _iris_right(weights: dict[str, float]) -> int:
    """Flowers whose largest output is their species: the 4-5-3 tanh/softmax network written out
    here with numpy, the data read with the csv module."""
    import csv

    import numpy as np

    inputs = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    species = ["setosa", "versicolor", "virginica"]
    with open(EXAMPLES / "train" / "iris.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[c]) for c in inputs] for r in rows])
    t = np.array([[float(r[c]) for c in species] for r in rows])
    w_h = np.array([[weights[f"w_h{j}_{c}"] for c in inputs] for j in range(1, 6)])
    b_h = np.array([weights[f"b_h{j}"] for j in range(1, 6)])
    w_o = np.array([[weights[f"w_o{k}_h{j}"] for j in range(1, 6)] for k in range(1, 4)])
    b_o = np.array([weights[f"b_o{k}"] for k in range(1, 4)])
    z = np.tanh(x @ w_h.T + b_h) @ w_o.T + b_o  # softmax keeps the largest where it is
    return int((z.argmax(axis=1) == t.argmax(axis=1)).sum())


def test_a_classifiers_accuracy_before_and_after_training(capsys):
    code, out, _ = run(capsys, "train", "example:train/iris", "--steps", "300", "--batch-size", "16", "--format",
                       "json")
    assert code == 0
    data = json.loads(out)
    start = bpcalc.load("example:train/iris").params
    right_before, right_after = _iris_right(start), _iris_right({**start, **data["updated"]})
    assert data["accuracy"] == {"right": right_after, "right_before": right_before, "samples": 150}
    assert right_after >= 135  # over 90% within 300 steps, as docs/training.md says
    code, text, _ = run(capsys, "train", "example:train/iris", "--steps", "300", "--batch-size", "16", "--format",
                        "text", "--width", "200")
    assert (f"accuracy: {right_after} of the 150 samples classified right ({100 * right_after / 150:.1f}%); "
            f"before training {right_before} ({100 * right_before / 150:.1f}%)") in text


def test_one_sigmoid_output_is_class_1_from_one_half(tmp_path, capsys):
    # w = 1, b = 0: σ(−1) < ½ (class 0, target 0: right), σ(1) ≥ ½ (class 1, target 1: right),
    # σ(2) ≥ ½ (class 1, target 0: wrong) — 2 of 3, before and after a step too small to change it
    (tmp_path / "c.yaml").write_text(
        "network:\n  inputs: [x]\n  layers:\n    - {name: o, activation: sigmoid, weights: [[w]], bias: b}\n"
        "params: {w: 1, b: 0}\nsamples:\n  - {inputs: [-1], targets: [0]}\n  - {inputs: [1], targets: [1]}\n"
        "  - {inputs: [2], targets: [0]}\nloss: bce\n")
    code, out, _ = run(capsys, "train", str(tmp_path / "c.yaml"), "--steps", "1", "--lr", "1e-9", "--format", "json")
    assert code == 0 and json.loads(out)["accuracy"] == {"right": 2, "right_before": 2, "samples": 3}


def test_a_network_that_is_not_a_classifier_has_no_accuracy(capsys):
    # the blog's targets are 0.01 and 0.99: not classes
    code, out, _ = run(capsys, "train", "example:blog_2_2_2", "--steps", "5", "--format", "json")
    assert code == 0 and json.loads(out)["accuracy"] is None
    code, text, _ = run(capsys, "train", "example:blog_2_2_2", "--steps", "5", "--format", "text")
    assert "accuracy" not in text
