"""`--format json`: the trace's solution as data (docs/output-formats.md), written by json.dumps.  Full
float precision, never rounded for display; the `local` formulas are the trace's own, as plain text."""

from __future__ import annotations

import json
from typing import Any

from ..expr.tree import to_text
from ..trace.data import Trace
from ..trace.steps import ClassGrading, Conventions, Grading
from . import Options


def as_data(trace: Trace) -> dict[str, Any]:
    """The solution as data."""
    if trace.command == "train":
        return training_data(trace)
    for step in trace.steps:  # a check of answers: the report is the whole of the data
        if isinstance(step, (Grading, ClassGrading, Conventions)):
            return {"file": trace.file, **step.as_data()}
    r = trace.result
    data: dict[str, Any] = {"output": r.output, "loss": r.loss, "values": r.values}
    if r.gradients is not None:
        data["gradients"] = r.gradients
        data["local"] = [{"of": loc.of, "wrt": loc.wrt,
                          "formula": to_text(loc.formula) if loc.formula is not None else None,
                          "value": loc.value} for loc in r.locals]
    if r.updated is not None:
        data["updated"] = r.updated
        data["loss_after"] = r.loss_after
    data["lr"] = r.lr
    data["round"] = r.round
    if r.unrounded:
        data["unrounded"] = r.unrounded
    # several outputs: no single loss; each output's gradients, and the Jacobian of the leaves
    if r.outputs:
        data["output"] = list(r.outputs)
        del data["loss"]
    if r.jacobian is not None:
        j = r.jacobian
        data["gradients"] = j.gradients
        data["jacobian"] = {"rows": list(j.outputs), "columns": list(j.columns), "matrix": j.matrix}
    # step --steps N: the top-level keys are the first iteration's, and each iteration is a record
    if r.iterations:
        data["iterations"] = [{"iteration": it.iteration, "loss": it.loss, "gradients": it.gradients,
                               "updated": it.updated, "loss_after": it.loss_after, "t": it.t, "state": it.state}
                              for it in r.iterations]
    # a report (a gradient check) adds its records
    for step in trace.steps:
        as_data = getattr(step, "as_data", None)
        if callable(as_data):
            data.update(as_data())
    return data


#: the largest solution written indented, in entries of `values`, `gradients` and `local` together
#: (a measure of the problem's size: a training run's history is not counted).  Python's encoder has
#: a C path only when it does not indent: on one line a solution of a 100,000-line file is written
#: in under a third of the time, and data that large is read by a program, not by eye.  Every
#: homework is far below it.
INDENTED_RECORDS = 10_000


def render(trace: Trace, options: Options) -> str:
    data = as_data(trace)
    records = sum(len(data.get(key) or ()) for key in ("values", "gradients", "local"))
    return json.dumps(data, indent=2 if records <= INDENTED_RECORDS else None, ensure_ascii=False) + "\n"


def training_data(trace: Trace) -> dict[str, Any]:
    """`train`'s report as data: the loss before and after, the params reached, the loss every K
    steps, and how the run was made (docs/output-formats.md: train's final state)."""
    from ..trace.steps import History, Trained, Training

    r = trace.result
    run = next(s for s in trace.steps if isinstance(s, Training))
    history = next(s for s in trace.steps if isinstance(s, History))
    trained = next(s for s in trace.steps if isinstance(s, Trained))
    accuracy = None
    if trained.accuracy is not None:
        before, after, n = trained.accuracy
        accuracy = {"right": after, "right_before": before, "samples": n}
    return {
        "output": r.output, "loss": r.loss, "loss_after": r.loss_after, "updated": r.updated,
        "history": [{"step": k, "epoch": epoch, "loss": loss} for k, epoch, loss in history.rows],
        "steps": run.done, "steps_asked": run.steps, "interrupted": run.interrupted, "engine": run.engine,
        "optimizer": {"kind": run.optimizer, **dict(run.settings)}, "lr": run.lr,
        "samples": run.samples, "batch_size": run.batch_size, "epochs": run.epochs,
        "shuffle": run.shuffle, "seed": run.seed, "accuracy": accuracy,
    }
