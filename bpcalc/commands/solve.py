"""`forward`, `grad` and `step`: load, solve, build the trace, render it; `step -o` writes back."""

from __future__ import annotations

import sys

from ..cli.options import Invocation


def run(invocation: Invocation) -> int:
    from ..engine import solve
    from ..engine.scalar import solve_steps
    from ..reading import load
    from ..render import render

    v = invocation.values
    command = invocation.command.name
    file = str(v["file"])
    fmt, options = invocation.output()
    if v["notation"] == "matrix" and (v["only"] or v["delta_sign"] == "minus"):
        from ..errors import UsageError

        raise UsageError("--notation matrix writes every layer whole, with δ^l = ∂C/∂z^l", None,
                         "leave out --only and --delta-sign minus, or use --notation delta")
    output = v.get("output")
    target = None
    if output is not None and output != "-":  # checked, and its temporary file made, before any work
        from ..writeback import Target

        target = Target(str(output), file)
    import gc

    collecting = gc.isenabled()
    gc.disable()  # a worked solution makes no reference cycle (tests/test_resources.py): nothing to collect
    try:
        problem = load(file)
        sign = -1 if v["delta_sign"] == "minus" else 1
        from ..engine.optim import chosen

        optimizer = chosen(v.get("optimizer"), problem.optimizer)
        if command == "step":
            solutions = solve_steps(problem, v.get("steps") or 1, round=v["round"], lr=v["lr"], optimizer=optimizer)
        else:
            solutions = [solve(problem, round=v["round"], lr=v["lr"], backward=command != "forward")]
        if fmt == "json":  # the solution as data: no steps to build
            from ..trace.data import data_trace

            traces = [data_trace(s, command) for s in solutions]
            if v["notation"] == "matrix":  # the layers' matrices as nested lists
                from ..trace.matrix import matrix_steps

                traces = [t._replace(steps=(matrix_steps(s)[1],)) for t, s in zip(traces, solutions)]
        else:
            from ..trace import build

            # the page walks every node of its graph: every gradient, the inputs' too
            traces = [build(s, command, only=v["only"], max_paths=v["max_paths"], notation=v["notation"],
                            delta_sign=sign, every_gradient=v["every_gradient"] or fmt == "page", brief=v["brief"])
                      for s in solutions]
        if len(traces) > 1:
            from ..trace.builder import iterations

            trace = iterations(traces, solutions)
        else:
            trace = traces[0]
        updated = solutions[-1].updated or {}
        if output == "-":  # the updated problem is the output: a pipe to the next step
            from ..writeback import updated_text

            shown = updated_text(problem, updated)
        else:
            shown = render(trace, fmt, options)
        if target is not None:  # written before anything is printed: a failure leaves no half-run
            target.write(problem, updated)
    finally:
        if collecting:
            gc.enable()
        if target is not None:
            target.close()
    sys.stdout.write(shown)
    if target is not None:
        from ..errors import escaped

        sys.stderr.write(f"wrote {escaped(str(output))}\n")
    from ..cli.exits import keep_to_the_end

    keep_to_the_end(problem, solutions, traces, trace, shown)
    return 0
