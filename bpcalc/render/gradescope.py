"""`check --format gradescope`: one sheet's grading as the results.json a Gradescope autograder
writes (Gradescope's autograder specification, "Output format"; docs/course-kit.md).

    {"score": 6.0, "output": "score: 6 of 9 …", "visibility": "visible",
     "tests": [{"name": "∂E_total/∂w6", "number": "4", "score": 0.0, "max_score": 1.0,
                "output": "wrong\\nthe mistake that gives your number (sign): …\\nthe value computed: 0.0826676",
                "visibility": "visible", "tags": ["gradients", "wrong", "sign"], "extra_data": {…}}, …]}

A test per answer, in the order of the computation, its points the marking scheme's (follow-on
and imprecise work earn their share); an entry that could not be read is a test of its own with
no points.  The texts are plain: Gradescope shows a test's output in a <pre> block.
"""

from __future__ import annotations

import json

from ..errors import InputError, printable
from ..trace.steps import Grading, Trace
from . import Options
from .feedback import question, summary, verdict


def results(grading: Grading, lang: str = "en") -> dict[str, object]:
    """The results.json of one graded sheet, as data."""
    out = grading.output
    tests: list[dict[str, object]] = []
    for k, r in enumerate(grading.results, start=1):
        codes = list(dict.fromkeys(m.code for m in r.mistakes))
        tests.append({
            "name": question(r.kind, r.name, out),
            "number": str(k),
            "score": r.credit * r.weight,
            "max_score": r.weight,
            "output": f"your answer: {printable(r.written)}\n" + verdict(r, out, right_value=True, lang=lang),
            "visibility": "visible",
            "tags": [r.kind, r.status, *codes],
            "extra_data": {"key": r.key, "status": r.status, "written": r.written, "computed": r.computed,
                           "mistakes": codes},
        })
    for key, said in grading.unreadable:
        tests.append({"name": printable(key), "number": str(len(tests) + 1), "score": 0.0, "max_score": 1.0,
                      "output": f"not read, counted as unanswered: {printable(said)}", "visibility": "visible",
                      "tags": ["unreadable"], "extra_data": {"key": key, "status": "unreadable"}})
    data: dict[str, object] = {
        "score": grading.points,
        "output": summary(grading),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"bpcalc": {"variant": grading.variant, "right": grading.right, "wrong": grading.wrong,
                                  "follow_on": grading.follow_on, "imprecise": grading.imprecise,
                                  "unreadable": len(grading.unreadable), "max_points": grading.max_points}},
    }
    return data


def render(trace: Trace, options: Options) -> str:
    grading = next((s for s in trace.steps if isinstance(s, Grading)), None)
    if grading is None:
        raise InputError("--format gradescope writes the results of one answers file", None,
                         "grade one student's file: Gradescope runs the autograder once per submission")
    return json.dumps(results(grading, options.lang), ensure_ascii=False, indent=1) + "\n"
