"""`explain FILE NAME`: one gradient, every way it is written; `explain FILE --split`: the slides'
proportional error split beside the true gradient."""

from __future__ import annotations

import sys

from ..cli.options import Invocation
from ..errors import UsageError


def run(invocation: Invocation) -> int:
    from ..engine import solve
    from ..reading import load
    from ..render import render
    from ..trace.explain import explain, split

    v = invocation.values
    fmt, options = invocation.output()
    name, splitting = v["name"], v["split"]
    if name is None and not splitting:
        raise UsageError("explain needs a NAME, or --split", None,
                         "for example: bpcalc explain example:blog_2_2_2 w1")
    if name is not None and splitting:
        raise UsageError("--split explains every hidden neuron at once: leave out NAME", None,
                         "bpcalc explain FILE --split")
    problem = load(str(v["file"]))
    solution = solve(problem, round=v["round"])
    sign = -1 if v["delta_sign"] == "minus" else 1
    trace = split(solution) if splitting else explain(solution, str(name), max_paths=v["max_paths"],
                                                      delta_sign=sign)
    sys.stdout.write(render(trace, fmt, options))
    return 0
