"""Where courses live: `bpcalc variants --prairielearn`, `--qti` (Canvas), `--gradescope`, and
`check --format gradescope` — each file checked against what the platform's own documentation
requires, the grading run as the platform would run it, and every expected number the published
2-2-2 blog's (examples/blog_2_2_2.yaml) or worked by hand here.

No PrairieLearn, Canvas or Gradescope server runs here: PrairieLearn's `data` dict, Gradescope's
/autograder folder and Canvas's import are stood in for as their documentation describes them.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from bpcalc.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
BLOG = ROOT / "examples" / "blog_2_2_2.yaml"
TEMPLATE = ROOT / "examples" / "templates" / "blog_homework.yaml"
WEIGHTS = [f"w{k}" for k in range(1, 9)]

#: the published blog's numbers (seed 002): the loss, every gradient and every updated weight
PUBLISHED_LOSS = 0.298371109
PUBLISHED_GRADIENTS = {"w1": 0.000438568, "w5": 0.082167041, "w6": 0.0826676278, "w7": -0.0226025404,
                       "w8": -0.0227402422}
PUBLISHED_UPDATED = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229, "w5": 0.35891648,
                     "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def by_hand(p: dict[str, float], x: list[float], t: list[float], lr: float, mistake: str | None = None):
    """The 2-2-2 network of the blog (one bias per layer, frozen), E = Σ ½(t − out)², worked in plain
    Python, with one method mistake made: sign, factor_2, missing_activation_derivative, missing_lr,
    update_added, lr_twice."""
    h1 = sigmoid(p["w1"] * x[0] + p["w2"] * x[1] + p["b1"])
    h2 = sigmoid(p["w3"] * x[0] + p["w4"] * x[1] + p["b1"])
    o1 = sigmoid(p["w5"] * h1 + p["w6"] * h2 + p["b2"])
    o2 = sigmoid(p["w7"] * h1 + p["w8"] * h2 + p["b2"])
    loss = 0.5 * (t[0] - o1) ** 2 + 0.5 * (t[1] - o2) ** 2
    if mistake == "factor_2":  # the loss without its ½: the loss and every gradient doubled
        loss *= 2
    d = (lambda out: 1.0) if mistake == "missing_activation_derivative" else (lambda out: out * (1 - out))
    scale = {"sign": -1.0, "factor_2": 2.0}.get(mistake or "", 1.0)
    d1, d2 = scale * (o1 - t[0]) * d(o1), scale * (o2 - t[1]) * d(o2)
    e1 = (d1 * p["w5"] + d2 * p["w7"]) * d(h1)
    e2 = (d1 * p["w6"] + d2 * p["w8"]) * d(h2)
    grads = {"w1": e1 * x[0], "w2": e1 * x[1], "w3": e2 * x[0], "w4": e2 * x[1],
             "w5": d1 * h1, "w6": d1 * h2, "w7": d2 * h1, "w8": d2 * h2}
    step = {"missing_lr": lambda w, g: w - g, "update_added": lambda w, g: w + lr * g,
            "lr_twice": lambda w, g: w - lr * lr * g}.get(mistake or "", lambda w, g: w - lr * g)
    updated = {k: step(p[k], g) for k, g in grads.items()}
    return loss, grads, updated


def blog_numbers():
    import yaml

    data = yaml.safe_load(BLOG.read_text(encoding="utf-8"))
    return data


def fixed(x: float, places: int = 4) -> str:
    """x at `places` decimals, rounded half up, as a student writes it."""
    from decimal import ROUND_HALF_UP, Decimal

    return str(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def sheet_lines(loss: float, grads: dict[str, float], updated: dict[str, float], places: int = 4,
                variant: str | None = None, unanswered: tuple[str, ...] = ()) -> str:
    """An answers file at `places` decimals; the updates of `unanswered` left out."""
    out = [f"variant: {variant}"] if variant else []
    out.append(f"loss: {fixed(loss, places)}")
    out.append("gradients:")
    out += [f"  {k}: {fixed(grads[k], places)}" for k in WEIGHTS]
    out.append("updated:")
    out += [f"  {k}: {fixed(updated[k], places)}" for k in WEIGHTS if k not in unanswered]
    return "\n".join(out) + "\n"


# --- PrairieLearn ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blog_kit(tmp_path_factory) -> Path:
    """The published blog's network as a one-variant kit, with every platform's output."""
    folder = tmp_path_factory.mktemp("blog")
    code = main(["variants", str(BLOG), "--count", "1", "-o", str(folder / "kit"), "--prairielearn",
                 str(folder / "pl"), "--qti", str(folder / "quiz.zip"), "--gradescope", str(folder / "gs")])
    assert code == 0
    return folder


def pl_question(course: Path) -> Path:
    (question,) = (course / "questions").iterdir()
    return question


#: the keys PrairieLearn's documentation lists for each file (docs/question/overview.md, "Metadata";
#: docs/assessment/configuration.md; docs/courseInstance; docs/course): required first, then optional
INFO_REQUIRED = {"uuid": str, "type": str, "title": str, "topic": str}
INFO_OPTIONAL = {"comment", "tags", "authors", "clientFiles", "clientTemplates", "template", "gradingMethod",
                 "singleVariant", "showCorrectAnswer", "partialCredit", "options", "externalGradingOptions",
                 "dependencies", "workspaceOptions", "sharingSets", "sharePublicly", "shareSourcePublicly",
                 "preferences"}
ASSESSMENT_REQUIRED = {"uuid": str, "type": str, "title": str, "set": str, "number": str}
INSTANCE_REQUIRED = {"uuid": str, "longName": str}
COURSE_REQUIRED = {"name": str, "title": str, "topics": list}
STANDARD_SETS = {"Homework", "Machine Problem", "Quiz", "Practice Quiz", "Exam", "Practice Exam", "Prep", "Worksheet"}
STANDARD_TAGS = {"numeric", "symbolic", "drawing", "MC", "code", "multianswer", "graph", "concept", "calculate",
                 "compute"}


def required(data: dict, keys: dict[str, type]) -> None:
    for key, kind in keys.items():
        assert isinstance(data.get(key), kind), (key, data.get(key))


def test_prairielearn_json_files_have_the_fields_its_documentation_requires(blog_kit):
    course = blog_kit / "pl"
    question = pl_question(course)
    info = json.loads((question / "info.json").read_text(encoding="utf-8"))
    required(info, INFO_REQUIRED)
    assert set(info) <= set(INFO_REQUIRED) | INFO_OPTIONAL  # the schema allows no other key
    assert UUID.match(info["uuid"]) and info["type"] == "v3"
    assert isinstance(info["tags"], list) and all(isinstance(t, str) for t in info["tags"])

    top = json.loads((course / "infoCourse.json").read_text(encoding="utf-8"))
    required(top, COURSE_REQUIRED)
    assert info["topic"] in [t["name"] for t in top["topics"]]
    for topic in top["topics"]:
        assert {"name", "color", "description"} <= set(topic)
    declared = {t["name"] for t in top.get("tags", [])}
    assert set(info["tags"]) <= declared | STANDARD_TAGS

    (instance,) = (course / "courseInstances").iterdir()
    required(json.loads((instance / "infoCourseInstance.json").read_text(encoding="utf-8")), INSTANCE_REQUIRED)
    (assessment,) = (instance / "assessments").iterdir()
    test = json.loads((assessment / "infoAssessment.json").read_text(encoding="utf-8"))
    required(test, ASSESSMENT_REQUIRED)
    assert UUID.match(test["uuid"]) and test["type"] in ("Homework", "Exam") and test["set"] in STANDARD_SETS
    (zone,) = test["zones"]
    (slot,) = zone["questions"]
    assert slot["id"] == question.name  # the question's id is its folder under questions/
    assert slot["autoPoints"] == 17  # a point per asked answer


PRAIRIELEARN = os.environ.get("BPCALC_PRAIRIELEARN", "")


@pytest.mark.skipif(not PRAIRIELEARN, reason="set BPCALC_PRAIRIELEARN to a checkout of PrairieLearn to validate "
                    "against its own schemas (AGPL: read from there, never copied here)")
def test_prairielearn_files_validate_against_prairielearns_own_schemas(blog_kit):
    jsonschema = pytest.importorskip("jsonschema")
    root = Path(PRAIRIELEARN) / "apps" / "prairielearn"
    course = blog_kit / "pl"
    question = pl_question(course)
    (instance,) = (course / "courseInstances").iterdir()
    (assessment,) = (instance / "assessments").iterdir()
    for schema, path in (("infoCourse", course / "infoCourse.json"), ("infoQuestion", question / "info.json"),
                         ("infoCourseInstance", instance / "infoCourseInstance.json"),
                         ("infoAssessment", assessment / "infoAssessment.json")):
        rules = json.loads((root / "src" / "schemas" / "schemas" / f"{schema}.json").read_text(encoding="utf-8"))
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), rules)
    element = json.loads((root / "elements" / "pl-number-input" / "schemas" / "pl-number-input.json")
                         .read_text(encoding="utf-8"))
    html = (question / "question.html").read_text(encoding="utf-8")
    for attributes in re.findall(r"<pl-number-input ([^>]*)>", html):
        jsonschema.validate(dict(re.findall(r'([a-z-]+)="([^"]*)"', attributes)), element)


def test_prairielearn_uuids_follow_the_templates_name(tmp_path, capsys):
    def made(template: Path, folder: Path) -> str:
        assert run(capsys, "variants", template, "-n", "2", "--prairielearn", folder)[0] == 0
        return json.loads((pl_question(folder) / "info.json").read_text(encoding="utf-8"))["uuid"]

    first = made(TEMPLATE, tmp_path / "a")
    again = made(TEMPLATE, tmp_path / "b")
    other = tmp_path / "homework_2.yaml"
    other.write_bytes(TEMPLATE.read_bytes())
    assert first == again != made(other, tmp_path / "c")
    assert not (tmp_path / "variants").exists()  # only a platform's output asked for: no kit folder


def test_prairielearn_question_html_asks_each_quantity_with_the_marking_schemes_precision(blog_kit):
    question = pl_question(blog_kit / "pl")
    html = (question / "question.html").read_text(encoding="utf-8")
    inputs = re.findall(r"<pl-number-input ([^>]*)>", html)
    assert len(inputs) == 17
    names = [re.search(r'answers-name="([^"]+)"', i).group(1) for i in inputs]
    assert len(set(names)) == 17
    assert all('comparison="decdig"' in i and 'digits="4"' in i for i in inputs)  # the kit's check: decimals 4
    # a box left empty is graded ("not answered"), as bpcalc check grades a sheet with answers missing
    assert all('allow-blank="true"' in i and 'blank-value=""' in i for i in inputs)
    allowed = {"answers-name", "label", "comparison", "digits", "rtol", "atol", "weight", "size", "display",
               "allow-blank", "blank-value"}  # pl-number-input's documented attributes (those bpcalc writes)
    assert all(set(re.findall(r'([a-z-]+)="', i)) <= allowed for i in inputs)
    assert 'label="the loss E_total ="' in inputs[0] and 'label="∂E_total/∂w5 =' in html
    assert 'file-name="sheets/{{params.variant}}.html"' in html and "<pl-answer-panel>" in html
    assert (question / "sheets" / "v01.html").is_file() and (question / "keys" / "v01.html").is_file()
    sheet = (question / "sheets" / "v01.html").read_text(encoding="utf-8")
    assert "{" not in sheet and "<mn>0.15</mn>" in sheet and "0.2984" not in sheet  # numbers, no answer
    assert "0.2984" in (question / "keys" / "v01.html").read_text(encoding="utf-8")
    # the graph's DOT inside pl-graph (as every PrairieLearn reads it), escaped as HTML text
    import html as html_module

    (inline,) = re.findall(r'<pl-graph aria-label="[^"]*">(.*?)</pl-graph>', html, re.S)
    assert "{" not in inline and '"' not in inline  # no Mustache tag, no attribute to end
    dot = html_module.unescape(inline)
    assert '"w5" -> "net_o1";' in dot and dot.strip().startswith("digraph bpcalc {")
    if shutil.which("dot"):
        assert subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True).returncode == 0


#: PrairieLearn's question runtime stood in for: server.py imported from the question's folder, the
#: course's serverFilesCourse on the path, and no PyYAML nor typer to import
PL_RUNNER = r'''
import importlib.util, json, os, sys
sys.modules["yaml"] = None      # PrairieLearn's Python has neither
sys.modules["typer"] = None
course, seed, answers = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
sys.path.insert(0, os.path.join(course, "serverFilesCourse"))
(qid,) = os.listdir(os.path.join(course, "questions"))
question = os.path.join(course, "questions", qid)
os.chdir(question)
spec = importlib.util.spec_from_file_location("server", os.path.join(question, "server.py"))
server = importlib.util.module_from_spec(spec)
spec.loader.exec_module(server)
data = {"params": {}, "correct_answers": {}, "variant_seed": seed,
        "options": {"question_path": question, "server_files_course_path": os.path.join(course, "serverFilesCourse")}}
server.generate(data)
generated = json.loads(json.dumps(data))   # everything in data must be JSON
raw = {key: answers.get(key, "") for key in data["correct_answers"]}
data.update({"raw_submitted_answers": raw, "submitted_answers": {k: float(v) for k, v in raw.items() if v},
             "format_errors": {}, "feedback": {}, "score": 0.0,
             "partial_scores": {k: {"score": 0.0, "weight": 1} for k in raw}})
server.grade(data)
import importlib
for blocked in ("yaml", "typer"):
    try:
        importlib.import_module(blocked)
        raise SystemExit(blocked + " was importable")
    except ImportError:
        pass
print(json.dumps({"generated": generated, "graded": data}))
'''


def pl_grade(course: Path, seed: int, answers: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", PL_RUNNER, str(course), str(seed), json.dumps(answers)],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def pl_keys(course: Path) -> dict[tuple[str, str], str]:
    questions = json.loads((pl_question(course) / "variants.json").read_text(encoding="utf-8"))["questions"]
    return {(q["kind"], q["name"]): q["key"] for q in questions}


def test_prairielearn_grades_a_sheet_as_check_does_without_yaml_or_typer(blog_kit, capsys):
    """The published network: ∂E/∂w5 with its sign flipped, w5's update worked from that wrong
    gradient (follow-on), ∂E/∂w6 with too few digits; PrairieLearn's grade gives each answer the
    credit worked out here, and bpcalc check gives the same on the same sheet."""
    course = blog_kit / "pl"
    keys = pl_keys(course)
    p = blog_numbers()
    # by hand: 0.4 − 0.5 × (−0.082167041) = 0.4410835205
    w5_own = p["params"]["w5"] - 0.5 * -PUBLISHED_GRADIENTS["w5"]
    assert abs(w5_own - 0.4410835205) < 1e-12
    answers = {keys[("loss", "E_total")]: "0.2984"}
    answers.update({keys[("gradients", w)]: fixed(g) for w, g in {**PUBLISHED_GRADIENTS, "w2": 0.000877135,
                                                                  "w3": 0.000497713, "w4": 0.000995425}.items()})
    answers.update({keys[("updated", w)]: fixed(v) for w, v in PUBLISHED_UPDATED.items()})
    answers[keys[("gradients", "w5")]] = "-0.0822"
    answers[keys[("updated", "w5")]] = "0.4411"
    answers[keys[("gradients", "w6")]] = "0.08"  # right digits, too few: imprecise, no credit by default
    result = pl_grade(course, 12345, answers)
    generated, graded = result["generated"], result["graded"]
    assert generated["params"]["variant"] == "v01"
    assert generated["correct_answers"][keys[("loss", "E_total")]] == pytest.approx(PUBLISHED_LOSS, abs=5e-10)
    scores = {k: s["score"] for k, s in graded["partial_scores"].items()}
    expected = dict.fromkeys(answers, 1.0)
    expected[keys[("gradients", "w5")]] = 0.0
    expected[keys[("gradients", "w6")]] = 0.0
    assert scores == expected  # w5 after the step: follow-on, full credit
    assert graded["score"] == pytest.approx(15 / 17)
    said = graded["partial_scores"]
    assert "sign" in said[keys[("gradients", "w5")]]["feedback"]
    assert "follow-on" in said[keys[("updated", "w5")]]["feedback"]
    assert "fewer than the rule asks for" in said[keys[("gradients", "w6")]]["feedback"]

    # bpcalc check, on the same sheet written as an answers file, against the kit's problem
    names = {v: k for k, v in keys.items()}
    sheet = ["loss: " + answers[keys[("loss", "E_total")]], "gradients:"]
    sheet += [f"  {n}: '{answers[keys[('gradients', n)]]}'" for n in WEIGHTS]
    sheet += ["updated:"] + [f"  {n}: '{answers[keys[('updated', n)]]}'" for n in WEIGHTS]
    path = blog_kit / "pl_sheet.yaml"
    path.write_text("\n".join(sheet) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "check", blog_kit / "kit" / "v01" / "problem.yaml", path, "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    by_check = {keys[(r["kind"], r["name"])]: r["credit"] for r in report["results"]}
    assert by_check == scores and report["points"] / report["max_points"] == pytest.approx(graded["score"])
    assert {names[k] for k, v in by_check.items() if v == 0} == {("gradients", "w5"), ("gradients", "w6")}


def test_prairielearn_picks_a_variant_by_the_seed_and_marks_what_is_missing_or_unread(tmp_path, capsys):
    course = tmp_path / "pl"
    assert run(capsys, "variants", TEMPLATE, "-n", "3", "--seed", "2", "--prairielearn", course)[0] == 0
    labels = {pl_grade(course, seed, {})["generated"]["params"]["variant"] for seed in range(6)}
    assert labels == {"v01", "v02", "v03"}
    keys = pl_keys(course)
    graded = pl_grade(course, 4, {keys[("loss", "loss")]: "1e400"})["graded"]  # v02: 4 mod 3 = 1
    assert graded["params"]["variant"] == "v02"
    assert all(s["score"] == 0.0 for s in graded["partial_scores"].values()) and graded["score"] == 0.0
    assert "not read" in graded["partial_scores"][keys[("loss", "loss")]]["feedback"]
    assert graded["partial_scores"][keys[("gradients", "w1")]]["feedback"] == "not answered"


# --- Canvas: QTI 1.2 ------------------------------------------------------------------------------------------

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def qti_items(package: Path) -> tuple[zipfile.ZipFile, list[ET.Element]]:
    archive = zipfile.ZipFile(package)
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    assessments = []
    for resource in manifest.iter(f"{CP}resource"):
        assert resource.get("type") == "imsqti_xmlv1p2"
        (file,) = resource.iter(f"{CP}file")
        assert file.get("href") in archive.namelist()  # the manifest references files that are there
        assessments.append(ET.fromstring(archive.read(file.get("href"))))
    assert len(assessments) == len(archive.namelist()) - 1
    return archive, assessments


def item_answer(item: ET.Element) -> tuple[float, float, float]:
    (condition,) = item.iter(f"{QTI}respcondition")
    exact = float(condition.find(f".//{QTI}varequal").text)
    low = float(condition.find(f".//{QTI}vargte").text)
    high = float(condition.find(f".//{QTI}varlte").text)
    return exact, low, high


def test_qti_package_for_canvas_holds_each_answer_with_its_tolerance_scaled_where_canvas_needs(blog_kit):
    archive, assessments = qti_items(blog_kit / "quiz.zip")
    (test,) = assessments
    items = list(test.iter(f"{QTI}item"))
    kinds = [item.find(f".//{QTI}fieldentry").text for item in items]
    assert kinds == ["text_only_question"] + ["numerical_question"] * 17  # the sheet once, then the questions
    sheet = items[0].find(f".//{QTI}mattext")
    assert sheet.get("texttype") == "text/html" and "<mn>0.15</mn>" in sheet.text
    by_title = {item.get("title"): item for item in items[1:]}
    # the published values; ∂E/∂w1 = 0.000438568 is asked × 1000 (Canvas keeps 4 decimal places)
    expected = {"the loss E_total": (PUBLISHED_LOSS, 1), "∂E_total/∂w5": (0.082167041, 1),
                "∂E_total/∂w1 × 1000": (0.438568, 1000), "w1 after one SGD step": (0.149780716, 1),
                "∂E_total/∂w7": (-0.0226025404, 1)}
    for title, (value, scale) in expected.items():
        item = by_title[title]
        exact, low, high = item_answer(item)
        assert exact == pytest.approx(value, abs=5e-10 * scale)
        assert low == pytest.approx(exact - 0.0001) and high == pytest.approx(exact + 0.0001)
        text = item.find(f".//{QTI}mattext").text
        assert ("× 1000" in text) == (scale == 1000) and "to 4 decimal places" in text
        assert item.find(f".//{QTI}render_fib").get("fibtype") == "Decimal"
    # every answer Canvas keeps has three significant digits at 4 decimal places, or is scaled
    for item in items[1:]:
        exact, _, _ = item_answer(item)
        assert abs(exact) >= 0.01


def test_qti_scaling_by_hand():
    from bpcalc.course.qti import scaled

    assert scaled(0.000438568, 1e-4, 4) == (3, pytest.approx(0.438568), pytest.approx(1e-4), 4)
    assert scaled(0.0822, 1e-4, 4).power == 0
    s = scaled(0.0822, 1e-6, 6)  # a tolerance Canvas cannot keep: the question scaled to 1e-4
    assert (s.power, s.places) == (2, 4) and s.margin == pytest.approx(1e-4) and s.answer == pytest.approx(8.22)
    tiny = scaled(4.4e-8, 1e-4, 4)  # 0.000000044 × 10⁶ = 0.0440: three significant digits at 4 places
    assert tiny.power == 6 and tiny.answer == pytest.approx(0.044)
    # the teacher's own tolerance is the same margin whatever the scale: ±0.002 on 0.000438568 × 1000
    own = scaled(0.000438568, 0.002, 4, unit=False)
    assert (own.power, own.places) == (3, 4) and own.margin == pytest.approx(2.0)
    assert scaled(0.0, 0.0, 4, unit=False) == (0, 0.0, 0.0, 4)  # a relative margin of an answer 0


@pytest.mark.parametrize("rule", ["tol: 0.002", "rel: 0.01"])
def test_moodle_and_canvas_margins_follow_the_templates_marking_scheme(tmp_path, capsys, rule):
    """A template whose check: section says how close an answer must be: Moodle's and Canvas's
    numerical questions give each answer that margin (worked by hand from the variant's numbers)."""
    template = tmp_path / "homework.yaml"
    template.write_text(TEMPLATE.read_text(encoding="utf-8") + f"check: {{{rule}}}\n", encoding="utf-8")
    code, out, err = run(capsys, "variants", template, "-n", "1", "-o", tmp_path / "kit", "--qti", tmp_path / "q.zip")
    assert code == 0, err
    kind, _, number = rule.partition(": ")
    assert f"tolerance ±{number}{' of each answer' if kind == 'rel' else ''}\n" in out

    import yaml

    problem = yaml.safe_load((tmp_path / "kit" / "v01" / "problem.yaml").read_text(encoding="utf-8"))
    assert problem["check"] == {kind: float(number)}  # the template's own section, kept
    loss, grads, updated = by_hand(problem["params"], problem["sample"]["inputs"], problem["sample"]["targets"],
                                   problem["lr"])

    def margin(value: float) -> float:
        return float(number) * (abs(value) if kind == "rel" else 1.0)

    moodle = {q.findtext("name/text"): q for q in ET.parse(tmp_path / "kit" / "moodle.xml").getroot()
              if q.get("type") == "numerical"}
    expected = {"v01: the loss": loss, **{f"v01: ∂loss/∂{w}": grads[w] for w in WEIGHTS},
                **{f"v01: {w} after one SGD step": updated[w] for w in WEIGHTS}}
    for name, value in expected.items():
        right = moodle[name].find("answer")
        assert float(right.findtext("text")) == pytest.approx(value, rel=1e-9)
        assert float(right.findtext("tolerance")) == pytest.approx(margin(value), rel=1e-9)

    _, (test,) = qti_items(tmp_path / "q.zip")
    items = {item.get("title"): item for item in test.iter(f"{QTI}item")}
    for name, value in expected.items():
        said = name.removeprefix("v01: ")
        title = next(t for t in items if t == said or t.startswith(said + " × "))
        scale = 10 ** {"": 0, "10": 1, "100": 2, "1000": 3, "10⁴": 4, "10⁵": 5, "10⁶": 6}[title[len(said):].
                                                                                        removeprefix(" × ")]
        exact, low, high = item_answer(items[title])
        assert exact == pytest.approx(value * scale, rel=1e-9)  # the question as asked: × its scale
        assert high - exact == pytest.approx(margin(value) * scale, rel=1e-6)  # the same margin, in its units
        assert exact - low == pytest.approx(margin(value) * scale, rel=1e-6)


# --- Gradescope ---------------------------------------------------------------------------------------------

#: Gradescope's autograder specification, "Output format": the keys and their types
GS_TOP = {"score": (int, float), "execution_time": (int, float), "output": str, "visibility": str,
          "stdout_visibility": str, "extra_data": dict, "tests": list, "leaderboard": list}
GS_TEST = {"score": (int, float), "max_score": (int, float), "name": str, "number": str, "output": str,
           "tags": list, "visibility": str, "extra_data": dict}
GS_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_format(results: dict) -> None:
    assert set(results) <= set(GS_TOP)
    for key, value in results.items():
        assert isinstance(value, GS_TOP[key]), key
    assert "score" in results or all("score" in t for t in results["tests"])
    for test in results["tests"]:
        assert set(test) <= set(GS_TEST)
        for key, value in test.items():
            assert isinstance(value, GS_TEST[key]), key
        assert test.get("visibility", "visible") in GS_VISIBILITY
    assert results.get("visibility", "visible") in GS_VISIBILITY
    assert results.get("stdout_visibility", "hidden") in GS_VISIBILITY


def test_check_writes_gradescope_results_for_the_published_students_sheet(capsys):
    code, out, err = run(capsys, "check", BLOG, ROOT / "examples" / "answers" / "blog_2_2_2_student.yaml",
                         "--format", "gradescope")
    assert code == 1, err  # answers not right: exit 1, as ever
    results = json.loads(out)
    assert_gradescope_format(results)
    tests = {t["name"]: t for t in results["tests"]}
    assert [t["score"] for t in results["tests"]] == [tests[n]["score"] for n in tests]
    assert results["score"] == sum(t["score"] for t in results["tests"]) == 6
    assert all(t["max_score"] == 1 for t in results["tests"]) and len(tests) == 9
    w6 = tests["∂E_total/∂w6"]
    assert w6["score"] == 0 and "(sign)" in w6["output"] and "0.0826676" in w6["output"]  # the mistake, the value
    # w1's update from the sheet's own ∂E/∂w1, by hand: 0.15 − 0.5 × 0.000668396 = 0.149665802
    assert abs(0.15 - 0.5 * 0.000668396 - 0.149665802) < 5e-10
    w1 = tests["w1 after one SGD step"]
    assert w1["score"] == 1 and "follow-on" in w1["output"] and "∂E_total/∂w1" in w1["output"]
    assert tests["∂E_total/∂w1"]["score"] == 0 and "missing_path" in tests["∂E_total/∂w1"]["output"]
    assert tests["the loss E_total"]["output"].endswith("right")


def test_gradescope_results_are_for_one_file(capsys):
    answers = ROOT / "examples" / "answers" / "blog_2_2_2_student.yaml"
    code, out, err = run(capsys, "check", BLOG, answers, answers, "--format", "gradescope")
    assert code == 2 and "one answers file" in err


def test_gradescope_autograder_folder_has_its_scripts(blog_kit):
    folder = blog_kit / "gs"
    for script in ("setup.sh", "run_autograder"):
        path = folder / script
        assert path.stat().st_mode & stat.S_IXUSR and path.read_text().startswith("#!/usr/bin/env bash\n")
        assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
    assert (folder / "variants" / "v01" / "problem.yaml").is_file()
    settings = json.loads((folder / "gradescope.json").read_text(encoding="utf-8"))
    assert len(settings["questions"]) == 17 and settings["visibility"] == "visible"
    # bpcalc as a wheel, which setup.sh installs (with its dependencies, from PyPI) on Ubuntu 24.04
    (wheel,) = folder.glob("*.whl")
    import bpcalc

    assert wheel.name == f"bpcalc-{bpcalc.__version__}-py3-none-any.whl"
    assert f"pip install /autograder/source/{wheel.name}\n" in (folder / "setup.sh").read_text()
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"bpcalc-{bpcalc.__version__}.dist-info"
        metadata = archive.read(f"{info}/METADATA").decode()
        assert {"bpcalc/__main__.py", "bpcalc/course/autograder.py", f"{info}/WHEEL", f"{info}/RECORD"} <= names
        assert "bpcalc/examples/blog_2_2_2.yaml" in names  # the data files a plain install has
        assert "Requires-Dist: pyyaml>=6" in metadata and "Requires-Python: >=3.11" in metadata
        record = {line.split(",")[0] for line in archive.read(f"{info}/RECORD").decode().splitlines()}
        assert record == names  # every file listed, with its hash


def install_wheel(folder: Path, target: Path) -> Path:
    """The autograder's wheel installed by pip (its dependencies left out: they are this Python's),
    and a stand-in for the venv setup.sh makes: a `python` that runs this Python on it."""
    (wheel,) = folder.glob("*.whl")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target",
                           str(target / "site"), str(wheel)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "No module named pip" in done.stderr:
        pytest.skip("pip is not installed: the wheel cannot be installed here")
    assert done.returncode == 0, done.stderr
    python = target / "bpcalc-venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nPYTHONPATH="{target / "site"}" exec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    where = subprocess.run([str(python), "-c", "import bpcalc; print(bpcalc.__file__)"], capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": ""}, cwd=target)
    assert where.stdout.startswith(str(target / "site")), where  # the wheel's bpcalc, not this one
    return target


def autograder_root(tmp_path: Path, folder: Path, answers: str | None, name: str = "answers.yaml") -> Path:
    """Gradescope's /autograder, stood in for: source/ (the zip's files), submission/, results/,
    and the venv setup.sh makes (bpcalc from the wheel: install_wheel)."""
    root = tmp_path / "autograder"
    shutil.copytree(folder, root / "source")
    shutil.copytree(folder.parent / "installed" / "bpcalc-venv", root / "bpcalc-venv")
    (root / "submission").mkdir()
    if answers is not None:
        (root / "submission" / name).write_text(answers, encoding="utf-8")
    return root


def run_autograder(root: Path) -> dict:
    env = {**os.environ, "BPCALC_AUTOGRADER_ROOT": str(root), "PYTHONPATH": "",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert_gradescope_format(results)
    return results


@pytest.fixture(scope="module")
def gradescope_kit(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gs")
    code = main(["variants", str(TEMPLATE), "--count", "3", "--seed", "5", "-o", str(folder / "kit"),
                 "--gradescope", str(folder / "gs")])
    assert code == 0
    install_wheel(folder / "gs", folder / "installed")
    return folder


def variant_sheet(kit: Path, label: str, mistake: str | None = None, drop: tuple[str, ...] = ()) -> str:
    import yaml

    problem = yaml.safe_load((kit / label / "problem.yaml").read_text(encoding="utf-8"))
    params, sample = problem["params"], problem["sample"]
    loss, grads, updated = by_hand(params, sample["inputs"], sample["targets"], problem["lr"], mistake)
    return sheet_lines(loss, grads, updated, variant=label, unanswered=drop)


def test_run_autograder_grades_the_submission_against_its_variant(gradescope_kit, tmp_path):
    """A submission for v02 with η left out of every update, and w8's update not answered."""
    sheet = variant_sheet(gradescope_kit / "kit", "v02", "missing_lr", drop=("w8",))
    assert sheet.count("  w8: ") == 1  # the gradient of w8 stays; its update is gone
    root = autograder_root(tmp_path, gradescope_kit / "gs", sheet)
    results = run_autograder(root)
    tests = {t["name"]: t for t in results["tests"]}
    assert len(tests) == 17
    assert all(tests[f"∂loss/∂{w}"]["score"] == 1 for w in WEIGHTS) and tests["the loss"]["score"] == 1
    for w in WEIGHTS[:7]:
        assert tests[f"{w} after one SGD step"]["score"] == 0
        assert "(missing_lr)" in tests[f"{w} after one SGD step"]["output"]
    assert tests["w8 after one SGD step"]["output"] == "not answered"
    assert results["score"] == 9 and "variant v02" in results["output"]


def test_run_autograder_uses_the_roster_and_says_what_it_cannot_grade(gradescope_kit, tmp_path):
    # the sheet names v01, the roster gives the student v03: graded as v03 (so v01's numbers are wrong)
    sheet = variant_sheet(gradescope_kit / "kit", "v01")
    root = autograder_root(tmp_path, gradescope_kit / "gs", sheet)
    (root / "source" / "roster.csv").write_text("email,variant\nana@example.org,v03\n", encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "Ana@example.org"}]}))
    results = run_autograder(root)
    assert "graded as variant v03, the roster's" in results["output"] and results["score"] < 17
    mine = variant_sheet(gradescope_kit / "kit", "v03").replace("variant: v03", "variant: v01")
    (root / "submission" / "answers.yaml").write_text(mine, encoding="utf-8")
    assert run_autograder(root)["score"] == 17

    empty = autograder_root(tmp_path / "empty", gradescope_kit / "gs", None)
    results = run_autograder(empty)
    assert results["score"] == 0 and "no answers file" in results["output"]
    broken = autograder_root(tmp_path / "broken", gradescope_kit / "gs", "[this is: not a mapping\n")
    results = run_autograder(broken)
    assert results["score"] == 0 and "could not be graded" in results["output"]


# --- distinct mistakes --------------------------------------------------------------------------------------

HAND_MISTAKES = ("sign", "factor_2", "missing_activation_derivative", "missing_lr", "update_added", "lr_twice")


@pytest.fixture(scope="module")
def distinct_kit(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("distinct") / "kit"
    code = main(["variants", str(TEMPLATE), "--count", "3", "--seed", "11", "--distinct", "-o", str(folder)])
    assert code == 0
    return folder


def named(capsys, problem: Path, sheet_text: str, path: Path) -> list[dict]:
    path.write_text(sheet_text, encoding="utf-8")
    code, out, err = run(capsys, "check", problem, path, "--format", "json")
    assert code == 1, err
    return [r for r in json.loads(out)["results"] if r["status"] == "wrong"]


@pytest.mark.parametrize("label", ["v01", "v02", "v03"])
def test_distinct_variants_name_each_mistake_a_sheet_makes(distinct_kit, capsys, tmp_path, label):
    """Each method mistake's own sheet, worked by hand at 4 decimal places: check names that
    mistake first for every answer it makes wrong."""
    problem = distinct_kit / label / "problem.yaml"
    for mistake in HAND_MISTAKES:
        wrong = named(capsys, problem, variant_sheet(distinct_kit, label, mistake), tmp_path / f"{mistake}.yaml")
        assert wrong, mistake
        for r in wrong:
            assert r["diagnosis"] and r["diagnosis"][0] == mistake, (mistake, r["kind"], r["name"], r["diagnosis"])


def unnamed(capsys, problem_path: Path, tmp_path: Path) -> dict[str, list[str]]:
    """Every catalogued mistake of method (check/mistakes.py, made everywhere), its own sheet at 4
    decimal places graded by check: the mistakes not named first for each answer they make wrong,
    with those answers."""
    import bpcalc
    from bpcalc.check.grade import quantity
    from bpcalc.check.mistakes import variants

    problem = bpcalc.load(str(problem_path))
    solution = bpcalc.solve(problem, step=True)
    seen, missed = set(), {}
    for variant, wrong in variants(problem, None, None, solution):
        n = dict(variant.params).get("n")
        if variant.scope.kind != "everywhere" or (n is not None and int(n) >= 4) or variant.code in seen:
            continue
        seen.add(variant.code)
        value = {kind: {w: quantity(wrong, problem, kind, w) for w in WEIGHTS} for kind in ("gradients", "updated")}
        loss = quantity(wrong, problem, "loss", problem.output)
        text = sheet_lines(loss, value["gradients"], value["updated"])
        if text == sheet_lines(solution.loss, solution.gradients, solution.updated):
            continue  # it changes no asked answer (the δ convention: no δ is asked)
        results = named(capsys, problem_path, text, tmp_path / f"{variant.code}.yaml")
        bad = [r["name"] for r in results if not r["diagnosis"] or r["diagnosis"][0] != variant.code]
        if bad:
            missed[variant.code] = bad
    assert {"sign", "factor_2", "missing_lr", "update_added", "lr_twice", "transposed_weights"} <= seen
    return missed


def test_distinct_variants_tell_every_catalogued_mistake_apart(distinct_kit, capsys, tmp_path):
    for label in ("v01", "v02", "v03"):
        assert unnamed(capsys, distinct_kit / label / "problem.yaml", tmp_path) == {}, label


def test_without_distinct_a_mistake_may_go_unnamed_as_its_collisions_say(tmp_path, capsys):
    """Seed 1's v02, drawn without --distinct: σ′ taken at the target gives ∂E/∂w2 and ∂E/∂w4 that
    round to 0.0000, which names no mistake — and the collisions --distinct redraws for say so."""
    import bpcalc
    from bpcalc.course.distinct import collisions
    from bpcalc.trace.steps import Asked

    assert run(capsys, "variants", TEMPLATE, "-n", "3", "--seed", "1", "-o", tmp_path / "k")[0] == 0
    path = tmp_path / "k" / "v02" / "problem.yaml"
    missed = unnamed(capsys, path, tmp_path)
    assert missed == {"target_for_output": ["w2", "w4"]}
    problem = bpcalc.load(str(path))
    solution = bpcalc.solve(problem, step=True)
    asked = (Asked("loss", problem.output, solution.loss), *(Asked("gradients", w, solution.gradients[w]) for w in
                                                              WEIGHTS), *(Asked("updated", w, solution.updated[w])
                                                                          for w in WEIGHTS))
    said = [c.said(problem, 4) for c in collisions(problem, solution, asked, 4) if not c.exact]
    assert any(s.startswith("target_for_output") and "gives 0 at 4 decimal places" in s for s in said), said


def test_distinct_says_which_mistakes_no_draw_can_tell_apart(tmp_path, capsys):
    """Only the updates asked, η = 0.5: η left out is the gradient doubled, in any draw."""
    code, out, err = run(capsys, "variants", TEMPLATE, "-n", "2", "--ask", "updated", "--distinct", "-o",
                         tmp_path / "k")
    assert code == 0, err
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("--distinct: "))
    assert lines[start] == "--distinct: 2 of 2 variants tell every catalogued mistake apart by its answers; no draw " \
                           "tells these apart:"
    said = lines[start + 1:]
    assert len(said) == 3  # in every variant, so said once each
    (doubled,) = (s for s in said if "missing_lr" in s)
    assert doubled.startswith("  factor_2 (the loss taken without its ½") and doubled.endswith(
        "η = 0.5 makes η left out (θ − ∂E/∂θ) equal the gradient doubled (θ − 0.5·2·∂E/∂θ)")
    assert any("update_added" in s and s.startswith("  sign (") for s in said)  # −(−g) subtracted is g added
    assert any("lr_twice" in s and "η = 0.5" in s for s in said)


# --- every platform's file, from a template with a hostile name ---------------------------------------------

HOSTILE = "hw\nround: 1\n\x1b]0;owned\x07\u202e$x^2\\alpha_1$ {{a}}&<b>\"'<script>\r\n\ny"
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_strings(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from json_strings(v)
    elif isinstance(value, str):
        yield value


def test_a_hostile_template_name_reaches_no_platform_file_as_markup(tmp_path, capsys):
    template = tmp_path / (HOSTILE + ".yaml")
    template.write_bytes(TEMPLATE.read_bytes())
    code, out, err = run(capsys, "variants", template, "-n", "2", "-o", tmp_path / "kit", "--prairielearn",
                         tmp_path / "pl", "--qti", tmp_path / "q.zip", "--gradescope", tmp_path / "gs")
    assert code == 0, err
    assert not HIDDEN.search(out)
    for path in [*(tmp_path / "pl").rglob("*"), *(tmp_path / "gs").rglob("*")]:
        vendored = "serverFilesCourse" in path.parts or path.suffix == ".whl"  # bpcalc's own files
        if not path.is_file() or vendored:
            continue
        text = path.read_text(encoding="utf-8")
        assert not HIDDEN.search(text), path
        if path.suffix == ".json":  # the name as JSON text, printable
            for value in json_strings(json.loads(text)):
                assert not HIDDEN.search(value), path
        elif path.suffix == ".yaml":  # the name in a YAML comment, which no line break ends
            import yaml

            assert "round" not in yaml.safe_load(text), path
        else:  # HTML, Mustache, DOT, shell, Python: the name is not in them
            assert "<b>" not in text and "<script>" not in text and "{{a}}" not in text, path
    question = pl_question(tmp_path / "pl")
    assert re.fullmatch(r"bpcalc-[A-Za-z0-9_-]+", question.name)
    assert "round: 1" not in (question / "question.html").read_text(encoding="utf-8")  # no name in it at all
    info = json.loads((question / "info.json").read_text(encoding="utf-8"))
    assert "\n" not in info["title"] and "\x1b" not in info["title"]
    archive, assessments = qti_items(tmp_path / "q.zip")
    for test in assessments:
        title = test.find(f"{QTI}assessment").get("title")
        assert not HIDDEN.search(title) and "hw\\nround: 1" in title  # escaped, then kept as text by XML
    moodle = ET.parse(tmp_path / "kit" / "moodle.xml").getroot()
    for q in moodle:
        if q.get("type") == "cloze":  # the Cloze syntax is not broken: one box per question
            assert len(re.findall(r"\{1:NUMERICAL:", q.findtext("questiontext/text"))) == 17


# --- the platforms' outputs go through bpcalc's one output policy -------------------------------------------


def test_platform_outputs_are_checked_before_anything_is_written(tmp_path, capsys):
    """A course folder with a file in it, a zip that exists, a link planted where a file goes, or
    two outputs in one place: refused, and nothing written anywhere."""
    pl = tmp_path / "pl"
    pl.mkdir()
    (pl / "mine.txt").write_text("keep")
    code, _, err = run(capsys, "variants", TEMPLATE, "-n", "2", "-o", tmp_path / "kit", "--prairielearn", pl)
    assert code == 2 and "is not empty" in err and not (tmp_path / "kit").exists()

    (tmp_path / "quiz.zip").write_text("an old quiz")
    code, _, err = run(capsys, "variants", TEMPLATE, "-n", "2", "--qti", tmp_path / "quiz.zip")
    assert code == 2 and "exists" in err and "--force" in err
    assert (tmp_path / "quiz.zip").read_text() == "an old quiz"

    target = tmp_path / "elsewhere.py"
    target.write_text("x = 1\n")
    question = pl / "questions" / "bpcalc-blog_homework"
    question.mkdir(parents=True)
    (question / "server.py").symlink_to(target)
    code, _, err = run(capsys, "variants", TEMPLATE, "-n", "2", "-o", tmp_path / "kit", "--prairielearn", pl,
                       "--force")
    assert code == 2 and "symbolic link" in err
    assert target.read_text() == "x = 1\n" and not (tmp_path / "kit").exists()
    assert sorted(p.name for p in question.iterdir()) == ["server.py"]

    code, _, err = run(capsys, "variants", TEMPLATE, "-n", "2", "-o", tmp_path / "same", "--gradescope",
                       tmp_path / "same" / "gs")
    assert code == 2 and "-o and --gradescope name the same place" in err

    # a file where a platform's folder goes: the message names the option that named it
    code, _, err = run(capsys, "variants", TEMPLATE, "-n", "2", "--gradescope", tmp_path / "quiz.zip")
    assert code == 2 and f"--gradescope {tmp_path / 'quiz.zip'} is a file, not a folder" in err
    assert "hint: give a folder, e.g. --gradescope gs" in err and "Traceback" not in err
    for option, what in (("-o", "folder"), ("--prairielearn", "folder"), ("--qti", "file")):
        code, _, err = run(capsys, "variants", TEMPLATE, "-n", "2", option, "")
        assert code == 2 and f"error: {option} names no {what}\n" in err and "Traceback" not in err


def test_a_course_folder_made_again_with_force_replaces_its_files(tmp_path, capsys):
    pl = tmp_path / "pl"
    assert run(capsys, "variants", TEMPLATE, "-n", "2", "--prairielearn", pl)[0] == 0
    server = pl_question(pl) / "server.py"
    server.chmod(0o600)
    assert run(capsys, "variants", TEMPLATE, "-n", "3", "--prairielearn", pl, "--force")[0] == 0
    assert stat.S_IMODE(server.stat().st_mode) == 0o600  # a replaced file keeps its mode
    assert len(json.loads((pl_question(pl) / "variants.json").read_text(encoding="utf-8"))["variants"]) == 3
    assert not list(pl.rglob(".bpcalc-*"))  # no temporary file left
