"""`bpcalc variants`: per-student variants of a teacher's problem, with sheets, answer keys and a
Moodle XML quiz.  The answers are checked against the network computed here in plain Python from
each variant's own file (and seed 003's published numbers), never against the program's output."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from bpcalc import shipped
from bpcalc.cli.main import main
from bpcalc.course.template import read_template
from bpcalc.render import words as words_module

from helpers import EXAMPLES, published, record_messages

TEMPLATE = shipped.path("templates/blog_homework")
WEIGHTS = [f"w{k}" for k in range(1, 9)]


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def make(capsys, folder: Path, *args: str, template: str | Path = TEMPLATE) -> Path:
    code, out, err = run(capsys, "variants", str(template), "-o", str(folder), *args)
    assert code == 0, err
    return folder


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def seed002_by_hand(p: dict[str, float], x: list[float], t: list[float], lr: float):
    """Seed 002's 2-2-2 network (one bias per layer, frozen), E = Σ ½(t − out)², in plain Python."""
    h1 = sigmoid(p["w1"] * x[0] + p["w2"] * x[1] + p["b1"])
    h2 = sigmoid(p["w3"] * x[0] + p["w4"] * x[1] + p["b1"])
    o1 = sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b2"])
    o2 = sigmoid(p["w7"] * h1 + p["w8"] * h2 + p["b2"])
    loss = 0.5 * (t[0] - o1) ** 2 + 0.5 * (t[1] - o2) ** 2
    d1, d2 = (o1 - t[0]) * o1 * (1 - o1), (o2 - t[1]) * o2 * (1 - o2)
    e1 = (d1 * p["w5"] + d2 * p["w7"]) * h1 * (1 - h1)
    e2 = (d1 * p["w6"] + d2 * p["w8"]) * h2 * (1 - h2)
    grads = {"w1": e1 * x[0], "w2": e1 * x[1], "w3": e2 * x[0], "w4": e2 * x[1],
             "w5": d1 * h1, "w6": d1 * h2, "w7": d2 * h1, "w8": d2 * h2}
    updated = {k: p[k] - lr * g for k, g in grads.items()}
    return loss, grads, updated, (h1, h2, o1, o2)


def test_the_oracle_gives_seed_002s_published_numbers():
    p = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30, "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55,
         "b1": 0.35, "b2": 0.60}
    loss, grads, updated, _ = seed002_by_hand(p, [0.05, 0.10], [0.01, 0.99], 0.5)
    assert published(loss, "0.298371109") and published(grads["w5"], "0.082167041")
    assert published(grads["w1"], "0.000438568") and published(updated["w5"], "0.35891648")


def variant_numbers(folder: Path):
    problem = yaml.safe_load((folder / "problem.yaml").read_text(encoding="utf-8"))
    return problem, problem["params"], problem["sample"]["inputs"], problem["sample"]["targets"]


def variant_folders(kit: Path) -> list[Path]:
    return sorted(p for p in kit.iterdir() if p.is_dir())


# --- the variants: ranges, rules and answers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kit") / "hw"
    code = main(["variants", str(TEMPLATE), "--count", "8", "--seed", "4", "-o", str(folder)])
    assert code == 0
    return folder


def test_each_variant_has_its_files(kit):
    folders = variant_folders(kit)
    assert [f.name for f in folders] == [f"v{k:02d}" for k in range(1, 9)]
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["problem.yaml", "sheet.md", "sheet.tex", "key.md", "key.tex", "answers.yaml"])
    assert (kit / "moodle.xml").is_file() and (kit / "answers.csv").is_file()


def test_every_variant_keeps_to_the_teachers_ranges_and_the_rest_of_the_file(kit):
    template = TEMPLATE.read_text(encoding="utf-8").splitlines()
    drawn = set()
    for folder in variant_folders(kit):
        text = (folder / "problem.yaml").read_text(encoding="utf-8").splitlines()
        assert text[0].startswith(f"# blog_homework, variant {folder.name[1:]}, drawn by bpcalc variants")
        assert text[1] == shipped.modeline()  # a plain problem file: the plain schema
        body, marking = text[2:len(template) + 1], text[len(template) + 1:]
        for ours, theirs in zip(body, template[1:], strict=True):  # every other line as written
            if "between" not in theirs and "one_of" not in theirs:
                assert ours == theirs
        # then how check marks it: to the places its sheet asks for (--places, 4 by default)
        assert marking == ["", "# bpcalc check marks this variant's answers as its sheet asks: to 4 decimal places",
                           "check: {decimals: 4}"]
        _, params, inputs, targets = variant_numbers(folder)
        for name in WEIGHTS:
            w = params[name]
            assert -1 <= w <= 1 and round(w, 2) == w
        assert params["b1"] == 0.35 and params["b2"] == 0.60
        assert all(0.05 <= x <= 1 and round(x, 2) == x for x in inputs)
        assert all(t in (0.01, 0.99) for t in targets)
        drawn.add(tuple(params[n] for n in WEIGHTS) + tuple(inputs) + tuple(targets))
    assert len(drawn) == 8  # no two alike


def test_each_answer_key_is_the_solution_of_its_own_variant(kit):
    keys = []
    for folder in variant_folders(kit):
        problem, params, inputs, targets = variant_numbers(folder)
        loss, grads, updated, _ = seed002_by_hand(params, inputs, targets, problem["lr"])
        key = yaml.safe_load((folder / "answers.yaml").read_text(encoding="utf-8"))
        assert set(key) == {"variant", "loss", "gradients", "updated"}  # docs/checking.md's keys, and which variant
        assert key["variant"] == folder.name
        assert key["loss"] == pytest.approx(loss, rel=1e-12)
        assert list(key["gradients"]) == WEIGHTS and list(key["updated"]) == WEIGHTS  # b1, b2 are frozen
        for name in WEIGHTS:
            assert key["gradients"][name] == pytest.approx(grads[name], rel=1e-10, abs=1e-15)
            assert key["updated"][name] == pytest.approx(updated[name], rel=1e-12)
        md = (folder / "key.md").read_text(encoding="utf-8")
        assert f"| 1. | the loss | $\\mathit{{loss}}$ | {loss:.4f} |" in md
        keys.append(key["loss"])
    assert len(set(keys)) == len(keys)


def test_every_variant_is_interesting_by_the_default_rules(kit):
    half = 0.5e-4  # half a unit in the 4th decimal place, the default
    for folder in variant_folders(kit):
        problem, params, inputs, targets = variant_numbers(folder)
        loss, grads, updated, outs = seed002_by_hand(params, inputs, targets, problem["lr"])
        assert all(0.05 <= o <= 0.95 for o in outs)  # no saturated sigmoid
        assert abs(loss) >= half and all(abs(g) >= half for g in grads.values())
        assert all(abs(updated[n] - params[n]) >= half for n in WEIGHTS)


def test_the_same_seed_gives_the_same_files(tmp_path, capsys, kit):
    again = make(capsys, tmp_path / "again", "--count", "8", "--seed", "4")
    for file in sorted(kit.rglob("*")):
        if file.is_file():
            assert file.read_bytes() == (again / file.relative_to(kit)).read_bytes(), file
    fewer = make(capsys, tmp_path / "fewer", "--count", "3", "--seed", "4")
    for k in ("v01", "v02", "v03"):  # variant k is the same whatever --count
        assert (fewer / k / "problem.yaml").read_bytes() == (kit / k / "problem.yaml").read_bytes()
    other = make(capsys, tmp_path / "other", "--count", "3", "--seed", "5")
    assert (other / "v01" / "problem.yaml").read_bytes() != (kit / "v01" / "problem.yaml").read_bytes()


def test_the_sheet_gives_the_numbers_and_asks_without_answering(kit):
    folder = variant_folders(kit)[0]
    _, params, inputs, _ = variant_numbers(folder)
    sheet = (folder / "sheet.md").read_text(encoding="utf-8")
    key = yaml.safe_load((folder / "answers.yaml").read_text(encoding="utf-8"))
    assert sheet.startswith("## blog\\_homework, variant 01\n")
    assert f"$w_{{1}} = {params['w1']:g}$" in sheet and f"$i_{{1}} = {inputs[0]:g}$" in sheet
    assert "\\mathit{net}_{h1} = w_{1} \\cdot i_{1} + w_{2} \\cdot i_{2} + b_{1}" in sheet  # the computation
    assert sheet.count("| after one SGD step |") == 8 and sheet.count("| a gradient |") == 8
    assert "Give each answer to 4 decimal places." in sheet
    for value in (key["loss"], *key["gradients"].values()):
        assert f"{abs(value):.4f}" not in sheet and f"{abs(value):.8f}"[:10] not in sheet
    assert "Backward pass" not in sheet
    md = (folder / "key.md").read_text(encoding="utf-8")
    assert "### Step 1. Answers" in md and "Backward pass" in md and "SGD update" in md


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_the_latex_sheet_and_key_compile(kit, tmp_path):
    folder = variant_folders(kit)[1]
    for name in ("sheet.tex", "key.tex"):
        shutil.copy(folder / name, tmp_path / name)
        r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", name], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout[-2000:]
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", name.replace(".tex", ".pdf"), "-"], cwd=tmp_path,
                                  capture_output=True, text=True).stdout
            assert "variant 02" in text


@pytest.mark.parametrize("fmt", ["text", "rich", "markdown", "latex", "html", "json"])
def test_the_sheet_and_the_key_render_in_every_format(fmt):
    """A sheet's steps (given, the computation, the questions) and a key's (the answers first) in
    every renderer: the numbers and each question are there, the key's answers too."""
    from bpcalc.course import kit as course
    from bpcalc.course.template import read_template
    from bpcalc.render import Options, render

    made = course.make(read_template(str(TEMPLATE)), course.Settings(size=1, seed=2))
    variant = made.variants[0]
    w1 = variant.problem.params["w1"]
    loss = variant.questions[0].answer
    for trace, answered in ((course.sheet(variant, 4), False), (course.key(variant, 4), True)):
        out = render(trace, fmt, Options(standalone=fmt in ("latex", "html")))
        if fmt == "json":  # the solution as data: the same numbers
            assert json_loss(out) == loss
            continue
        assert f"{abs(w1):g}" in out
        assert ("Answers" if answered else "Questions") in out and "after one SGD step" in out
        assert (f"{loss:.4f}" in out) == answered  # the sheet never shows an answer


def json_loss(text: str) -> float:
    import json

    return json.loads(text)["loss"]


def test_check_takes_a_variants_answers_file_as_it_is(kit, capsys):
    import json

    folder = variant_folders(kit)[2]
    code, out, err = run(capsys, "check", str(folder / "problem.yaml"), str(folder / "answers.yaml"),
                         "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["right"] == 17 and report["wrong"] == 0
    other = variant_folders(kit)[3] / "answers.yaml"  # another variant's key: wrong for this one
    code, out, _ = run(capsys, "check", str(folder / "problem.yaml"), str(other), "--format", "json")
    assert code == 1 and json.loads(out)["wrong"] > 0


# --- the Moodle quiz ------------------------------------------------------------------------------------


def test_the_moodle_quiz_holds_per_variant_a_cloze_and_a_question_per_quantity(kit):
    """Per variant: its category, one Cloze question holding the sheet (once) and every answer, and
    a numerical and a multiple-choice question per asked quantity, named as a person writes it;
    every answer checked against the network computed by hand from the variant's own file."""
    root = ET.parse(kit / "moodle.xml").getroot()
    assert root.tag == "quiz"
    categories = [q.findtext("category/text") for q in root if q.get("type") == "category"]
    assert categories == [f"$course$/blog_homework/v{k:02d}" for k in range(1, 9)]
    names = [q.findtext("name/text") for q in root if q.get("type") != "category"]
    assert len(names) == len(set(names))
    by_name = {q.findtext("name/text"): q for q in root if q.get("type") != "category"}
    for k, folder in enumerate(variant_folders(kit), start=1):
        tag = f"v{k:02d}"
        problem, params, inputs, targets = variant_numbers(folder)
        loss, grads, updated, _ = seed002_by_hand(params, inputs, targets, problem["lr"])
        expected = {f"{tag}: the loss": loss}
        expected.update({f"{tag}: ∂loss/∂{n}": grads[n] for n in WEIGHTS})
        expected.update({f"{tag}: {n} after one SGD step": updated[n] for n in WEIGHTS})
        mine = [q for name, q in by_name.items() if name.startswith(f"{tag}: ")]
        # the sheet once: only the Cloze question shows the given numbers
        showing = [q for q in mine if f"<mn>{abs(params['w1']):g}</mn>" in q.findtext("questiontext/text")]
        assert [q.get("type") for q in showing] == ["cloze"]
        cloze = by_name[f"{tag}: the whole sheet"].findtext("questiontext/text")
        boxes = re.findall(r"\{1:NUMERICAL:([^{}]*)\}", cloze)
        assert len(boxes) == 17 and cloze.count("{") == 17  # no other brace: none reads as a subquestion
        for (question, value), box in zip(expected.items(), boxes):
            right = box.split("~")[0]
            assert right.startswith("=") and float(right[1:].split(":")[0]) == pytest.approx(value, rel=1e-10)
            assert right.split(":")[1].split("#")[0] == "0.0001"
            q = by_name[question]
            assert q.get("type") == "numerical"
            answers = q.findall("answer")
            assert answers[0].get("fraction") == "100" and answers[0].findtext("tolerance") == "0.0001"
            assert float(answers[0].findtext("text")) == pytest.approx(value, rel=1e-10, abs=1e-15)
            for wrong in answers[1:]:  # the mistakes' numbers, each named, none the right one at 4 places
                assert wrong.get("fraction") == "0" and "common mistake" in wrong.findtext("feedback/text")
                assert round(float(wrong.findtext("text")), 4) != round(value, 4)
            for tag_name in ("questiontext/text", "defaultgrade", "penalty", "hidden", "unitgradingtype"):
                assert q.find(tag_name) is not None
            assert "<math" not in q.findtext("questiontext/text")  # no sheet in it
            choice = by_name[question + " (multiple choice)"]
            options = choice.findall("answer")
            rights = [o for o in options if o.get("fraction") == "100"]
            assert len(rights) == 1 and rights[0].findtext("text") == fixed(value)
            texts = [o.findtext("text") for o in options]
            assert len(set(texts)) == len(texts) >= 2
            for tag_name in ("single", "shuffleanswers", "answernumbering", "correctfeedback", "incorrectfeedback"):
                assert choice.find(tag_name) is not None
        # the sign flipped and the loss's ½ left out, worked by hand, are options of ∂loss/∂w5
        w5 = by_name[f"{tag}: ∂loss/∂w5 (multiple choice)"]
        feedback = {o.findtext("text"): o.findtext("feedback/text") for o in w5.findall("answer")}
        assert "(sign)" in feedback[fixed(-grads["w5"])] and "(factor_2)" in feedback[fixed(2 * grads["w5"])]


def fixed(x: float) -> str:
    """x to 4 decimal places as a sheet writes it: the minus sign U+2212, half up."""
    from decimal import ROUND_HALF_UP, Decimal

    text = str(Decimal(repr(abs(x))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
    return ("−" if x < 0 and text.strip("0.") else "") + text


def test_the_moodle_tolerance_is_the_teachers(tmp_path, capsys):
    kit = make(capsys, tmp_path / "k", "--count", "2", "--tol", "0.002", "--ask", "loss")
    questions = [q for q in ET.parse(kit / "moodle.xml").getroot() if q.get("type") == "numerical"]
    assert len(questions) == 2 and {q.findtext("answer/tolerance") for q in questions} == {"0.002"}


# --- what is asked, and the rules ------------------------------------------------------------------------


def test_ask_chooses_the_questions(tmp_path, capsys):
    kit = make(capsys, tmp_path / "k", "--count", "2", "--ask", "loss,gradients:w5,values:out_o1", "--places", "3")
    for folder in variant_folders(kit):
        problem, params, inputs, targets = variant_numbers(folder)
        loss, grads, _, outs = seed002_by_hand(params, inputs, targets, problem["lr"])
        key = yaml.safe_load((folder / "answers.yaml").read_text(encoding="utf-8"))
        assert key == {"variant": folder.name, "loss": pytest.approx(loss),
                       "values": {"out_o1": pytest.approx(outs[2])}, "gradients": {"w5": pytest.approx(grads["w5"])}}
        assert "Give each answer to 3 decimal places." in (folder / "sheet.md").read_text(encoding="utf-8")
    questions = [q for q in ET.parse(kit / "moodle.xml").getroot() if q.get("type") == "numerical"]
    assert len(questions) == 2 * 3 and {q.findtext("answer/tolerance") for q in questions} == {"0.001"}


RELU = """\
network:
  inputs: [x]
  layers:
    - {name: h, activation: relu, weights: [[w1], [w2]], bias: [b1, b2]}
    - {name: o, activation: linear, weights: [[w3, w4]], bias: b3}
params:
  w1: {between: [-1, 1], decimals: 1}
  w2: {between: [-1, 1], decimals: 1}
  b1: {between: [-1, 1], decimals: 1}
  b2: {between: [-1, 1], decimals: 1}
  w3: {between: [0.5, 1], decimals: 1}
  w4: {between: [0.5, 1], decimals: 1}
  b3: 0.1
sample: {inputs: [{between: [0.1, 1], decimals: 1}], targets: [3]}
loss: half_sse
"""


def dead(folder: Path) -> int:
    _, p, x, _ = variant_numbers(folder)
    return sum(p[f"w{j}"] * x[0] + p[f"b{j}"] <= 0 for j in (1, 2))


def test_a_dead_relu_is_redrawn_unless_the_teacher_allows_it(tmp_path, capsys):
    template = tmp_path / "relu.yaml"
    template.write_text(RELU)
    code, out, err = run(capsys, "variants", str(template), "--count", "12", "-o", str(tmp_path / "a"))
    assert code == 0, err
    assert re.search(r"redrawn: .*\d+ dead relu", out), out
    assert all(dead(f) == 0 for f in variant_folders(tmp_path / "a"))
    make(capsys, tmp_path / "b", "--count", "12", "--reject", "none", template=template)
    assert any(dead(f) for f in variant_folders(tmp_path / "b"))


SATURATING = """\
inputs: {x: 1, y: 0.5}
params:
  w: {between: [-9, 9], decimals: 1}
define:
  z: w * x
  a: sigmoid(z)
  loss: 0.5 * (y - a)**2
"""


def test_a_saturated_sigmoid_is_redrawn(tmp_path, capsys):
    template = tmp_path / "sat.yaml"
    template.write_text(SATURATING)
    code, out, err = run(capsys, "variants", str(template), "--count", "10", "--saturation", "0.1",
                         "--reject", "saturated", "-o", str(tmp_path / "a"))
    assert code == 0, err
    assert "saturated" in out
    for folder in variant_folders(tmp_path / "a"):
        w = yaml.safe_load((folder / "problem.yaml").read_text())["params"]["w"]
        assert 0.1 <= sigmoid(w) <= 0.9


def test_seed_003_through_a_template_gives_the_slides_numbers(tmp_path, capsys):
    """Ranges of one value each: the one variant is seed 003, rounded as its file says."""
    text = (EXAMPLES / "slides_1_1_1.yaml").read_text(encoding="utf-8")
    text = text.replace("params:  {w_h: 0.2, b_h: 0.1, w_o: 0.3, b_o: 0.2}",
                        "params:  {w_h: {one_of: [0.2]}, b_h: 0.1, w_o: {between: [0.3, 0.3], decimals: 1}, b_o: 0.2}")
    template = tmp_path / "s3.yaml"
    template.write_text(text + "round: 2\n")
    kit = make(capsys, tmp_path / "k", "--count", "1", "--places", "6", template=template)
    key = yaml.safe_load((kit / "v01" / "answers.yaml").read_text(encoding="utf-8"))
    assert published(key["loss"], "0.02205")
    assert published(key["gradients"]["w_o"], "-0.02895543") and published(key["updated"]["w_o"], "0.314477715")
    assert published(key["gradients"]["b_o"], "-0.050799") and published(key["updated"]["b_o"], "0.2253995")
    assert published(key["gradients"]["w_h"], "-0.00373525047")
    assert published(key["updated"]["w_h"], "0.201867625") and published(key["updated"]["b_h"], "0.101867625")
    assert "| 0.022050 |" in (kit / "v01" / "key.md").read_text(encoding="utf-8")
    code, _, err = run(capsys, "variants", str(template), "--count", "2", "-o", str(tmp_path / "two"))
    assert code == 2 and "variant 2: no interesting draw" in err and "repeats an earlier variant" in err


def test_a_range_written_over_lines_keeps_every_line_in_its_place(tmp_path):
    text = RELU.replace("  w1: {between: [-1, 1], decimals: 1}\n",
                        "  w1:\n    between: [-1, 1]   # the first weight\n    decimals: 1\n")
    (tmp_path / "t.yaml").write_text(text)
    template = read_template(str(tmp_path / "t.yaml"))
    assert [r.path for r in template.ranges][:2] == [("params", "w1"), ("params", "w2")]
    out = template.variant(["0.5", "0.1", "0.2", "0.3", "0.9", "0.8", "0.4"])
    assert len(out.splitlines()) == len(text.splitlines())
    assert "  w1:\n    0.5\n" in out and "  b3: 0.1\n" in out
    params = yaml.safe_load(out)["params"]
    assert params == {"w1": 0.5, "w2": 0.1, "b1": 0.2, "b2": 0.3, "w3": 0.9, "w4": 0.8, "b3": 0.1}


# --- what is refused, with one message each ---------------------------------------------------------------


@pytest.mark.parametrize("change,args,message,hint", [
    (("w1: {between: [-1, 1], decimals: 1}", "w1: {betwen: [-1, 1], decimals: 1}"), [],
     "unknown key 'betwen' in the range of `params.w1`", "did you mean 'between'?"),
    (("w1: {between: [-1, 1], decimals: 1}", "w1: {between: [-1, 1], decimal: 1}"), [],
     "unknown key 'decimal' in a range", "did you mean 'decimals'?"),
    (("w1: {between: [-1, 1], decimals: 1}", "w1: {between: [1, -1], decimals: 1}"), [],
     "the range of `params.w1` holds no number with 1 decimals: [1, -1]", "low ≤ high"),
    (("w1: {between: [-1, 1], decimals: 1}", "w1: {between: [0.01, 0.02], decimals: 1}"), [],
     "holds no number with 1 decimals", "allow more decimals"),
    (("w1: {between: [-1, 1], decimals: 1}", "w1: {between: [-1, 1], decimals: 9}"), [],
     "`decimals` of `params.w1` must be a whole number from 0 to 6", None),
    (("w1: {between: [-1, 1], decimals: 1}", "w1: {between: [-1, 1], one_of: [2]}"), [],
     "has both `between` and `one_of`", None),
    (("w1: {between: [-1, 1], decimals: 1}", "w1: {one_of: []}"), [], "`one_of` of `params.w1` must be a list", None),
    (None, ["--ask", "gradient:w9"], "--ask gradients:w9: no such name", "names: b1, b2, b3, loss, net_h1"),
    (None, ["--ask", "gradients:W1"], "--ask gradients:W1: no such name", "did you mean 'w1'?"),
    (None, ["--ask", "lossy"], "--ask: 'lossy' is not something to ask", "did you mean 'loss'?"),
    (None, ["--reject", "dead"], "--reject: no rule 'dead'", "did you mean 'dead_relu'?"),
    (None, ["--saturation", "0.7"], "--saturation must be below 0.5", None),
])
def test_a_bad_template_or_option_is_one_message(tmp_path, capsys, change, args, message, hint):
    text = RELU if change is None else RELU.replace(*change)
    (tmp_path / "t.yaml").write_text(text)
    code, out, err = run(capsys, "variants", str(tmp_path / "t.yaml"), "-o", str(tmp_path / "out"), *args)
    assert code == 2 and out == "" and message in err, err
    assert hint is None or hint in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()  # nothing written


def test_a_kit_is_not_written_over_without_force(tmp_path, capsys):
    make(capsys, tmp_path / "k", "--count", "2")
    code, _, err = run(capsys, "variants", str(TEMPLATE), "--count", "2", "-o", str(tmp_path / "k"))
    assert code == 2 and "is not empty" in err and "--force" in err
    make(capsys, tmp_path / "k", "--count", "2", "--seed", "9", "--force")


def test_a_template_without_ranges_makes_one_variant_only(tmp_path, capsys):
    code, _, err = run(capsys, "variants", "example:blog_2_2_2", "--count", "2", "-o", str(tmp_path / "a"))
    assert code == 2 and "marks no numbers to draw" in err and "between" in err
    kit = make(capsys, tmp_path / "b", "--count", "1", template="example:blog_2_2_2")
    key = yaml.safe_load((kit / "v01" / "answers.yaml").read_text())
    assert published(key["gradients"]["w5"], "0.082167041")


def test_several_outputs_are_refused(tmp_path, capsys):
    (tmp_path / "t.yaml").write_text("inputs: {x: {between: [1, 2]}}\ndefine:\n  a: x*x\n  b: x+1\n"
                                     "output: [a, b]\n")
    code, _, err = run(capsys, "variants", str(tmp_path / "t.yaml"), "-o", str(tmp_path / "o"))
    assert code == 2 and "`variants` needs one output" in err


# --- Chinese sheets --------------------------------------------------------------------------------------


def test_a_chinese_sheet_and_key_have_every_sentence_translated(tmp_path, capsys, monkeypatch):
    asked = record_messages(monkeypatch)
    kit = make(capsys, tmp_path / "k", "--count", "1", "--lang", "zh", "--ask", "loss,values,gradients,updated")
    assert asked - set(words_module.ZH) == set()
    sheet = (kit / "v01" / "sheet.md").read_text(encoding="utf-8")
    assert "问题" in sheet and "每个答案保留 4 位小数。" in sheet and "第 01 套" in sheet
    assert not re.search(r"\b(Questions|asked|answer|after|the loss|gradient)\b", sheet)
    assert "答案" in (kit / "v01" / "key.md").read_text(encoding="utf-8")


def test_a_template_given_where_a_problem_goes_says_it_is_a_template(tmp_path, capsys):
    from bpcalc.cli.main import main

    code = main(["grad", "example:templates/blog_homework"])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert "this file is a template for bpcalc variants, not a problem" in err
    assert "bpcalc variants" in err.split("hint:")[1]
