"""What a PrairieLearn question made by `bpcalc variants --prairielearn` runs (its server.py calls
these; docs/course-kit.md): `generate` picks the student's variant from `data["variant_seed"]`,
`grade` grades the submitted answers with bpcalc's checker — the precision policy, follow-on
credit, imprecise shares and the named mistakes — into PrairieLearn's partial scores and feedback
(each answer's verdict on one line, as pl-number-input shows it; a box left empty, which
question.html allows, is "not answered").

PrairieLearn runs this from the course's `serverFilesCourse/bpcalc/`, in a Python that has numpy
but neither PyYAML nor typer: nothing here imports them.  The variants come from the question's
`variants.json` (each variant's problem as the plain data of its file: reading/plain.py), the
answers from `data["raw_submitted_answers"]`, the text as the student typed it (so 0.0822 and
0.08220 are judged at the precision written).
"""

from __future__ import annotations

import json
import os
from typing import Any

#: variants.json's form: read only a file of this form
FORMAT = "bpcalc-prairielearn-1"

_CACHE: dict[str, tuple[float, dict[str, Any]]] = {}


def load_variants(question_path: str) -> dict[str, Any]:
    """The question's variants.json, read once per change of the file."""
    path = os.path.join(question_path, "variants.json")
    stamp = os.stat(path).st_mtime
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path} is not a variants file of bpcalc variants --prairielearn ({FORMAT})")
    _CACHE[path] = (stamp, data)
    return data


def generate(data: dict[str, Any], question_path: str) -> None:
    """The variant of this PrairieLearn variant: `variant_seed` modulo the number of variants; its
    label in `params` (question.html shows its sheet by it) and its answers in `correct_answers`."""
    kit = load_variants(question_path)
    chosen = kit["variants"][int(data["variant_seed"]) % len(kit["variants"])]
    data["params"]["variant"] = chosen["label"]
    data["params"]["places"] = kit["places"]
    for q in kit["questions"]:
        data["correct_answers"][q["key"]] = chosen["answers"][q["key"]]


def grade(data: dict[str, Any], question_path: str) -> None:
    """The submitted answers graded as `bpcalc check` grades them: each answer's share of its
    points in `partial_scores` (with its weight and a plain-text verdict), the question's score
    the points earned over the points asked."""
    from ..check.answers import answers_from_mapping
    from ..check.grade import Checker
    from ..check.policy import Scheme
    from ..errors import BpcalcError
    from ..reading.plain import problem_from_data
    from ..render.feedback import verdict

    kit = load_variants(question_path)
    chosen = next(v for v in kit["variants"] if v["label"] == data["params"]["variant"])
    problem = problem_from_data(chosen["problem"], chosen["label"])
    checker = Checker(problem, scheme=Scheme().merged(problem.check))
    raw = data.get("raw_submitted_answers") or {}
    submitted = data.get("submitted_answers") or {}
    written: dict[str, Any] = {}
    where: dict[tuple[str, str], str] = {}  # (kind, name) -> the answer's key in PrairieLearn
    for q in kit["questions"]:
        text = raw.get(q["key"])
        if text is None or not str(text).strip():
            text = submitted.get(q["key"])
        if text is None or (isinstance(text, str) and not text.strip()):
            continue
        where[(q["kind"], q["name"])] = q["key"]
        if q["kind"] in ("loss", "loss_after"):
            written[q["kind"]] = str(text).strip()
        else:
            written.setdefault(q["kind"], {})[q["name"]] = str(text).strip()
    scores: dict[str, dict[str, Any]] = {}
    weights = {q["key"]: float(q["weight"]) for q in kit["questions"]}
    said = ""
    try:
        sheet = answers_from_mapping(written, problem, "your answers")
    except BpcalcError as err:  # no answer could be read at all
        sheet = None
        said = err.message
    if sheet is not None:
        grading = checker.grade("your answers", sheet)
        for r in grading.results:
            key = where[(r.kind, r.name)]
            scores[key] = {"score": r.credit, "weight": weights[key],  # pl-number-input shows it on one line
                           "feedback": verdict(r, problem.output, right_value=False).replace("\n", "; ")}
        for unread_key, message in grading.unreadable:
            kind, _, name = unread_key.partition(".")
            unread = where.get((kind, name or problem.output))
            if unread is not None:
                scores[unread] = {"score": 0.0, "weight": weights[unread], "feedback": f"not read: {message}"}
    answered = set(where.values())
    for q in kit["questions"]:
        if q["key"] not in scores:
            not_read = sheet is None and q["key"] in answered
            scores[q["key"]] = {"score": 0.0, "weight": weights[q["key"]],
                                "feedback": f"not read: {said}" if not_read else "not answered"}
    data["partial_scores"] = {**data.get("partial_scores", {}), **scores}
    total = sum(weights.values())
    data["score"] = sum(s["score"] * s["weight"] for s in scores.values()) / total if total else 0.0
    data.setdefault("feedback", {})
    for key, s in scores.items():
        data["feedback"][key] = s["feedback"]


__all__ = ["FORMAT", "generate", "grade", "load_variants"]
