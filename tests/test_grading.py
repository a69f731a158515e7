"""Marks a teacher can sign: the precision policy (imprecise, not_updated), whole-sheet diagnosis,
a sheet never voided by one entry, the forms students write, more mistakes, exact follow-on
sources, marking schemes, key forensics.

Every expected number and mark is worked out here by hand (plain Python), never read off bpcalc.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import bpcalc
from bpcalc.check.answers import load_answers
from bpcalc.check.grade import Checker, summarise
from bpcalc.check.policy import Scheme
from bpcalc.render import Options, render
from bpcalc.trace.data import Trace, result_of

from test_check import RIGHT, blog_network, sigmoid

ROOT = Path(__file__).resolve().parent.parent
BLOG = str(ROOT / "examples" / "blog_2_2_2.yaml")
SLIDES = str(ROOT / "examples" / "slides_1_1_1_network.yaml")


def grade(tmp_path: Path, answers: str, problem: str = BLOG, lr: float | None = None, **scheme: object):
    path = tmp_path / "answers.yaml"
    path.write_text(answers, encoding="utf-8")
    p = bpcalc.load(problem)
    return Checker(p, lr=lr, scheme=Scheme(**scheme)).grade(str(path), load_answers(str(path), p))  # type: ignore[arg-type]


def status(grading, kind: str, name: str) -> str:
    return next(r.status for r in grading.results if (r.kind, r.name) == (kind, name))


def result(grading, kind: str, name: str):
    return next(r for r in grading.results if (r.kind, r.name) == (kind, name))


def cli(*args: str, cwd: Path = ROOT, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bpcalc", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, input=input)


# --- the precision policy ---------------------------------------------------------------------------------


def test_the_lazy_sheet_earns_nothing(tmp_path):
    # each of these is the true value rounded at the precision written, or the weight before the
    # update: w5 0.4 → 0.35891648, w1 0.15 → 0.149780716 (a change in the 4th decimal)
    assert round(RIGHT["w5+"], 1) == 0.4 and round(RIGHT["dw5"], 2) == 0.08 and round(RIGHT["E"], 1) == 0.3
    g = grade(tmp_path, "w5_new: 0.4\nw1_new: 0.15\ndE/dw5: 0.08\nE: 0.3\n")
    # the old value written, and nothing else: a mistake whose number the textbook's also rounds to
    # at this precision explains nothing (the updated-weights convention gives w5 0.35891648 too)
    assert status(g, "updated", "w5") == "wrong" and [m.code for m in result(g, "updated", "w5").mistakes] == [
        "not_updated"]
    assert status(g, "updated", "w1") == "wrong" and [m.code for m in result(g, "updated", "w1").mistakes] == [
        "not_updated"]
    assert g.procedure is None
    assert status(g, "gradients", "w5") == "imprecise"  # 1 significant digit of the 3 asked
    assert status(g, "loss", "E_total") == "imprecise"
    assert g.points == 0 and g.max_points == 4 and g.score == 0
    # where it went wrong is the first wrong answer, not the first imprecise one: the loss and
    # ∂E/∂w5 come first in the computation but have the right digits
    assert (g.first_wrong.kind, g.first_wrong.name) == ("updated", "w1")


def test_an_entry_not_read_is_counted_as_not_read_not_as_wrong(tmp_path):
    # ∂E/∂w5 0.0822 is right (0.0821670406); w55 names nothing, w1 is not a number: 1 of 3
    path = tmp_path / "answers.yaml"
    path.write_text("dE/dw5: 0.0822\nw55: 0.1\nw1: abc\n", encoding="utf-8")
    done = cli("check", BLOG, str(path))
    assert done.returncode == 1
    assert "score: 1 of 3 (33%): 1 right, 0 follow-on, 0 imprecise, 0 wrong, 2 not read" in done.stdout
    assert "first wrong step" not in done.stdout
    data = json.loads(cli("check", BLOG, str(path), "--format", "json").stdout)
    assert (data["right"], data["wrong"], data["unreadable"], data["first_wrong"]) == (1, 0, 2, None)


def test_an_update_must_show_its_change(tmp_path):
    # w1: 0.15 − 0.5·0.000438568 = 0.149780716; its change is in the 4th decimal
    assert round(0.15 - 0.5 * RIGHT["dw1"], 9) == 0.149780716
    for written, expected in [("0.15", "wrong"), ("0.150", "wrong"), ("0.1498", "right"), ("0.14978", "right"),
                              ("0.1497", "wrong"), ("0.149780716", "right")]:
        assert status(grade(tmp_path, f"w1_new: {written}\n"), "updated", "w1") == expected, written
    # a precision the teacher set that cannot show the change judges alone: 3 decimals, 0.150 is right
    assert status(grade(tmp_path, "w1_new: 0.150\n", decimals=3), "updated", "w1") == "right"


def test_a_two_decimal_class_sheet_line_by_line(tmp_path):
    # written to 2 decimals: out_h1 0.59 (2 digits: imprecise), ∂E/∂w5 0.08 (imprecise), w5 0.36
    # (2 digits, change 0.04 at the 2nd decimal: imprecise), w1 0.15 (the old value: not_updated)
    g = grade(tmp_path, "out_h1: 0.59\n∂E/∂w5: 0.08\nw5_new: 0.36\nw1_new: 0.15\n")
    assert [(r.name, r.status) for r in g.results] == [("out_h1", "imprecise"), ("w5", "imprecise"),
                                                      ("w1", "wrong"), ("w5", "imprecise")]
    # imprecise work earns the share the teacher gives it
    half = grade(tmp_path, "out_h1: 0.59\n∂E/∂w5: 0.08\nw5_new: 0.36\nw1_new: 0.15\n", imprecise=0.5)
    assert half.points == pytest.approx(1.5)


def test_an_exact_value_needs_no_more_digits_than_it_has(tmp_path):
    # the inputs are given: 0.05 is exact; the slides' y_h = 0.57 with --round 2 is exact too
    assert status(grade(tmp_path, "i1: 0.05\n"), "values", "i1") == "right"
    p = tmp_path / "r.yaml"
    p.write_text(Path(SLIDES).read_text() + "round: 2\n")
    assert status(grade(tmp_path, "y_h: 0.57\n", str(p)), "values", "y_h") == "right"


def test_the_rule_can_be_set(tmp_path):
    assert status(grade(tmp_path, "∂E/∂w5: 0.08\n", sig=1), "gradients", "w5") == "right"
    assert status(grade(tmp_path, "∂E/∂w5: 0.08\n", decimals=2), "gradients", "w5") == "right"
    assert status(grade(tmp_path, "∂E/∂w5: 0.0822\n", decimals=5), "gradients", "w5") == "imprecise"
    assert status(grade(tmp_path, "∂E/∂w5: 0.08\n", tol=0.005), "gradients", "w5") == "right"
    # the last written digit off by one: 0.08216704 is 1 unit in the 8th decimal from 0.0821670406
    assert status(grade(tmp_path, "∂E/∂w5: 0.08216705\n"), "gradients", "w5") == "wrong"
    assert status(grade(tmp_path, "∂E/∂w5: 0.08216705\n", slack=True), "gradients", "w5") == "right"


def test_the_report_says_the_rule_with_the_students_own_first_answer(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("out_h1: 0.59\n")
    r = cli("check", BLOG, str(answers), "--format", "text", "--width", "200")
    assert "at least 3 significant digits (your first answer, 0.59: right digits, too few of them)" in r.stdout
    r = cli("check", BLOG, str(answers), "--format", "text", "--width", "200", "--decimals", "2")
    assert "written to at least 2 decimal places (your first answer, 0.59: right)" in r.stdout


# --- a sheet is never voided by one entry -----------------------------------------------------------


@pytest.mark.parametrize("entry,message", [
    ("dE/dw9: 0.1", "no name 'w9'"), ("w5: hello", "must be a number"), ("out_h1: 1e400", "beyond the numbers"),
    ("out_h1: 0e400", "beyond the numbers"), ("E: " + "9" * 310, "beyond the numbers"),
])
def test_one_bad_entry_is_reported_and_the_rest_graded(tmp_path, entry, message):
    sheet = tmp_path / "a.yaml"
    sheet.write_text(f"∂E/∂w5: 0.0822\n{entry}\n")
    r = cli("check", BLOG, str(sheet), "--format", "json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["right"] == 1 and data["unreadable"] == 1 and data["max_points"] == 2
    r = cli("check", BLOG, str(sheet), "--format", "text", "--width", "200")
    assert message in r.stdout and "counted as unanswered" in r.stdout


def test_a_sheet_with_nothing_readable_cannot_be_used(tmp_path):
    sheet = tmp_path / "a.yaml"
    sheet.write_text("dE/dw9: 0.1\n")
    r = cli("check", BLOG, str(sheet))
    assert r.returncode == 2 and "no answer that can be read" in r.stderr and "names: " in r.stderr


def test_a_class_keeps_a_bad_entrys_message_in_its_row(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "s1.yaml").write_text("∂E/∂w5: 0.0822\n")
    (folder / "s2.yaml").write_text("variant: 3\n")  # not a variants folder: `variant` is not an answer
    (folder / "s3.yaml").write_text("[1, 2\n")
    (folder / "s10.yaml").write_text("∂E/∂w5: 0.0822\n")
    r = cli("check", BLOG, str(folder), "--format", "csv")
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert [Path(row[0]).name for row in rows[1:]] == ["s1.yaml", "s2.yaml", "s3.yaml", "s10.yaml"]  # natural order
    by = {Path(row[0]).name: row for row in rows[1:]}
    assert by["s2.yaml"][10].startswith("unusable:") and "holds no answer" in by["s2.yaml"][10]
    assert r.returncode == 2  # the worst row


# --- the forms students write -------------------------------------------------------------------------


@pytest.mark.parametrize("line,kind,name", [
    ("∂E/∂w5: −0.0822", "gradients", "w5"),  # the minus sign bpcalc prints (U+2212)
    ("∂E/∂w5: '−0.0822'", "gradients", "w5"),
    ("w5^(1): 0.4411", "updated", "w5"), ("w5⁽¹⁾: 0.4411", "updated", "w5"), ("w5_updated: 0.4411", "updated", "w5"),
    ("w5_new: 0.4411", "updated", "w5"), ("w5': 0.4411", "updated", "w5"), ("w5+: 0.4411", "updated", "w5"),
])
def test_the_forms_a_student_writes_are_read(tmp_path, line, kind, name):
    # a sign slip: −∂E/∂w5, and the update made from it by hand: 0.4 + 0.5·0.0821670406 = 0.44108
    assert round(0.4 + 0.5 * RIGHT["dw5"], 4) == 0.4411
    g = grade(tmp_path, line + "\n")
    assert [(r.kind, r.name) for r in g.results] == [(kind, name)] and not g.unreadable
    assert g.results[0].status == "wrong"


def test_a_fraction_a_quoted_number_and_a_decimal_comma(tmp_path):
    # 1/2280 = 0.000438596…: 0.000439 at the 3 significant digits required, like 0.000438568
    assert round(1 / 2280, 6) == round(RIGHT["dw1"], 6)
    g = grade(tmp_path, "∂E/∂w1: 1/2280\n∂E/∂w5: '0.0822'\nout_h1: 0,5933\n")
    assert [r.status for r in g.results] == ["right", "right", "right"]
    assert result(g, "values", "out_h1").note == "decimal comma read as a decimal point"


def test_delta_answers_in_either_convention(tmp_path):
    # δ_o1 = ∂E/∂net_o1 = (out_o1 − t)·out_o1(1 − out_o1), by hand
    o1 = RIGHT["out_o1"]
    delta = (o1 - 0.01) * o1 * (1 - o1)
    assert status(grade(tmp_path, f"δ_o1: {delta:.5f}\n"), "delta", "net_o1") == "right"
    assert status(grade(tmp_path, f"delta_o1: {-delta:.5f}\n", delta_sign=-1), "delta", "net_o1") == "right"
    # the other convention's number is named as that mistake
    r = result(grade(tmp_path, f"δ_o1: {-delta:.5f}\n"), "delta", "net_o1")
    assert r.status == "wrong" and "delta_sign_swapped" in {m.code for m in r.mistakes}


def test_an_unknown_name_suggests_an_answerable_one(tmp_path):
    sheet = tmp_path / "a.yaml"
    sheet.write_text("∂E/∂w5: 0.0822\nw5_updatd: 0.3589\n")
    r = cli("check", BLOG, str(sheet), "--format", "text", "--width", "200")
    assert "did you mean 'w5'?" in r.stdout or "did you mean" in r.stdout


# --- whole-sheet diagnosis ------------------------------------------------------------------------------


def test_a_diagnosis_the_sheet_rules_out_is_not_named(tmp_path):
    # i1 used for i2 in ∂E/∂w2 (i2 = 0.13, so another input is not a doubled gradient), while the
    # same sheet's ∂E/∂w6 and ∂E/∂w1 are right: factor_2 would make them wrong, so only wrong_input
    p = tmp_path / "net.yaml"
    p.write_text(Path(BLOG).read_text().replace("inputs: [0.05, 0.10]", "inputs: [0.05, 0.13]"))
    mine, right = blog_network(hidden_input="other", i2=0.13), blog_network(i2=0.13)
    g = grade(tmp_path, f"∂E/∂w2: {mine['dw2']:.6g}\n∂E/∂w6: {right['dw6']:.6g}\n∂E/∂w1: {right['dw1']:.6g}\n",
              str(p))
    codes = {m.code for m in result(g, "gradients", "w2").mistakes}
    assert "wrong_input" in codes and "factor_2" not in codes


def test_an_update_added_is_not_a_sign_where_the_sheet_has_the_gradient_right(tmp_path):
    added = 0.45 + 0.5 * RIGHT["dw6"]  # by hand: the update added
    g = grade(tmp_path, f"∂E/∂w6: {RIGHT['dw6']:.6g}\nw6_new: {added:.6g}\n")
    codes = [m.code for m in result(g, "updated", "w6").mistakes]
    assert codes[0] == "update_added" and "sign" not in codes


def test_the_readme_sample_sheet_keeps_its_sign_in_one_line(tmp_path):
    p = bpcalc.load(BLOG)
    path = str(ROOT / "examples" / "answers" / "blog_2_2_2_student.yaml")
    g = Checker(p).grade(path, load_answers(path, p))
    best = result(g, "gradients", "w6").mistakes[0]
    assert best.code == "sign" and best.scope[0] == "line"


def test_one_procedure_explaining_every_wrong_number_is_said_once(tmp_path):
    # σ′ taken at net: every gradient below the output changes; four answers, all from it
    mine = blog_network(phi_prime="net")
    g = grade(tmp_path, "".join(f"∂E/∂{n}: {mine['d' + n]:.6g}\n" for n in ("w5", "w6", "w1", "w3")))
    assert g.procedure is not None and g.procedure.code == "derivative_at_net" and g.procedure.explains == 4


def test_a_pair_of_mistakes_is_found(tmp_path):
    # the sign flipped and η left out (η = 0.1 here, so η left out is not a doubled gradient): the
    # update of w5 is 0.4 − (−∂E/∂w5) = 0.4 + ∂E/∂w5, which neither mistake gives alone
    pair = 0.4 + RIGHT["dw5"]
    g = grade(tmp_path, f"∂E/∂w5: {-RIGHT['dw5']:.6g}\nw5_new: {pair:.6g}\n", lr=0.1)
    found = [(m.code, m.also) for m in result(g, "updated", "w5").mistakes]
    assert any({code, *also} == {"sign", "missing_lr"} for code, also in found), found


def test_the_class_summary_counts_only_consistent_diagnoses(tmp_path):
    # the one wrong student left η out (η = 0.1): their ∂E/∂w5 is right, so not factor_2
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.yaml").write_text(f"∂E/∂w5: {RIGHT['dw5']:.6g}\nw5_new: {0.4 - RIGHT['dw5']:.6g}\n")
    (folder / "b.yaml").write_text(f"∂E/∂w5: {RIGHT['dw5']:.6g}\nw5_new: {0.4 - 0.1 * RIGHT['dw5']:.6g}\n")
    p = bpcalc.load(BLOG)
    checker = Checker(p, lr=0.1)
    gradings = [checker.grade(str(f), load_answers(str(f), p)) for f in sorted(folder.iterdir())]
    q = next(q for q in summarise(checker, gradings).questions if q.kind == "updated")
    assert q.commonest is not None and q.commonest[0] == "missing_lr"


# --- the new mistakes, each by hand --------------------------------------------------------------------


def test_eta_applied_twice(tmp_path):
    twice = 0.4 - 0.25 * RIGHT["dw5"]
    r = result(grade(tmp_path, f"w5_new: {twice:.6g}\n"), "updated", "w5")
    assert "lr_twice" in {m.code for m in r.mistakes}


def test_the_target_used_where_the_output_belongs(tmp_path):
    # σ′ at the output taken at t: ∂E/∂w5 = (out_o1 − t_o1)·t_o1(1 − t_o1)·out_h1
    t1 = 0.01
    mine = (RIGHT["out_o1"] - t1) * t1 * (1 - t1) * RIGHT["out_h1"]
    r = result(grade(tmp_path, f"∂E/∂w5: {mine:.6g}\n"), "gradients", "w5")
    assert "target_for_output" in {m.code for m in r.mistakes}


def test_a_bias_gradient_multiplied_by_the_input(tmp_path):
    # the slides' network: ∂E/∂b_o = δ_o·1; the mistake takes δ_o·y_h
    y_h = sigmoid(0.2 * 1 + 0.1)
    y_o = sigmoid(0.3 * y_h + 0.2)
    delta = -(0.8 - y_o) * y_o * (1 - y_o)
    r = result(grade(tmp_path, f"∂loss/∂b_o: {delta * y_h:.6g}\n", SLIDES), "gradients", "b_o")
    assert "bias_times_input" in {m.code for m in r.mistakes}


def test_the_max_gates_gradient_sent_to_every_input(tmp_path):
    # m = max(a·x, b·y) at x = 2, y = 3, a = 1, b = 0.5: the max is a·x = 2; ∂m/∂b is 0, the mistake y = 3
    p = tmp_path / "g.yaml"
    p.write_text("inputs: {x: 2, y: 3}\nparams: {a: 1, b: 0.5}\ndefine:\n  m: max(a*x, b*y)\n")
    r = result(grade(tmp_path, "∂m/∂b: 3.00\n", str(p)), "gradients", "b")
    assert r.status == "wrong" and "gate_gradient_to_every_input" in {m.code for m in r.mistakes}


def test_softmax_with_only_the_diagonal(tmp_path):
    # softmax over z1 = w1·x, z2 = w2·x (x = 1, w1 = 0.5, w2 = −0.5), cross-entropy with t = (1, 0):
    # ∂E/∂z2 = p2 (the off-diagonal term); with the diagonal only, ∂E/∂p2·p2(1 − p2) = 0, so ∂E/∂w2 = 0
    p = tmp_path / "s.yaml"
    p.write_text("network:\n  inputs: [x]\n  layers:\n    - {name: o, activation: softmax, weights: [[w1], [w2]]}\n"
                 "params: {w1: 0.5, w2: -0.5}\nsample: {inputs: [1], targets: [1, 0]}\nloss: cross_entropy\n")
    p2 = math.exp(-0.5) / (math.exp(0.5) + math.exp(-0.5))
    assert status(grade(tmp_path, f"∂loss/∂w2: {p2:.6g}\n", str(p)), "gradients", "w2") == "right"
    r = result(grade(tmp_path, "∂loss/∂w2: 0\n", str(p)), "gradients", "w2")
    assert "softmax_diagonal_only" in {m.code for m in r.mistakes}


def test_a_mistake_made_in_every_sample(tmp_path):
    # two samples of the 2-2-2 network, the mean of their losses; a student leaves the path through
    # o2 out of ∂E/∂out_h1 in both: ∂E/∂w1 = ½ Σ_s δ_o1·w5·σ′(net_h1)·i1 by hand
    p = tmp_path / "two.yaml"
    text = Path(BLOG).read_text()
    one = text[text.index("sample:"):text.index("loss:")]
    p.write_text(text.replace(one, "samples:\n  - {inputs: [0.05, 0.10], targets: [0.01, 0.99]}\n"
                                   "  - {inputs: [0.20, 0.30], targets: [0.01, 0.99]}\n"))
    total = 0.0
    for i1, i2 in ((0.05, 0.10), (0.20, 0.30)):
        h1, h2 = sigmoid(0.15 * i1 + 0.2 * i2 + 0.35), sigmoid(0.25 * i1 + 0.3 * i2 + 0.35)
        o1 = sigmoid(0.4 * h1 + 0.45 * h2 + 0.6)
        total += (o1 - 0.01) * o1 * (1 - o1) * 0.4 * h1 * (1 - h1) * i1
    mine = total / 2
    r = result(grade(tmp_path, f"∂E_total/∂w1: {mine:.6g}\n", str(p)), "gradients", "w1")
    assert any(m.code == "missing_path" and m.scope[0] == "everywhere" for m in r.mistakes), r.mistakes


# --- follow-on sources ---------------------------------------------------------------------------------


def test_follows_from_names_exactly_what_changes_it(tmp_path):
    # out_h1 written wrong (0.61) and ∂E/∂w6 wrong on its own; ∂E/∂w5 worked from 0.61 depends on
    # out_h1 only (∂net_o1/∂w5 = out_h1), not on ∂E/∂w6
    mine = blog_network(out_h1=0.61)
    g = grade(tmp_path, f"out_h1: 0.6100\n∂E/∂w6: 0.5\n∂E/∂w5: {mine['dw5']:.6g}\n")
    assert result(g, "gradients", "w5").status == "follow_on"
    assert result(g, "gradients", "w5").follows_from == (("values", "out_h1"),)


# --- marking schemes -----------------------------------------------------------------------------------


def test_weights_and_points_from_the_problems_check_section(tmp_path):
    p = tmp_path / "net.yaml"
    p.write_text(Path(BLOG).read_text() + "check: {weights: {gradients.w5: 2, updated.w5: 1}, follow_on: 0.5}\n")
    mine = blog_network(out_h1=0.61)
    sheet = tmp_path / "a.yaml"
    sheet.write_text(f"out_h1: 0.6100\n∂E/∂w5: {mine['dw5']:.6g}\nw5_new: {RIGHT['w5+']:.6g}\n")
    data = json.loads(cli("check", str(p), str(sheet), "--format", "json").stdout)
    # out_h1 wrong (0 of 1), ∂E/∂w5 follow-on (half of 2), w5 right (1 of 1): 2 of 4 points
    assert data["points"] == pytest.approx(2.0) and data["max_points"] == pytest.approx(4.0)
    assert data["score"] == pytest.approx((0 + 0.5 + 1) / 3)


def test_a_scheme_file_and_the_command_line_win_in_that_order(tmp_path):
    p = tmp_path / "net.yaml"
    p.write_text(Path(BLOG).read_text() + "check: {decimals: 2}\n")
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text("sig: 4\n")
    sheet = tmp_path / "a.yaml"
    sheet.write_text("∂E/∂w5: 0.082\n")  # 2 significant digits, 3 decimals
    assert cli("check", str(p), str(sheet)).returncode == 0  # decimals 2 from the file
    assert cli("check", str(p), str(sheet), "--scheme", str(scheme)).returncode == 1  # 4 digits from the scheme
    assert cli("check", str(p), str(sheet), "--scheme", str(scheme), "--sig", "2").returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("sig: lots\n")
    r = cli("check", str(p), str(sheet), "--scheme", str(bad))
    assert r.returncode == 2 and "`sig` must be a whole number" in r.stderr


def test_no_diagnosis_gives_marks_alone(tmp_path):
    sheet = tmp_path / "a.yaml"
    sheet.write_text(f"∂E/∂w5: {-RIGHT['dw5']:.6g}\n")
    data = json.loads(cli("check", BLOG, str(sheet), "--format", "json", "--no-diagnosis").stdout)
    assert data["results"][0]["status"] == "wrong" and data["results"][0]["diagnosis"] == []


def test_the_mistakes_words_in_chinese(tmp_path):
    sheet = tmp_path / "a.yaml"
    sheet.write_text(f"∂E/∂w5: {-RIGHT['dw5']:.6g}\n")
    out = cli("check", BLOG, str(sheet), "--lang", "zh", "--format", "text", "--width", "200").stdout
    assert "符号弄反了" in out


def test_variant_labels_as_written(tmp_path):
    made = cli("variants", "example:templates/blog_homework", "--count", "8", "--seed", "2", "-o", str(tmp_path / "hw"))
    assert made.returncode == 0, made.stderr
    key = (tmp_path / "hw" / "v07" / "answers.yaml").read_text()
    for label in ("07", "7", "v07", "V07"):
        sheet = tmp_path / f"s{label}.yaml"
        sheet.write_text(key.replace("variant: v07", f"variant: {label}"))
        assert cli("check", str(tmp_path / "hw"), str(sheet)).returncode == 0, label
    sheet = tmp_path / "bad.yaml"
    sheet.write_text(key.replace("variant: v07", "variant: v17"))
    r = cli("check", str(tmp_path / "hw"), str(sheet))
    assert r.returncode == 2 and "no variant 'v17'" in r.stderr


# --- key forensics ---------------------------------------------------------------------------------------


def test_the_blogs_key_follows_the_updated_weights_convention(tmp_path):
    # the blog's loss after the step, 0.291027924, is the updated-weights convention (by hand, in
    # test_check.py); its other numbers are the textbook's
    key = tmp_path / "key.yaml"
    key.write_text("loss: 0.298371109\n∂E/∂w5: 0.082167041\ndE/dw1: 0.000438568\nloss_after: 0.291027924\n")
    r = cli("check", BLOG, str(key), "--conventions", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    lines = {x["name"] if x["kind"] != "loss_after" else "after": x["conventions"] for x in data["lines"]}
    assert "textbook" in lines["w5"] and "textbook" in lines["w1"]
    assert lines["after"] == ["updated_weights_used"]
    assert data["unexplained"] == []
    for fmt in ("text", "markdown", "latex", "html"):
        out = cli("check", BLOG, str(key), "--conventions", "--format", fmt).stdout
        assert "updated_weights_used" in out.replace("\\_", "_").replace("\\textunderscore{}", "_"), fmt


def test_a_check_renders_in_every_format(tmp_path):
    a = tmp_path / "a.yaml"
    a.write_text("out_h1: 0.59\n∂E/∂w5: −0.0822\nw1_new: 0.15\nfoo: 1\n")
    p = bpcalc.load(BLOG)
    checker = Checker(p)
    g = checker.grade(str(a), load_answers(str(a), p))
    trace = Trace("check", p.output, p.file, (g,), result_of(checker.textbook, "check"))
    for fmt in ("text", "rich", "markdown", "latex", "html"):
        out = render(trace, fmt, Options(lang="en")).replace("\\_", "_").replace("\\textunderscore{}", "_")
        assert "not_updated" in out and "foo" in out, fmt
