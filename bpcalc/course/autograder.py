"""A Gradescope autograder made by `bpcalc variants --gradescope DIR` runs this (its run_autograder:
`python -m bpcalc.course.autograder /autograder`; docs/course-kit.md), following Gradescope's
autograder specification: the student's submission is in ROOT/submission, the autograder's folder
in ROOT/source, and the results go to ROOT/results/results.json.

* The answers file is the submission's .yaml, .yml or .json file (answers.* when there are several).
* Its variant is the one its `variant:` line names (the sheet says to write it) — or, when the
  autograder's folder holds a roster.csv (`email,variant`), the one the roster gives the submitter
  (ROOT/submission_metadata.json), whatever the file says.
* It is graded by `bpcalc check VARIANTS FILE --format gradescope`, then every asked question the
  file does not answer is added as a test of no points ("not answered"), and each test is given
  the autograder's visibility (VISIBILITY in ROOT/source/gradescope.json: visible, or
  after_due_date to hold the per-question feedback and the right values back until the deadline).
* A submission that cannot be graded at all still gets a results.json: no points, and why.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from typing import Any

ANSWER_SUFFIXES = (".yaml", ".yml", ".json")
#: the longest a check may take, in seconds (Gradescope's own limit is the assignment's)
CHECK_SECONDS = 300


def _natural(path: str) -> list[object]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path)]


def answers_file(submission: str) -> tuple[str | None, str]:
    """The submission's answers file, and a note when there was a choice (or none)."""
    found = []
    for folder, dirs, files in os.walk(submission):
        dirs[:] = [d for d in dirs if not d.startswith((".", "__"))]
        found += [os.path.join(folder, f) for f in files
                  if f.lower().endswith(ANSWER_SUFFIXES) and not f.startswith(".")]
    found.sort(key=_natural)
    if not found:
        return None, "the submission holds no answers file (.yaml, .yml or .json)"
    named = [f for f in found if os.path.splitext(os.path.basename(f))[0].lower() == "answers"]
    chosen = (named or found)[0]
    note = ""
    if len(found) > 1:
        note = f"graded {os.path.relpath(chosen, submission)}, one of {len(found)} answers files in the submission"
    return chosen, note


def roster_variant(root: str) -> tuple[str | None, str]:
    """The variant the roster gives the submitter, if the autograder has a roster; a note when the
    submitter is not on it."""
    path = os.path.join(root, "source", "roster.csv")
    if not os.path.isfile(path):
        return None, ""
    try:
        with open(os.path.join(root, "submission_metadata.json"), encoding="utf-8") as f:
            users = json.load(f).get("users") or []
    except (OSError, ValueError):
        users = []
    emails = {str(u.get("email", "")).strip().lower() for u in users if isinstance(u, dict)}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 2 and row[0].strip().lower() in emails:
                return row[1].strip(), ""
    return None, "the submitter is not on the autograder's roster: graded by the variant the file names"


def _variant_folder(variants: str, named: str) -> str | None:
    digits = named.strip().lower().lstrip("v").lstrip("0") or "0"
    for entry in sorted(os.listdir(variants)):
        if entry.lower().lstrip("v").lstrip("0") == digits and os.path.isdir(os.path.join(variants, entry)):
            return os.path.join(variants, entry)
    return None


def _failed(why: str) -> dict[str, Any]:
    return {"score": 0.0, "output": why, "visibility": "visible", "stdout_visibility": "hidden", "tests": []}


def grade(root: str) -> dict[str, Any]:
    """The results.json of the submission in ROOT/submission, as data."""
    source = os.path.join(root, "source")
    variants = os.path.join(source, "variants")
    with open(os.path.join(source, "gradescope.json"), encoding="utf-8") as f:
        settings = json.load(f)
    notes: list[str] = []
    answers, note = answers_file(os.path.join(root, "submission"))
    if answers is None:
        return _finish(_failed(note), settings, notes)
    notes += [note] if note else []
    target = variants
    assigned, note = roster_variant(root)
    notes += [note] if note else []
    if assigned is not None:
        folder = _variant_folder(variants, assigned)
        if folder is None:
            return _finish(_failed(f"the roster gives the variant {assigned!r}, which the autograder does not have"),
                           settings, notes)
        target = os.path.join(folder, "problem.yaml")
        notes.append(f"graded as variant {os.path.basename(folder)}, the roster's")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}  # the bpcalc of this Python
    try:
        done = subprocess.run([sys.executable, "-m", "bpcalc", "check", target, answers, "--format", "gradescope"],
                              capture_output=True, env=env, cwd=root, timeout=CHECK_SECONDS)
    except subprocess.TimeoutExpired:
        return _finish(_failed(f"grading took more than {CHECK_SECONDS} s"), settings, notes)
    out, err = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    if done.returncode not in (0, 1):
        said = err.strip() or f"bpcalc check ended with exit code {done.returncode}"
        return _finish(_failed(f"your answers could not be graded:\n{said}"), settings, notes)
    results = json.loads(out)
    if assigned is None:
        variant = (results.get("extra_data") or {}).get("bpcalc", {}).get("variant")
    else:
        variant = os.path.basename(os.path.dirname(target))
    answered = {t.get("extra_data", {}).get("key") for t in results.get("tests", [])}
    for q in settings["questions"]:
        if q["key"] not in answered:
            results["tests"].append({"name": q["name"], "number": str(len(results["tests"]) + 1), "score": 0.0,
                                     "max_score": float(q["weight"]), "output": "not answered",
                                     "visibility": "visible", "tags": ["unanswered"],
                                     "extra_data": {"key": q["key"], "status": "unanswered"}})
    if variant:
        notes.append(f"variant {variant}")
    return _finish(results, settings, notes)


def _finish(results: dict[str, Any], settings: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    visibility = settings.get("visibility", "visible")
    for test in results.get("tests", []):
        test["visibility"] = visibility
    if notes:
        results["output"] = "\n".join([*notes, results.get("output", "")]).strip()
    return results


def main(argv: list[str] | None = None) -> int:
    """Grade ROOT/submission (ROOT: the first argument, else /autograder) into ROOT/results/results.json."""
    from ..outputs import Role, write_file

    args = sys.argv[1:] if argv is None else argv
    root = args[0] if args else "/autograder"
    try:
        results = grade(root)
    except Exception as exc:  # noqa: BLE001 - a results.json is written whatever happens
        results = _failed(f"the autograder failed: {type(exc).__name__}: {exc}")
    folder = os.path.join(root, "results")
    os.makedirs(folder, exist_ok=True)
    write_file(os.path.join(folder, "results.json"), json.dumps(results, ensure_ascii=False, indent=1) + "\n",
               Role("the results file is", "", "the results", "results.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
