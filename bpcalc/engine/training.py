"""Training: many steps of an optimiser, on the dense engine (network files) or the scalar engine
(expression files, and networks whose file rounds activations), full-batch or in mini-batches.

    run = train(problem, steps=1000, every=100)
    run.loss, run.loss_after, run.updated, run.history

Both engines are a `Model`: the loss and ∂loss/∂θ at a parameter vector θ (a numpy array, in the
problem's param order) over all samples or a batch of them.  The optimiser (engine/optim.py)
updates θ as one vector; frozen params get a zero gradient, so no optimiser moves them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..errors import InputError, MathError
from ..problem import Optimizer, Problem
from .optim import SGD, State, learning_rate, stepper

Array = Any
#: how many points the loss curve keeps (mini-batches: full-data losses computed at these steps)
CURVE_POINTS = 64


class Model(Protocol):
    names: list[str]
    theta: Array
    trainable: Array

    @property
    def n_samples(self) -> int: ...

    def fast_gradient(self, theta: Array, batch: Array | None = None,
                      with_loss: bool = True) -> tuple[float, Array]: ...

    def loss(self, theta: Array, batch: Array | None = None) -> float: ...


class Scalar:
    """The scalar engine as a Model: a solve per step, the problem's params replaced by θ."""

    def __init__(self, problem: Problem, round: int | None = None):
        self.problem = problem
        self.round = round if round is not None else problem.round
        self.names = list(problem.params)
        self.theta = np.array([problem.params[n] for n in self.names], dtype=float)
        self.trainable = np.array([n not in problem.frozen for n in self.names])

    @property
    def n_samples(self) -> int:
        return 1

    def at(self, theta: Array) -> Problem:
        return dataclasses.replace(self.problem, params=dict(zip(self.names, theta.tolist())))

    def fast_gradient(self, theta: Array, batch: Array | None = None, with_loss: bool = True) -> tuple[float, Array]:
        from .scalar import solve

        sol = solve(self.at(theta), round=self.round)
        grads = sol.gradients
        return sol.loss, np.array([grads[n] for n in self.names])

    def loss(self, theta: Array, batch: Array | None = None) -> float:
        from .scalar import solve

        return solve(self.at(theta), round=self.round).loss


def model_for(problem: Problem) -> tuple[Model, str]:
    """The engine that trains this problem, and its name."""
    if problem.network is not None and problem.round is None:
        from .dense import Dense

        return Dense(problem), "dense"
    return Scalar(problem), "scalar"


@dataclass
class Run:
    """What a training run did: the loss before and after, the loss every `every` steps (and at
    the curve's points), and the params reached."""

    engine: str
    optimizer: Optimizer
    lr: float
    steps: int  # asked for
    done: int  # taken (fewer when interrupted)
    batch_size: int
    samples: int
    shuffle: bool
    seed: int
    every: int
    loss: float  # before the first step, over all samples
    loss_after: float  # after the last step taken, over all samples
    updated: dict[str, float]
    history: list[tuple[int, float]]  # (step, loss over all samples) every `every` steps and the last
    curve: list[tuple[int, float]]  # up to CURVE_POINTS (step, loss), evenly spaced
    interrupted: bool = False
    first_order: list[int] = field(default_factory=list)  # the first epoch's sample order (mini-batches)
    # a classifier's samples classified right before and after: (before, after, samples), else None
    accuracy: tuple[int, int, int] | None = None

    @property
    def batches_per_epoch(self) -> int:
        return -(-self.samples // self.batch_size)

    def epoch(self, step: int) -> float:
        """Epochs completed after `step` steps (a fraction while within one)."""
        return step / self.batches_per_epoch


class Batches:
    """Rows of samples for each step: all of them (full batch), or mini-batches of `size` in a new
    random order each epoch (numpy's generator seeded with `seed`) or in file order."""

    def __init__(self, samples: int, size: int, shuffle: bool, seed: int):
        self.samples, self.size, self.shuffle, self.seed = samples, size, shuffle, seed
        self.rng: Any = None  # made at the first shuffle: a full batch never imports numpy.random
        self.full = size >= samples
        self.order: Array = np.arange(samples)
        self.first: list[int] = []
        self.at = samples  # position in the current epoch's order

    def next(self) -> Array | None:
        if self.full:
            return None
        if self.at >= self.samples:
            if self.shuffle and self.rng is None:
                self.rng = np.random.default_rng(self.seed)
            self.order = self.rng.permutation(self.samples) if self.shuffle else np.arange(self.samples)
            if not self.first:
                self.first = self.order.tolist()
            self.at = 0
        batch = self.order[self.at:self.at + self.size]
        self.at += self.size
        return batch


def curve_marks(steps: int) -> set[int]:
    """The steps at which the loss curve is drawn: up to CURVE_POINTS, evenly spaced."""
    return {round(i * steps / (CURVE_POINTS - 1)) for i in range(CURVE_POINTS)}


def checkpoints(steps: int, every: int) -> set[int]:
    """The steps after which the loss over all samples is wanted: every `every`, the curve's, the last."""
    return set(range(0, steps + 1, every)) | {steps} | curve_marks(steps)


def classified(model: Model, theta: Array) -> tuple[int, int] | None:
    """(samples classified right, samples) when the network is a classifier — every target 0 or
    1, one 1 a sample when there are several outputs — else None.  Several outputs: the largest
    output is the class; one output: at least 0.5 is class 1."""
    from .dense import Dense

    if not isinstance(model, Dense):
        return None
    t = model.t
    if t.size == 0 or not np.isin(t, (0.0, 1.0)).all() or (t.shape[1] > 1 and not (t.sum(axis=1) == 1).all()):
        return None
    out = model.outputs(theta)
    if t.shape[1] == 1:
        right = (out[:, 0] >= 0.5) == (t[:, 0] == 1.0)
    else:
        right = out.argmax(axis=1) == t.argmax(axis=1)
    return int(right.sum()), int(t.shape[0])


def train(problem: Problem, *, steps: int, lr: float | None = None, optimizer: Optimizer | None = None,
          batch_size: int | None = None, shuffle: bool = True, seed: int = 0, every: int | None = None,
          model: Model | None = None, engine: str | None = None,
          progress: Callable[[int], None] | None = None, stop: Callable[[], bool] | None = None) -> Run:
    """`steps` optimiser steps from the problem's params.  `progress(k)` is called after step k;
    when `stop()` turns true the run ends after the step it is in (`Run.interrupted`)."""
    if model is None:
        model, engine = model_for(problem)
    opt = optimizer if optimizer is not None else (problem.optimizer or SGD)
    rate = learning_rate(lr, problem.lr, opt)
    n = model.n_samples
    size = n if batch_size is None else batch_size
    if batch_size is not None and problem.network is None:
        raise InputError("--batch-size needs a network file's samples; an expression file is one computation",
                         hint="leave --batch-size out")
    every = every if every is not None else max(1, steps // 10)
    batches = Batches(n, min(size, n), shuffle, seed)
    marks = checkpoints(steps, every)
    theta = model.theta.copy()
    frozen = ~model.trainable if not model.trainable.all() else None
    state = State()
    step = stepper(opt, arrays=True)
    losses: dict[int, float] = {}
    done = 0
    interrupted = False
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            batch = batches.next()
            wanted = k - 1 in marks
            loss, grad = model.fast_gradient(theta, batch, wanted and batch is None)
            if wanted:  # a full batch's loss is the full-data loss at the params of step k − 1
                losses[k - 1] = loss if batch is None else model.loss(theta)
            if frozen is not None:
                grad[frozen] = 0.0
            theta = step(theta, grad, rate, state).new
            done = k
            if progress is not None:
                progress(k)
            if stop is not None and stop() and k < steps:
                interrupted = True
                break
        final = model.loss(theta)
    if not math.isfinite(final) or not np.isfinite(theta).all():
        raise MathError(f"training diverged: after {done} steps the loss is {final}", None,
                        "lower the learning rate (--lr)")
    losses[done] = final
    history = [(k, losses[k]) for k in sorted(losses) if k % every == 0 or k == done]
    drawn = sorted({k for k in curve_marks(steps) if k in losses} | {done})
    curve = [(k, losses[k]) for k in drawn]
    trained = [name for name, free in zip(model.names, model.trainable.tolist()) if free]
    reached = dict(zip(model.names, theta.tolist()))
    before, after = classified(model, model.theta), classified(model, theta)
    accuracy = (before[0], after[0], after[1]) if before is not None and after is not None else None
    return Run(engine or "dense", opt, rate, steps, done, min(size, n), n, shuffle, seed, every,
               losses[0], final, {name: reached[name] for name in trained}, history, curve, interrupted,
               batches.first, accuracy)


__all__ = ["CURVE_POINTS", "Batches", "Model", "Run", "Scalar", "classified", "model_for", "train"]
