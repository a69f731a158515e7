"""`check`: a student's answers graded against the worked solution, each wrong one diagnosed;
several answers files (or a folder of them) graded as a class.

    bpcalc check net.yaml answers.yaml          one student: a table, the mistakes, the score, and
                                                the worked lines of every answer marked ✗
    bpcalc check net.yaml answers/ --format csv a class: a gradebook row per file

Exit 0 when every answer is right, 1 when any is wrong or follow-on, 2 when a file cannot be used
(in a class, after the report of every file that can).
"""

from __future__ import annotations

import sys

from ..cli.options import Invocation
from ..errors import UsageError


def run(invocation: Invocation) -> int:
    from ..check.sheets import Checkers, answer_files, exit_code, grade_files, report
    from ..render import render

    v = invocation.values
    fmt, options = invocation.output()
    files = answer_files(list(v["answers"]))
    if str(v["file"]) == "-" and "-" in files:
        raise UsageError("the problem and the answers cannot both come from standard input", None,
                         "name one of them as a file")
    scheme = {"sig": v["sig"], "decimals": v["decimals"], "tol": v["tol"], "rel": v["rel"],
              "imprecise": v["imprecise"], "slack": v["slack"] or None,
              "diagnosis": False if v["no_diagnosis"] else None,
              "delta_sign": {"plus": 1, "minus": -1}.get(str(v["delta_sign"]))}
    exclusive = [f"--{k}" for k in ("sig", "decimals", "tol", "rel") if v[k] is not None]
    if len(exclusive) > 1:
        raise UsageError(f"{' and '.join(exclusive)} each say how precise an answer must be; give one", None,
                         "--sig 3 asks for 3 significant digits, --decimals 4 for 4 places, --tol 1e-4 allows that "
                         "much difference, --rel 1e-3 that share of the value")
    checkers = Checkers(str(v["file"]), round=v["round"], lr=v["lr"], scheme=scheme, scheme_file=v["scheme"])
    if v["conventions"]:
        from ..check.forensics import conventions

        sys.stdout.write(render(conventions(checkers, files), fmt, options))
        return 0
    if fmt == "gradescope" and len(files) != 1:
        raise UsageError(f"--format gradescope writes the results.json of one answers file, not {len(files)}", None,
                         "Gradescope runs its autograder once per submission: grade that one file")
    gradings = grade_files(checkers, files)
    # a gradebook has a row per sheet, even for one sheet
    trace = report(checkers, gradings, summary=fmt == "csv", worked=fmt not in ("json", "gradescope"),
                   max_paths=v["max_paths"], whole=fmt == "page")
    sys.stdout.write(render(trace, fmt, options))
    return exit_code(gradings)
