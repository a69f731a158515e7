"""`train`: many optimiser steps — the dense engine for a network file, the scalar one for an
expression file — with a progress bar on a terminal, then the report (the loss every K steps, the
loss curve, the params reached) in any format; `-o` writes the params back, `--plot` draws the
curve as an image.  Ctrl-C ends the run after the step in progress: the report of the steps taken
is printed (and written with -o), and the exit code is 130."""

from __future__ import annotations

import sys

from ..cli.options import Invocation


def run(invocation: Invocation) -> int:
    from ..cli.progress import interruptible, progress_bar
    from ..outputs import Output
    from ..reading import load
    from ..reading.training import named_data
    from ..render import render
    from ..render.plot import check_plot, draw
    from ..writeback import Target

    v = invocation.values
    file = str(v["file"])
    fmt, options = invocation.output()
    output, plot = v.get("output"), v.get("plot")
    # both checked, and their temporary files made, before any work (bpcalc/outputs.py)
    target: Target | None = None
    image: Output | None = None
    try:
        if output is not None:
            target = Target(str(output), file)
        if plot is not None:
            image = check_plot(str(plot), file)
        with named_data(v.get("data")) as named:  # --data: the CSV file of the problem's `data:`
            problem = load(file, unshown=True, graph=False)  # trained: its layers, no worked lines
        if v.get("data") is not None and not named[1]:
            from ..errors import UsageError

            raise UsageError("--data names the CSV file of a network's `data:`, and this problem has none", None,
                             "leave out --data, or give the problem a data: {csv: FILE, inputs: […], targets: […]}")
        from ..engine.optim import chosen

        optimizer = chosen(v.get("optimizer"), problem.optimizer)

        from ..engine.training import train

        with interruptible() as stopped, progress_bar(int(v["steps"]), invocation.env.progress) as progress:
            done = train(problem, steps=int(v["steps"]), lr=v["lr"], optimizer=optimizer,
                         batch_size=v["batch_size"], shuffle=not v["no_shuffle"], seed=int(v["seed"]),
                         every=v["every"], progress=progress, stop=stopped)
        if target is not None:
            target.write(problem, done.updated)
        if image is not None:
            draw(problem.output, done.curve, done.history, image, file)
    finally:
        for out in (target, image):
            if out is not None:
                out.close()

    from ..trace.training import train_trace

    trace = train_trace(problem, done, str(output) if output is not None else None)
    sys.stdout.write(render(trace, fmt, options))
    return 130 if done.interrupted else 0


