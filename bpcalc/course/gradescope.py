"""The variants as a Gradescope autograder folder (`bpcalc variants --gradescope DIR`;
docs/course-kit.md), from Gradescope's autograder specification: zipped (the files at the zip's
root, not the folder), it is uploaded as the assignment's autograder, on Gradescope's Ubuntu 24.04
base image (its Python, 3.12, runs bpcalc; Ubuntu 22.04's 3.10 does not).

    setup.sh           run once when Gradescope builds the image: Python 3 and a venv into which
                       pip installs the bpcalc wheel here, and its dependencies from PyPI
    run_autograder     run per submission: python -m bpcalc.course.autograder (autograder.py)
    bpcalc-0.1.0-py3-none-any.whl   the running bpcalc, as a wheel (vendor.py)
    gradescope.json    the questions every variant asks (a missing answer is a test of no points),
                       and the tests' visibility
    variants/v07/problem.yaml   each variant's problem, as the kit writes it
    README.md          how to zip it, and the roster

Nothing of the template but its name (in gradescope.json, as JSON text) reaches these files; the
scripts are the same for every kit made by the same bpcalc.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .kit import Kit, Variant

EXECUTABLE = ("setup.sh", "run_autograder")

SETUP = """#!/usr/bin/env bash
# Made by bpcalc variants --gradescope.  Gradescope runs this once, as root, when it builds the
# autograder's image (Ubuntu 24.04, whose Python 3.12 runs bpcalc; it needs 3.11 or later): a venv
# into which pip installs bpcalc from the wheel beside this script, and its dependencies from PyPI.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv /autograder/bpcalc-venv
/autograder/bpcalc-venv/bin/python -m pip install --upgrade pip
/autograder/bpcalc-venv/bin/python -m pip install /autograder/source/{wheel}
# a check that the image can grade: bpcalc imports and runs
/autograder/bpcalc-venv/bin/python -m bpcalc --version
"""

RUN = """#!/usr/bin/env bash
# Made by bpcalc variants --gradescope.  Gradescope runs this for each submission: the answers file
# in /autograder/submission is graded by bpcalc check against its variant, into
# /autograder/results/results.json (bpcalc/course/autograder.py says how).
root="${BPCALC_AUTOGRADER_ROOT:-/autograder}"
python="$root/bpcalc-venv/bin/python"
[ -x "$python" ] || python="$(command -v python3)"
cd "$root"
exec "$python" -m bpcalc.course.autograder "$root"
"""

README = """# A Gradescope autograder made by bpcalc variants

Zip the files of this folder, not the folder (`cd THIS_FOLDER && zip -r ../autograder.zip .`), and
upload the zip as the assignment's autograder, on the Ubuntu 24.04 base image (bpcalc needs
Python 3.11 or later: Ubuntu 22.04's is 3.10).

Each student uploads the answers file of their variant (`answers.yaml`, beginning with the line
`variant: v07` that their sheet names).  To grade each student against the variant you gave them,
whatever the file says, add `roster.csv` here before zipping: a line `email,variant` per student
(`ana@example.org,v07`).  In `gradescope.json`, `"visibility": "after_due_date"` holds each
question's feedback and the right values back until the deadline.
"""


class Autograder:
    """The autograder folder's files: each variant's problem as it is made, the rest at the end."""

    def __init__(self, kit: Kit, name: str):
        from ..render.feedback import question
        from .kit import scheme as marking_scheme

        self.kit, self.name = kit, name
        first = kit.variants[0]
        problem = first.problem
        scheme = marking_scheme(kit)
        self.questions = []
        for q in first.questions:
            key = q.kind if q.kind in ("loss", "loss_after") else f"{q.kind}.{q.name}"
            self.questions.append({"key": key, "name": question(q.kind, q.name, problem.output, problem),
                                   "weight": scheme.weight(key)})

    def planned(self, labels: list[str]) -> list[str]:
        """Every file the autograder's folder will hold, relative to it, but the wheel."""
        files = ["setup.sh", "run_autograder", "gradescope.json", "README.md"]
        return files + [f"variants/{label}/problem.yaml" for label in labels]

    def variant(self, variant: Variant, label: str, problem_text: str) -> dict[str, str]:
        return {f"variants/{label}/problem.yaml": problem_text}

    def final(self, wheel: str) -> dict[str, str]:
        """Everything but the variants' problems and the wheel (`wheel`: its file name)."""
        from ..markup import json_text

        settings = {"format": "bpcalc-gradescope-1", "template": json_text(self.name),
                    "places": self.kit.settings.places, "visibility": "visible", "questions": self.questions}
        return {"setup.sh": SETUP.replace("{wheel}", wheel), "run_autograder": RUN,
                "gradescope.json": json.dumps(settings, ensure_ascii=False, indent=2) + "\n", "README.md": README}


__all__ = ["EXECUTABLE", "Autograder"]
