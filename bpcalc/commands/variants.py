"""`bpcalc variants FILE --count N --seed S -o DIR`: a course kit from a teacher's problem file.

DIR/v01 … DIR/vNN each hold the variant's problem.yaml, its student sheet (sheet.md, sheet.tex),
its answer key (key.md, key.tex: the answers and the worked solution) and answers.yaml (what
`bpcalc check` reads); DIR/moodle.xml holds every variant as a Moodle XML quiz and DIR/answers.csv
every answer, a row each.  Where courses live (docs/course-kit.md): `--prairielearn DIR` writes a
PrairieLearn course folder, `--qti FILE.zip` a QTI 1.2 package for Canvas, `--gradescope DIR` a
Gradescope autograder; `--distinct` draws numbers that tell every catalogued mistake apart.

The options are read here; the kit is drawn and written by bpcalc/course/writing.py.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..cli.options import Invocation
from ..errors import UsageError, printable

if TYPE_CHECKING:
    from ..course.kit import Settings


def _settings(values: dict[str, Any]) -> Settings:
    from ..course.kit import RULES, Settings

    reject = [str(r).lower() for r in values["reject"] or ()]
    if reject == ["none"]:
        reject = []
    for rule in reject:
        if rule not in RULES:
            from ..errors import did_you_mean

            raise UsageError(f"--reject: no rule {printable(rule)!r}", None,
                             did_you_mean(rule, RULES) or f"the rules: {', '.join(RULES)}, or none")
    saturation = float(values["saturation"])
    if saturation >= 0.5:
        raise UsageError(f"--saturation must be below 0.5, not {saturation:g}", None,
                         "a sigmoid output within X of 0 or 1 is saturated; for example --saturation 0.05")
    return Settings(int(values["count"]), int(values["seed"]), tuple(str(a) for a in values["ask"]),
                    int(values["places"]), frozenset(reject), saturation, bool(values.get("distinct")))


def run(invocation: Invocation) -> int:
    from ..course.writing import destinations, summary, write_kit

    values = invocation.values
    settings = _settings(values)
    lang = invocation.env.language(values["lang"])
    tol = float(values["tol"]) if values["tol"] is not None else None
    where = destinations(values.get("output"), values.get("prairielearn"), values.get("qti"), values.get("gradescope"))
    written = write_kit(str(values["file"]), settings, where, lang=lang, tol=tol, force=bool(values["force"]))
    sys.stdout.write(summary(written))
    return 0
