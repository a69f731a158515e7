"""`gradcheck`: every gradient beside its central finite-difference estimate (engine/gradcheck.py)."""

from __future__ import annotations

import sys

from ..cli.options import Invocation


def run(invocation: Invocation) -> int:
    from ..engine.gradcheck import gradient_checks
    from ..reading import load
    from ..render import render
    from ..trace.data import Trace, result_of

    v = invocation.values
    fmt, options = invocation.output(only_chooses_lines=False)  # --only chooses the checks, in every format
    problem = load(str(v["file"]))
    solution, report = gradient_checks(problem, eps=v["eps"], tol=v["tol"], round=v["round"], only=v["only"])
    trace = Trace("gradcheck", solution.output, problem.file, (report,), result_of(solution, "gradcheck"))
    sys.stdout.write(render(trace, fmt, options))
    return 1 if report.mismatches else 0
