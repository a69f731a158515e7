"""The report of `bpcalc train` as a trace: what was trained and how, the loss every K steps, the
loss curve, and the params reached — rendered by every format like a worked solution."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .data import Result, Trace
from .steps import Curve, History, Trained, Training

if TYPE_CHECKING:
    from ..engine.training import Run
    from ..problem import Problem


def train_trace(problem: Problem, run: Run, written: str | None = None) -> Trace:
    output = problem.output
    batched = run.batch_size < run.samples
    steps = (
        Training(run.engine, run.optimizer.kind, tuple(run.optimizer.settings.items()), run.lr, run.steps,
                 run.done, run.samples, run.batch_size, run.shuffle, run.seed, run.epoch(run.done),
                 run.interrupted),
        History(output, run.every, tuple((k, run.epoch(k), loss) for k, loss in run.history), batched),
        Curve(output, tuple(run.curve)),
        Trained(output, tuple((n, problem.params[n], new) for n, new in run.updated.items()), run.loss,
                run.loss_after, written, run.accuracy),
    )
    result = Result(output, run.loss, {}, run.lr, None, updated=run.updated, loss_after=run.loss_after)
    return Trace("train", output, problem.file, steps, result)


__all__ = ["train_trace"]
