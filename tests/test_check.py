"""`check`: answers graded at the precision they are written with, each wrong one diagnosed, work
carried forward from a student's own wrong numbers marked follow-on; a class into a gradebook;
`explain` and the proportional error split.

Every wrong answer a mistake should explain is computed here in plain Python, by a student's
method with the mistake made (`blog_network` below) — never taken from bpcalc's output.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import bpcalc
from bpcalc.check.answers import load_answers
from bpcalc.check.grade import Checker, summarise
from bpcalc.check.policy import Scheme, written
from bpcalc.render import Options, render
from bpcalc.trace.data import Trace, result_of
from bpcalc.trace.explain import explain, split

ROOT = Path(__file__).resolve().parent.parent
SEED002 = str(ROOT / "examples" / "blog_2_2_2.yaml")
SEED003 = str(ROOT / "examples" / "slides_1_1_1_network.yaml")
TWO_SAMPLES = str(ROOT / "examples" / "linear_two_samples.yaml")


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def blog_network(*, sign: float = 1, half: float = 1, phi_prime: str = "out", transposed: bool = False,
                 skip_path: int | None = None, hidden_input: str = "own", round_to: int | None = None,
                 updated_output_weights: bool = False, lr_rule: str = "minus", lr: float = 0.5,
                 out_h1: float | None = None, i2: float = 0.10) -> dict[str, float]:
    """Seed 002's 2-2-2 network worked by hand, with one of a student's mistakes made."""
    i1, t1, t2 = 0.05, 0.01, 0.99
    w = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
    b1, b2 = 0.35, 0.60
    r = (lambda x: round(x, round_to)) if round_to is not None else (lambda x: x)

    def forward(w: dict[str, float]) -> dict[str, float]:
        a, b, c, d = (w["w1"], w["w3"], w["w2"], w["w4"]) if transposed else (w["w1"], w["w2"], w["w3"], w["w4"])
        e, f, g, h = (w["w5"], w["w7"], w["w6"], w["w8"]) if transposed else (w["w5"], w["w6"], w["w7"], w["w8"])
        v = {"net_h1": a * i1 + b * i2 + b1, "net_h2": c * i1 + d * i2 + b1}
        v["out_h1"] = r(sigmoid(v["net_h1"])) if out_h1 is None else out_h1
        v["out_h2"] = r(sigmoid(v["net_h2"]))
        v["net_o1"] = e * v["out_h1"] + f * v["out_h2"] + b2
        v["net_o2"] = g * v["out_h1"] + h * v["out_h2"] + b2
        v["out_o1"], v["out_o2"] = r(sigmoid(v["net_o1"])), r(sigmoid(v["net_o2"]))
        v["E"] = 0.5 * (t1 - v["out_o1"]) ** 2 + 0.5 * (t2 - v["out_o2"]) ** 2
        return v

    v = forward(w)

    def slope(net: str, out: str) -> float:
        if phi_prime == "none":
            return 1.0
        x = v[net] if phi_prime == "net" else v[out]
        return x * (1 - x)

    d_o1 = sign * half * (v["out_o1"] - t1) * slope("net_o1", "out_o1")
    d_o2 = sign * half * (v["out_o2"] - t2) * slope("net_o2", "out_o2")
    g = {"w5": d_o1 * v["out_h1"], "w6": d_o1 * v["out_h2"], "w7": d_o2 * v["out_h1"], "w8": d_o2 * v["out_h2"]}
    new = {k: w[k] - lr * g[k] for k in g}
    uw = new if updated_output_weights else w
    paths = [1.0 if skip_path != 1 else 0.0, 1.0 if skip_path != 2 else 0.0]
    d_h1 = (paths[0] * d_o1 * uw["w5"] + paths[1] * d_o2 * uw["w7"]) * slope("net_h1", "out_h1")
    d_h2 = (paths[0] * d_o1 * uw["w6"] + paths[1] * d_o2 * uw["w8"]) * slope("net_h2", "out_h2")
    x1, x2 = (i2, i1) if hidden_input == "other" else (i1, i2)
    g.update({"w1": d_h1 * x1, "w2": d_h1 * x2, "w3": d_h2 * x1, "w4": d_h2 * x2})
    for k in g:
        step = {"minus": -lr * g[k], "plus": lr * g[k], "no_lr": -g[k]}[lr_rule]
        new[k] = w[k] + step
    after = forward(new)["E"]
    return {**{k: v[k] for k in v}, **{f"d{k}": x for k, x in g.items()}, **{f"{k}+": x for k, x in new.items()},
            "E_after": after}


RIGHT = blog_network()


def test_the_hand_computation_is_the_blogs():
    # the blog post's own digits: the reference below is right before it is used to make mistakes
    assert round(RIGHT["out_h1"], 9) == 0.593269992
    assert round(RIGHT["E"], 9) == 0.298371109
    assert round(RIGHT["dw5"], 9) == 0.082167041
    assert round(RIGHT["dw1"], 9) == 0.000438568
    assert round(RIGHT["w5+"], 8) == 0.35891648


def sig(x: float, digits: int = 4) -> str:
    """x written with `digits` significant figures, as a student writes it."""
    return f"{x:.{digits}g}" if abs(x) >= 1e-4 else f"{x:.{digits - 1}e}"


def precision(text: str) -> float:
    """Half a unit in the last place written (check/policy.py's rule, by hand: 0.5933 → 0.00005)."""
    return written(text, float(text)).half_unit


def grade(tmp_path: Path, answers: str, problem: str = SEED002, lr: float | None = None, **scheme: object):
    path = tmp_path / "answers.yaml"
    path.write_text(answers, encoding="utf-8")
    p = bpcalc.load(problem)
    return Checker(p, lr=lr, scheme=Scheme(**scheme)).grade(str(path), load_answers(str(path), p))  # type: ignore[arg-type]


def only(grading, kind: str, name: str):
    return next(r for r in grading.results if (r.kind, r.name) == (kind, name))


# --- each mistake, made by hand, is named ------------------------------------------------------------

MISTAKES = [
    # (code, the hand computation with the mistake, the answer it gives, as kind and name)
    ("sign", {"sign": -1}, "gradients", "w5"),
    ("factor_2", {"half": 2}, "gradients", "w5"),
    ("factor_2", {"half": 0.5}, "gradients", "w1"),
    ("missing_activation_derivative", {"phi_prime": "none"}, "gradients", "w5"),
    ("derivative_at_net", {"phi_prime": "net"}, "gradients", "w5"),
    ("missing_path", {"skip_path": 2}, "gradients", "w1"),
    ("missing_path", {"skip_path": 1}, "gradients", "w1"),
    # an update added is θ − η·(−∂E/∂θ): a flipped sign gives the same new θ, and both are named
    (("sign", "update_added"), {"lr_rule": "plus"}, "updated", "w5"),
    # (with η = 0.5 an η left out is a doubled gradient's update: η = 0.1 tells them apart)
    ("missing_lr", {"lr_rule": "no_lr", "lr": 0.1}, "updated", "w1"),
    ("updated_weights_used", {"updated_output_weights": True}, "gradients", "w1"),
    ("rounded_intermediates", {"round_to": 2}, "gradients", "w5"),
    ("transposed_weights", {"transposed": True}, "values", "out_h1"),
    # (seed 002's i2 = 2·i1 makes the other input a doubled gradient: i2 = 0.13 tells them apart)
    ("wrong_input", {"hidden_input": "other", "i2": 0.13}, "gradients", "w1"),
]


def seed002_with(tmp_path: Path, i2: float) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(Path(SEED002).read_text().replace("inputs: [0.05, 0.10]", f"inputs: [0.05, {i2}]"))
    return str(path)
KEYS = {"gradients": "d{}", "updated": "{}+", "values": "{}"}


@pytest.mark.parametrize(("code", "mistake", "kind", "name"), MISTAKES,
                         ids=[f"{m[0] if isinstance(m[0], str) else m[0][-1]}-{m[3]}-{i}"
                              for i, m in enumerate(MISTAKES)])
def test_each_mistake_is_named_and_alone(tmp_path, code, mistake, kind, name):
    wrong = blog_network(**mistake)[KEYS[kind].format(name)]
    right = blog_network(**{k: v for k, v in mistake.items() if k in ("lr", "i2")})[KEYS[kind].format(name)]
    written = sig(wrong, 5)
    assert abs(float(written) - right) > precision(written), "the mistake must change the written answer"
    problem = seed002_with(tmp_path, mistake["i2"]) if "i2" in mistake else SEED002
    g = grade(tmp_path, f"{kind}: {{{name}: {written}}}\n", problem, lr=mistake.get("lr"))
    r = only(g, kind, name)
    assert r.status == "wrong"
    named = list(dict.fromkeys(m.code for m in r.mistakes))
    assert named[:1] == ([code] if isinstance(code, str) else list(code))[:1], r.mistakes
    assert set(named) >= ({code} if isinstance(code, str) else set(code)), r.mistakes
    assert abs(r.mistakes[0].value - wrong) <= precision(written)


def test_the_blogs_loss_after_is_the_updated_weights_mistake(tmp_path):
    # the 2-2-2 blog post's "loss after" 0.291027924 comes from hidden gradients taken with the
    # already-updated output weights: by hand, and as bpcalc diagnoses it
    assert round(blog_network(updated_output_weights=True)["E_after"], 9) == 0.291027924
    assert round(RIGHT["E_after"], 9) == 0.291027774
    r = only(grade(tmp_path, "loss_after: 0.291027924\n"), "loss_after", "E_total")
    assert r.status == "wrong" and [m.code for m in r.mistakes] == ["updated_weights_used"]


def test_mean_left_out_on_two_samples(tmp_path):
    # loss = mean of (t − y)² over 2 samples; ∂/∂w by hand without the 1/2: Σ 2(y − t)x = −16
    w, b = 1.0, 0.0
    dw_sum = sum(2 * (w * x + b - t) * x for x, t in ((1, 3), (2, 5)))
    assert dw_sum == -16
    r = only(grade(tmp_path, "gradients: {w: -16.0}\n", TWO_SAMPLES), "gradients", "w")
    assert [m.code for m in r.mistakes] == ["mean_1_over_n"]


def test_a_bias_left_as_it_was(tmp_path):
    # seed 003's network: every param trains; a student who updates only the weights keeps b_o = 0.2
    r = only(grade(tmp_path, "b_o_new: 0.2000\n", SEED003), "updated", "b_o")
    # the old value written: not_updated, and the procedure that gives it named first
    assert r.status == "wrong" and [m.code for m in r.mistakes] == ["not_updated", "bias_not_updated"]


def test_no_mistake_found_is_said(tmp_path):
    r = only(grade(tmp_path, "gradients: {w5: 0.5}\n"), "gradients", "w5")
    assert r.status == "wrong" and r.mistakes == ()


def test_a_right_answer_is_never_diagnosed(tmp_path):
    g = grade(tmp_path, "gradients: {w5: 0.0822, w1: 0.000439}\nupdated: {w5: 0.3589}\n")
    assert [r.status for r in g.results] == ["right"] * 3
    assert all(r.mistakes == () for r in g.results)


# --- precision as written -----------------------------------------------------------------------------


@pytest.mark.parametrize("digits", [4, 6, 9])
def test_right_answers_at_every_precision(tmp_path, digits):
    for kind, name, key in (("gradients", "w5", "dw5"), ("gradients", "w1", "dw1"), ("values", "out_o1", "out_o1"),
                            ("updated", "w5", "w5+")):
        written = f"{RIGHT[key]:.{digits}f}" if abs(RIGHT[key]) > 0.01 else f"{RIGHT[key]:.{digits - 1}e}"
        g = grade(tmp_path, f"{kind}: {{{name}: {written}}}\n")
        assert only(g, kind, name).status == "right", written


def test_a_last_digit_error_is_wrong(tmp_path):
    good = "0.082167041"  # 0.0821670406 rounds to this at 9 decimals
    bad = "0.082167042"
    assert only(grade(tmp_path, f"gradients: {{w5: {good}}}\n"), "gradients", "w5").status == "right"
    assert only(grade(tmp_path, f"gradients: {{w5: {bad}}}\n"), "gradients", "w5").status == "wrong"
    assert only(grade(tmp_path, "gradients: {w5: 0.0821}\n"), "gradients", "w5").status == "wrong"  # truncated


def test_precision_rule():
    assert precision("0.5933") == pytest.approx(0.00005)
    assert precision("0.5930") == pytest.approx(0.00005)  # a trailing zero is a digit written
    assert precision("-0.0822") == pytest.approx(0.00005)
    assert precision("8.2e-2") == pytest.approx(0.005 * 0.1)
    assert precision("71.5") == pytest.approx(0.05)
    assert precision("3") == 0.5


def test_trailing_zero_and_zero(tmp_path):
    # 0.5930 says the fourth decimal is 0: the true 0.593269992 rounds to 0.5933, so it is wrong
    assert only(grade(tmp_path, "out_h1: 0.5930\n"), "values", "out_h1").status == "wrong"
    assert only(grade(tmp_path, "out_h1: 0.593\n"), "values", "out_h1").status == "right"
    # 0.000438… is not answered by 0.000 (the digits that show it are missing)
    assert only(grade(tmp_path, "gradients: {w1: 0.000}\n"), "gradients", "w1").status == "wrong"


def test_significant_figures(tmp_path):
    assert only(grade(tmp_path, "gradients: {w5: 8.22e-2}\n"), "gradients", "w5").status == "right"
    assert only(grade(tmp_path, "gradients: {w5: 8.21e-2}\n"), "gradients", "w5").status == "wrong"


def test_tol_and_rel_override(tmp_path):
    assert only(grade(tmp_path, "gradients: {w5: 0.08}\n", tol=0.005), "gradients", "w5").status == "right"
    assert only(grade(tmp_path, "gradients: {w5: 0.08}\n", tol=0.001), "gradients", "w5").status == "wrong"
    assert only(grade(tmp_path, "gradients: {w5: 0.083}\n", rel=0.02), "gradients", "w5").status == "right"
    assert only(grade(tmp_path, "gradients: {w5: 0.083}\n", rel=0.005), "gradients", "w5").status == "wrong"


def test_the_flat_form(tmp_path):
    g = grade(tmp_path, "∂E/∂w5: 0.0822\ndE_total/dw1: 0.000439\nw5_new: 0.3589\nw6': 0.4087\nout_o1: 0.7514\n"
                        "∂out_o1/∂net_o1: 0.1868\nloss: 0.2984\n")
    got = {(r.kind, r.name): r.status for r in g.results}
    assert got == {("gradients", "w5"): "right", ("gradients", "w1"): "right", ("updated", "w5"): "right",
                   ("updated", "w6"): "right", ("values", "out_o1"): "right", ("local", "out_o1|net_o1"): "right",
                   ("loss", "E_total"): "right"}
    # by hand: w6 ← 0.45 − 0.5 · δ_o1 · out_h2
    assert round(RIGHT["w6+"], 4) == 0.4087


# --- error carried forward ----------------------------------------------------------------------------


def test_follow_on_from_a_wrong_value(tmp_path):
    # out_h1 written 0.6100 (wrong); the gradients worked from it by hand are marked follow-on
    mine = blog_network(out_h1=0.61)
    g = grade(tmp_path, f"out_h1: 0.6100\ngradients: {{w5: {sig(mine['dw5'], 5)}, w1: {sig(mine['dw1'], 5)}}}\n")
    assert [(r.name, r.status) for r in g.results] == [("out_h1", "wrong"), ("w5", "follow_on"), ("w1", "follow_on")]
    assert only(g, "gradients", "w5").follows_from == (("values", "out_h1"),)
    assert g.first_wrong.name == "out_h1"
    assert g.score == pytest.approx(2 / 3)


def test_independently_wrong_gradients_are_not_follow_on(tmp_path):
    mine = blog_network(out_h1=0.61)
    g = grade(tmp_path, f"out_h1: 0.6100\ngradients: {{w1: {sig(mine['dw1'] * 1.1, 5)}}}\n")
    assert [r.status for r in g.results] == ["wrong", "wrong"]
    assert g.score == 0


# --- the command: report, exit codes, JSON, CSV, a class ----------------------------------------------


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bpcalc", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_exit_codes_and_report(tmp_path):
    right = tmp_path / "right.yaml"
    right.write_text("gradients: {w5: 0.0822}\n")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("gradients: {w5: -0.0822}\n")
    assert cli("check", SEED002, str(right)).returncode == 0
    r = cli("check", SEED002, str(wrong))
    assert r.returncode == 1
    assert "sign" in r.stdout and "first wrong step: ∂E_total/∂w5" in r.stdout
    assert "The worked lines for the answers not marked ✓: w5" in r.stdout
    assert "= 0.0821670406" in r.stdout  # the worked line that gives the right value
    misspelt = tmp_path / "typo.yaml"
    misspelt.write_text("gradients: {w55: 1}\n")
    r = cli("check", SEED002, str(misspelt))
    assert r.returncode == 2 and "did you mean 'w5'?" in r.stderr and "Traceback" not in r.stderr


def test_json_keys(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("out_h1: 0.6100\n∂E/∂w5: -0.0822\n")
    r = cli("check", SEED002, str(a), "--format", "json")
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert {"right", "wrong", "results", "score", "first_wrong", "follow_on"} <= set(data)
    assert data["first_wrong"] == {"kind": "values", "name": "out_h1"}
    w5 = next(x for x in data["results"] if x["name"] == "w5")
    assert {k: w5[k] for k in ("kind", "answer", "ok", "status", "diagnosis")} == {
        "kind": "gradients", "answer": -0.0822, "ok": False, "status": "wrong", "diagnosis": ["sign"]}
    assert w5["computed"] == pytest.approx(RIGHT["dw5"], rel=1e-12)


def write_class(folder: Path, n: int) -> dict[str, tuple[int, int]]:
    """n answers files: every third wrong by the sign of ∂E/∂w5, every fifth with an unanswered w1;
    returns each file's (credited, answered) computed here."""
    folder.mkdir()
    expected = {}
    for k in range(n):
        w5 = -RIGHT["dw5"] if k % 3 == 0 else RIGHT["dw5"]
        lines = [f"gradients:\n  w5: {w5:.4f}"]
        if k % 5:
            lines.append(f"  w1: {RIGHT['dw1']:.7f}")
        lines.append(f"updated: {{w5: {RIGHT['w5+']:.5f}}}")
        (folder / f"student{k:03d}.yaml").write_text("\n".join(lines) + "\n")
        answered = 3 if k % 5 else 2
        expected[f"student{k:03d}.yaml"] = (answered - (k % 3 == 0), answered)
    return expected


def test_a_class_into_a_gradebook(tmp_path):
    expected = write_class(tmp_path / "answers", 200)
    start = time.perf_counter()
    r = cli("check", SEED002, str(tmp_path / "answers"), "--format", "csv")
    elapsed = time.perf_counter() - start
    assert r.returncode == 1, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    header = rows[0]
    assert header[:11] == ["file", "score", "points", "max_points", "right", "follow_on", "wrong", "imprecise",
                           "unreadable", "first_wrong", "mistakes"]
    assert header[11:] == ["gradients.w5", "gradients.w1", "updated.w5"]
    assert len(rows) == 201
    for row in rows[1:]:
        credited, answered = expected[Path(row[0]).name]
        assert int(row[4]) + int(row[5]) == credited and int(row[6]) == answered - credited
        assert float(row[2]) == credited and float(row[3]) == answered
        assert row[10] == ("sign" if credited < answered else "")
    assert elapsed < 5, f"200 answers files took {elapsed:.1f} s"
    # the per-question summary: the share right and the commonest mistake
    text = cli("check", SEED002, str(tmp_path / "answers"), "--width", "80").stdout
    wrong_w5 = sum(1 for k in range(200) if k % 3 == 0)
    assert f"sign (×{wrong_w5})" in text
    assert "A class: 200 answers files" in text
    # only a piece that cannot break (the folder's path, on a line of its own) may stand out
    assert all(len(line) <= 80 or " " not in line.strip() for line in text.splitlines())


def test_a_class_keeps_going_past_an_unusable_file(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.yaml").write_text("gradients: {w5: 0.0822}\n")
    (folder / "b.yaml").write_text("gradients: [1\n")
    (folder / "=cmd.yaml").write_text("gradients: {w5: 0.0822}\n")
    r = cli("check", SEED002, "a.yaml", "b.yaml", "=cmd.yaml", "--format", "csv", cwd=folder)
    assert r.returncode == 2
    rows = {row[0]: row for row in csv.reader(io.StringIO(r.stdout))}
    assert rows["a.yaml"][1] == "1.0000"
    assert rows["b.yaml"][10].startswith("unusable: b.yaml:2:1: error: YAML syntax")
    assert rows["'=cmd.yaml"][1] == "1.0000"  # a name a spreadsheet would run as a formula stays text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and symbolic links are POSIX's")
def test_a_class_folder_of_hostile_entries_is_graded_row_by_row(tmp_path):
    # a student's named pipe, a link that leads to itself and a file named with a line break: each is
    # a row of the gradebook, nothing waits on the pipe, and no name splits its row
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.yaml").write_text("gradients: {w5: 0.0822}\n")
    (folder / "b\rc.yaml").write_text("gradients: {w5: 0.0822}\n")
    os.mkfifo(folder / "pipe.yaml")
    os.symlink("loop.yaml", folder / "loop.yaml")
    os.symlink(".", folder / "here.yaml")  # a link to the folder itself: not an answers file
    r = subprocess.run([sys.executable, "-m", "bpcalc", "check", SEED002, "c", "--format", "csv"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr  # the class exits with its worst row: two files cannot be used
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert [row[0] for row in rows[1:]] == ["c/a.yaml", "c/b\\rc.yaml", "c/loop.yaml", "c/pipe.yaml"]
    by_file = {row[0]: row for row in rows[1:]}
    assert by_file["c/a.yaml"][1] == by_file["c/b\\rc.yaml"][1] == "1.0000"
    assert by_file["c/pipe.yaml"][10] == ("unusable: c/pipe.yaml: error: c/pipe.yaml is a named pipe (FIFO), "
                                         "not a file (name a regular file; standard input is '-')")
    assert "it is a link that leads back to itself" in by_file["c/loop.yaml"][10]
    assert all(len(row) == len(rows[0]) for row in rows)


def test_every_format_renders_a_check(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("out_h1: 0.6100\n∂E/∂w5: -0.0822\nw5_new: 0.3589\n")
    p = bpcalc.load(SEED002)
    checker = Checker(p)
    g = checker.grade(str(a), load_answers(str(a), p))
    single = Trace("check", p.output, p.file, (g,), result_of(checker.textbook, "check"))
    several = Trace("check", p.output, p.file, (summarise(checker, [g, g]),), result_of(checker.textbook, "check"))
    for fmt in ("text", "rich", "markdown", "latex", "html"):
        out = render(single, fmt, Options())
        assert "sign" in out and "0.6100" in out and "from out_h1" not in out, fmt
        out = render(several, fmt, Options())
        assert "sign" in out and "A class: 2 answers files" in out, fmt


# --- explain ------------------------------------------------------------------------------------------


def test_explain_w1_two_paths_their_sum_and_the_factored_form():
    sol = bpcalc.solve(bpcalc.load(SEED002))
    text = re.sub(" +", " ", render(explain(sol, "w1"), "text", Options(width=1000)))
    o1, o2, h1 = RIGHT["out_o1"], RIGHT["out_o2"], RIGHT["out_h1"]
    path1 = (o1 - 0.01) * o1 * (1 - o1) * 0.4 * h1 * (1 - h1) * 0.05
    path2 = (o2 - 0.99) * o2 * (1 - o2) * 0.5 * h1 * (1 - h1) * 0.05
    assert "w1 reaches E_total by 2 paths" in text
    shown = re.findall(r"^ path (\d) = .* = (\S+) \(via", text.replace("−", "-"), re.M)
    assert [k for k, _ in shown] == ["1", "2"]
    assert [float(x) for _, x in shown] == [pytest.approx(path1, rel=1e-11), pytest.approx(path2, rel=1e-11)]
    assert "∂E_total/∂w1 = path 1 + path 2" in text
    # the δ form: δ_h1 = σ′(net_h1)·(w5·δ_o1 + w7·δ_o2), ∂E/∂w1 = δ_h1·i1
    assert "δ_h1 = ∂out_h1/∂net_h1 · (w5·δ_o1 + w7·δ_o2)" in text
    assert "∂E_total/∂w1 = δ_h1·i1" in text
    assert "δ_h2" not in text  # only the δs w1 needs
    # seed 002's factored form: ∂E/∂out_h1 as the sum over the two outputs, × σ′(net_h1), × i1
    assert "∂E_total/∂out_h1 = ∂E_total/∂net_o1 · ∂net_o1/∂out_h1" in text
    assert "∂E_total/∂w1 = ∂E_total/∂out_h1 · ∂out_h1/∂net_h1 · ∂net_h1/∂w1" in text
    assert round(path1 + path2, 9) == 0.000438568


def test_explain_past_the_path_cap_gives_the_delta_form_alone():
    sol = bpcalc.solve(bpcalc.load(SEED002))
    text = re.sub(" +", " ", render(explain(sol, "w1", max_paths=1), "text", Options(width=1000)))
    assert "reaches E_total by 2 paths (above --max-paths 1)" in text
    assert "path 1 =" not in text and "factored" not in text
    assert "∂E_total/∂w1 = δ_h1·i1" in text


def test_explain_command(tmp_path):
    r = cli("explain", SEED002, "w1")
    assert r.returncode == 0 and "path 2" in r.stdout
    r = cli("explain", SEED002, "w11")
    assert r.returncode == 2 and "did you mean" in r.stderr
    r = cli("explain", SEED002)
    assert r.returncode == 2 and "NAME, or --split" in r.stderr


# --- the proportional split (seed 003's slides) -------------------------------------------------------


def test_split_follows_the_slides_formula():
    sol = bpcalc.solve(bpcalc.load(SEED002))
    step = split(sol).steps[0]
    (layer, neurons), = step.hidden
    h1 = next(n for n in neurons if n.neuron == "h1")
    # LossC = w_ce/(w_ce + w_de)·LossE + w_cf/(w_cf + w_df)·LossF with C = h1, E = o1, F = o2; the
    # output neurons' errors are their δ, by hand
    d_o1 = (RIGHT["out_o1"] - 0.01) * RIGHT["out_o1"] * (1 - RIGHT["out_o1"])
    d_o2 = (RIGHT["out_o2"] - 0.99) * RIGHT["out_o2"] * (1 - RIGHT["out_o2"])
    picture = 0.40 / (0.40 + 0.45) * d_o1 + 0.50 / (0.50 + 0.55) * d_o2
    assert h1.picture == pytest.approx(picture, rel=1e-12)
    assert h1.out_grad == pytest.approx(0.40 * d_o1 + 0.50 * d_o2, rel=1e-12)
    assert h1.delta == pytest.approx((0.40 * d_o1 + 0.50 * d_o2) * RIGHT["out_h1"] * (1 - RIGHT["out_h1"]), rel=1e-12)
    text = re.sub(" +", " ", render(split(sol), "text", Options(width=1000)))
    assert "Loss_h1 = w5 / (w5 + w6)·Loss_o1 + w7 / (w7 + w8)·Loss_o2" in text
    assert "not its share" in text


def test_split_needs_a_hidden_layer(tmp_path):
    r = cli("explain", str(ROOT / "examples" / "bce_one_neuron.yaml"), "--split")
    assert r.returncode == 2 and "hidden" in r.stderr


# --- the docs show what the commands print -----------------------------------------------------------


def docs_block(doc: str, command: str) -> str:
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    return text.split(f"$ {command}\n", 1)[1].split("```", 1)[0]


def test_the_docs_check_and_explain_are_what_they_print():
    env = {**__import__("os").environ, "COLUMNS": "80"}
    command = "bpcalc check examples/blog_2_2_2.yaml examples/answers/blog_2_2_2_student.yaml"
    r = subprocess.run([sys.executable, "-m", "bpcalc", *command.split()[1:]], cwd=ROOT, capture_output=True,
                       text=True, timeout=60, env=env)
    shown = docs_block("checking.md", command)
    assert r.returncode == 1 and shown.endswith("…\n")
    assert r.stdout.startswith(shown[: -len("…\n")])
    command = "bpcalc explain examples/blog_2_2_2.yaml w5"
    r = subprocess.run([sys.executable, "-m", "bpcalc", *command.split()[1:]], cwd=ROOT, capture_output=True,
                       text=True, timeout=60, env=env)
    assert r.returncode == 0 and r.stdout == docs_block("commands.md", command)


def test_follow_on_update_from_a_wrong_gradient(tmp_path):
    # ∂E/∂w1 through one path only, then w1 updated from it by hand: the update follows on
    one_path = blog_network(skip_path=2)["dw1"]
    own_update = 0.15 - 0.5 * one_path
    g = grade(tmp_path, f"∂E/∂w1: {one_path:.9f}\nw1_new: {own_update:.9f}\nw5_new: {0.4 - 0.5 * RIGHT['dw5']:.6f}\n")
    assert [(r.name, r.status) for r in g.results] == [("w1", "wrong"), ("w1", "follow_on"), ("w5", "right")]
    assert only(g, "updated", "w1").follows_from == (("gradients", "w1"),)
    assert [m.code for m in only(g, "gradients", "w1").mistakes] == ["missing_path"]


# --- a class with a variant each (bpcalc variants → students → check → CSV) ---------------------------


def test_a_class_graded_against_its_variants(tmp_path):
    made = cli("variants", "example:templates/blog_homework", "--count", "3", "--seed", "4", "-o",
               str(tmp_path / "hw"))
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "class"
    folder.mkdir()
    for k in (1, 2, 3):
        key = (tmp_path / "hw" / f"v0{k}" / "answers.yaml").read_text()
        assert f"variant: v0{k}\n" in key  # the key names its variant, as a student's sheet asks
        (folder / f"s{k}.yaml").write_text(key.replace(f"variant: v0{k}", f"variant: {k}"))  # `3` is v03
    # student 3 slips the sign of ∂loss/∂w5: by hand, the same magnitude with the other sign
    problem = bpcalc.load(str(tmp_path / "hw" / "v03" / "problem.yaml"))
    w5 = bpcalc.solve(problem).gradients["w5"]
    text = (folder / "s3.yaml").read_text()
    (folder / "s3.yaml").write_text(re.sub(r"(\n  w5: )\S+", rf"\g<1>{-w5!r}", text, count=1))
    (folder / "s4.yaml").write_text("variant: v7\nloss: 0.2\n")
    r = cli("check", str(tmp_path / "hw"), str(folder), "--format", "csv")
    assert r.returncode == 2  # s4 names no variant there
    rows = {Path(row[0]).name: row for row in csv.reader(io.StringIO(r.stdout))}
    assert rows["file"][:3] == ["file", "variant", "score"]
    assert [rows[f"s{k}.yaml"][1] for k in (1, 2, 3)] == ["v01", "v02", "v03"]
    assert rows["s1.yaml"][2] == rows["s2.yaml"][2] == "1.0000"
    assert rows["s3.yaml"][11] == "sign" and rows["s3.yaml"][rows["file"].index("gradients.w5")] == "wrong"
    assert rows["s4.yaml"][11].startswith("unusable:") and "no variant 'v7'" in rows["s4.yaml"][11]
    # a key in its own variant's folder needs no `variant:` line
    plain = tmp_path / "hw" / "v02" / "mine.yaml"
    plain.write_text("loss: " + repr(bpcalc.solve(bpcalc.load(str(tmp_path / "hw" / "v02" / "problem.yaml"))).loss)
                     + "\n")
    assert cli("check", str(tmp_path / "hw"), str(plain)).returncode == 0
