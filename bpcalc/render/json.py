"""`--format json`: the trace's solution as data (SPEC §5).  Full float precision, never rounded
for display; the `local` formulas are the trace's own, written as plain text."""

from __future__ import annotations

import json
from typing import Any

from ..expr.tree import to_text
from ..trace.data import Trace
from . import Options


def as_data(trace: Trace) -> dict[str, Any]:
    if trace.command == "train":
        return training_data(trace)
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
    return data


def render(trace: Trace, options: Options) -> str:
    return json.dumps(as_data(trace), indent=2, ensure_ascii=False) + "\n"


def training_data(trace: Trace) -> dict[str, Any]:
    """`train`'s report as data: the loss before and after, the params reached, the loss every K
    steps, and how the run was made (SPEC §5: train's final state)."""
    from ..trace.steps import History, Training

    r = trace.result
    run = next(s for s in trace.steps if isinstance(s, Training))
    history = next(s for s in trace.steps if isinstance(s, History))
    return {
        "output": r.output, "loss": r.loss, "loss_after": r.loss_after, "updated": r.updated,
        "history": [{"step": k, "epoch": epoch, "loss": loss} for k, epoch, loss in history.rows],
        "steps": run.done, "steps_asked": run.steps, "interrupted": run.interrupted, "engine": run.engine,
        "optimizer": {"kind": run.optimizer, **dict(run.settings)}, "lr": run.lr,
        "samples": run.samples, "batch_size": run.batch_size, "epochs": run.epochs,
        "shuffle": run.shuffle, "seed": run.seed,
    }
