"""The variants as a PrairieLearn course folder (`bpcalc variants --prairielearn DIR`;
docs/course-kit.md), from PrairieLearn's documentation of course, question and assessment files:

    infoCourse.json                                   the course: a topic and a tag for the question
    questions/bpcalc-NAME/info.json                   uuid (from the template's name), type v3, title, topic, tags
    questions/bpcalc-NAME/question.html               the sheet of the student's variant (pl-template), the
                                                      graph (pl-graph, its DOT inline), a pl-number-input per
                                                      asked quantity, the worked key in the answer panel
    questions/bpcalc-NAME/server.py                   generate() and grade(): bpcalc/course/plserver.py
    questions/bpcalc-NAME/variants.json               each variant's problem (plain data), its answers
    questions/bpcalc-NAME/sheets/v07.html, keys/v07.html
    serverFilesCourse/bpcalc/…                        bpcalc's modules, which server.py imports
    courseInstances/bpcalc/infoCourseInstance.json    an instance …
    courseInstances/bpcalc/assessments/NAME/infoAssessment.json   … and a homework with the question

The files in a question's folder other than clientFiles* are not served to students (the keys
stay on the server); the template's name reaches the JSON files as JSON text and question.html
not at all; the names of the problem reach question.html as bpcalc/markup.py writes text for it.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Span

if TYPE_CHECKING:
    from ..trace.steps import Trace
    from .kit import Kit, Variant

#: every uuid bpcalc writes is uuid5 of a name in this namespace: the same template name, the same
#: uuid, so a course made again keeps its question (PrairieLearn's "When do you need a new UUID?")
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "bpcalc variants --prairielearn")
TOPIC = "Backpropagation"
INSTANCE = "bpcalc"
#: above this many nodes the graph is left out of the question (Graphviz lays it out on every view)
GRAPH_NODES = 60


def question_id(name: str) -> str:
    """The question's folder (its QID): the template's name in letters, digits, - and _."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60]
    return f"bpcalc-{safe or 'problem'}"


def uuid_of(what: str) -> str:
    return str(uuid.uuid5(NAMESPACE, what))


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


class Course:
    """The course folder's files: those of each variant as it is made (`variant`), the rest at the
    end (`final`), every path relative to the folder."""

    def __init__(self, kit: Kit, name: str, lang: str = "en"):
        from ..render.feedback import question
        from .kit import scheme

        self.kit, self.name, self.lang = kit, name, lang
        self.qid = question_id(name)
        first = kit.variants[0]
        problem = first.problem
        self.scheme = scheme(kit)
        self.questions: list[dict[str, Any]] = [{"key": f"q{i}", "kind": q.kind, "name": q.name,
                           "label": question(q.kind, q.name, problem.output, problem),
                           "weight": self.scheme.weight(q.kind if q.kind in ("loss", "loss_after")
                                                        else f"{q.kind}.{q.name}")}
                          for i, q in enumerate(first.questions, start=1)]
        self.variants: list[dict[str, Any]] = []
        self.graph = _graph(problem)

    def planned(self, labels: list[str]) -> list[str]:
        """Every file the course folder will hold, relative to it, but bpcalc's own modules."""
        q = f"questions/{self.qid}"
        files = ["infoCourse.json", f"courseInstances/{INSTANCE}/infoCourseInstance.json",
                 f"courseInstances/{INSTANCE}/assessments/{self.qid}/infoAssessment.json",
                 f"{q}/info.json", f"{q}/question.html", f"{q}/server.py", f"{q}/variants.json"]
        return files + [f"{q}/{part}/{label}.html" for label in labels for part in ("sheets", "keys")]

    def variant(self, variant: Variant, label: str, solved: Trace) -> dict[str, str]:
        """A variant's sheet and key (HTML, Mustache-safe), and its entry of variants.json."""
        from ..markup import mustache_safe
        from ..reading.plain import plain_data, problem_from_data
        from ..render import Options, render
        from .kit import answer, key
        from .moodle import _html_sheet, given_html

        places = self.kit.settings.places
        data = plain_data(variant.text, label)
        if not variant.problem.check:
            data["check"] = {"decimals": places}
        # the variant as PrairieLearn will read it: from JSON, without YAML, giving the same answers
        again = problem_from_data(json.loads(json.dumps(data)), label)
        from ..engine import solve

        solution = solve(again, step=variant.solution.updated is not None)
        answers: dict[str, float] = {}
        for q, asked in zip(self.questions, variant.questions):
            value = answer(solution, asked.kind, asked.name)
            assert asked.answer is not None
            if not math.isclose(value, asked.answer, rel_tol=1e-12, abs_tol=1e-300):
                raise InputError(f"{label} reads differently as plain data ({q['label']}: {value!r}, not "
                                 f"{asked.answer!r}), so PrairieLearn could not grade it", Span(self.kit.template.file),
                                 "a problem whose samples come from a CSV file cannot travel to PrairieLearn")
            answers[q["key"]] = asked.answer
        self.variants.append({"label": label, "problem": data, "answers": answers})
        folder = f"questions/{self.qid}"
        sheet = given_html(variant, places, self.lang, solved)
        worked = _html_sheet(render(key(variant, places, solved=solved), "html", Options(lang=self.lang)))
        return {f"{folder}/sheets/{label}.html": mustache_safe(sheet) + "\n",
                f"{folder}/keys/{label}.html": mustache_safe(worked) + "\n"}

    def final(self) -> dict[str, str]:
        """Everything but the variants' own files and bpcalc's vendored modules."""
        from .plserver import FORMAT

        q = f"questions/{self.qid}"
        total = sum(float(x["weight"]) for x in self.questions)
        from ..markup import json_text

        title = json_text(f"{self.name}: backpropagation by hand")
        files: dict[str, str] = {
            "infoCourse.json": _json({
                "uuid": uuid_of("course"), "name": "bpcalc", "title": "Backpropagation by hand (bpcalc)",
                "topics": [{"name": TOPIC, "color": "blue3",
                            "description": "Forward and backward passes worked by hand (bpcalc variants)"}],
                "tags": [{"name": "bpcalc", "color": "gray1", "description": "made by bpcalc variants"}],
            }),
            f"courseInstances/{INSTANCE}/infoCourseInstance.json": _json({
                "uuid": uuid_of("course instance"), "longName": "Backpropagation by hand (bpcalc)",
            }),
            f"courseInstances/{INSTANCE}/assessments/{self.qid}/infoAssessment.json": _json({
                "uuid": uuid_of(f"assessment {self.name}"), "type": "Homework", "title": title, "set": "Homework",
                "number": "1",
                "zones": [{"questions": [{"id": self.qid,
                                          "autoPoints": int(total) if total == int(total) else total}]}],
            }),
            f"{q}/info.json": _json({
                "uuid": uuid_of(f"question {self.name}"), "type": "v3", "title": title, "topic": TOPIC,
                "tags": ["bpcalc", "numeric", "multianswer", "calculate"],
            }),
            f"{q}/question.html": self.question_html(),
            f"{q}/server.py": SERVER_PY,
            f"{q}/variants.json": _json({"format": FORMAT, "template": json_text(self.name),
                                         "places": self.kit.settings.places, "questions": self.questions,
                                         "variants": self.variants}),
        }
        return files

    def question_html(self) -> str:
        from ..markup import prairielearn

        s = self.scheme
        if s.tol is not None:
            compare = f'comparison="relabs" rtol="0" atol="{s.tol!r}"'
        elif s.rel is not None:
            compare = f'comparison="relabs" rtol="{s.rel!r}" atol="0"'
        elif s.decimals is not None:
            compare = f'comparison="decdig" digits="{s.decimals}"'
        else:
            compare = f'comparison="sigfig" digits="{s.sig or 3}"'
        places = self.kit.settings.places
        out = ["{{! made by bpcalc variants --prairielearn: each variant's sheet is sheets/VARIANT.html, its worked",
               "    key keys/VARIANT.html; server.py grades with bpcalc (serverFilesCourse/bpcalc) }}",
               "<pl-question-panel>",
               '  <pl-template file-name="sheets/{{params.variant}}.html" directory="question"></pl-template>']
        if self.graph:  # inline, as every PrairieLearn's pl-graph reads it (a source file needs one of 2025)
            out += ['  <pl-graph aria-label="the computational graph">',
                    *(f"    {prairielearn(line)}" for line in self.graph.splitlines()), "  </pl-graph>"]
        out += [f"  <p>Give each answer to {places} decimal places. Each is marked as bpcalc check marks it: an "
                "answer computed right from your own earlier wrong numbers earns its credit.</p>",
                "</pl-question-panel>"]
        for q in self.questions:
            weight = float(q["weight"])
            weight_attr = f' weight="{int(weight)}"' if weight == int(weight) and weight >= 1 else ""
            out.append(f'<pl-number-input answers-name="{q["key"]}" label="{prairielearn(q["label"])} =" {compare}'
                       f'{weight_attr} size="16" display="block" allow-blank="true" blank-value="">'
                       "</pl-number-input>")
        out += ["<pl-answer-panel>",
                '  <pl-template file-name="keys/{{params.variant}}.html" directory="question"></pl-template>',
                "</pl-answer-panel>"]
        return "\n".join(out) + "\n"


def _graph(problem: Any) -> str:
    """The computational graph's structure as Graphviz DOT, names only (every variant's is the
    same; the numbers are the sheet's): empty above GRAPH_NODES nodes.  Written into
    question.html a line at a time, as bpcalc/markup.py writes text for it."""
    from ..expr.tree import names_in
    from ..markup import dot

    nodes = [*problem.leaves, *(line.name for line in problem.lines)]
    if len(nodes) > GRAPH_NODES:
        return ""
    out = ["digraph bpcalc {", "  rankdir=LR;", '  node [shape=box, style=rounded, fontname="Helvetica"];']
    out += [f"  {dot(n)};" for n in nodes]
    out += [f"  {dot(u)} -> {dot(line.name)};" for line in problem.lines for u in names_in(line.expr)]
    return "\n".join([*out, "}"]) + "\n"


#: each question's server.py: the same for every question (nothing of the template in it)
SERVER_PY = '''"""Made by bpcalc variants --prairielearn: the variants and their grading come from bpcalc, which
PrairieLearn loads from the course's serverFilesCourse/bpcalc (see docs/course-kit.md in bpcalc)."""

import os

from bpcalc.course import plserver


def _question_path(data):
    return data.get("options", {}).get("question_path") or os.path.dirname(os.path.abspath(__file__))


def generate(data):
    plserver.generate(data, _question_path(data))


def grade(data):
    plserver.grade(data, _question_path(data))
'''

__all__ = ["Course", "NAMESPACE", "SERVER_PY", "question_id", "uuid_of"]
