"""The losses of a network file: one record each, like the op table's primitives.

A record holds one output's term as a formula over `t` (the target) and `out` (the output), how
the terms make the loss (summed, negated, divided by the number of outputs), the convention line a
worked solution prints, the words of the file's schema, the output activation it needs, and the
textbook shortcut ∂loss/∂net = out − t that holds with that activation.  The network's loss line
(reading/network.py), its derivative in the dense engine (engine/dense.py), the starter files
(course/starters.py) and the mistakes of a loss (check/mistakes.py) are all made from these.

    half_sse       E = Σ ½(t − out)²         the worked examples' convention
    sse            E = Σ (t − out)²
    mse            E = Σ (t − out)² / n      the mean over the n outputs
    bce            E = −Σ [t·ln(out) + (1 − t)·ln(1 − out)]     on sigmoid outputs
    cross_entropy  E = −Σ t·ln(out)                              on a softmax layer

To add a loss, add its record to LOSSES (and its name to docs/file-formats.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..expr.tree import Expr


class Loss(NamedTuple):
    name: str
    term: str  # one output's term over t and out
    negated: bool  # the loss is minus the sum of the terms
    mean: bool  # … divided by the number of outputs
    doc: str  # what the file's schema says of it
    convention: str  # the line a worked solution's Given prints
    needs: str | None = None  # the output layer's activation it is defined on (None: any)
    shortcut: str | None = None  # with that activation: the words of ∂loss/∂net = out − t
    distribution: bool = False  # … which holds only when the targets sum to 1
    squared: bool = False  # a squared error: the 2 of its derivative can be dropped (check/mistakes.py)
    halved: bool = False  # … with a ½, which can be left out


LOSSES: tuple[Loss, ...] = (
    Loss("half_sse", "0.5*(t - out)**2", False, False, "Σ ½(t − y)², the worked examples' convention",
         "E = Σ ½(t − out)², over the outputs (half the sum of squared errors)", squared=True, halved=True),
    Loss("sse", "(t - out)**2", False, False, "Σ (t − y)²",
         "E = Σ (t − out)², over the outputs (the sum of squared errors, no ½)", squared=True),
    Loss("mse", "(t - out)**2", False, True, "Σ (t − y)² / n, the mean over the outputs",
         "E = Σ (t − out)² / n, the mean over the n outputs", squared=True),
    Loss("bce", "t*log(out) + (1 - t)*log(1 - out)", True, False, "binary cross-entropy, on sigmoid outputs",
         "E = −Σ [t·ln(out) + (1 − t)·ln(1 − out)] (binary cross-entropy)", "sigmoid",
         "sigmoid with binary cross-entropy"),
    Loss("cross_entropy", "t*log(out)", True, False, "cross-entropy, on a softmax output layer",
         "E = −Σ t·ln(out) (cross-entropy over the softmax outputs)", "softmax", "softmax with cross-entropy",
         distribution=True),
)

BY_NAME: dict[str, Loss] = {loss.name: loss for loss in LOSSES}
NAMES = tuple(BY_NAME)
#: the formula of the shortcut ∂loss/∂net_j = out_j − t_j (over the samples' mean: divided by n)
SHORTCUT = "out - t"


def loss_expr(loss: Loss, outputs: list[str], targets: list[str]) -> Expr:
    """The loss of one sample over the named outputs and targets: the terms summed in order,
    negated or divided by the number of outputs as the record says."""
    from ..expr.tree import Bin, Name, Neg, Num, substitute_names
    from .formulas import user_formula

    term = user_formula(loss.term)
    terms = [substitute_names(term, {"t": Name(t), "out": Name(o)}) for o, t in zip(outputs, targets)]
    total = terms[0]
    for more in terms[1:]:
        total = Bin("+", total, more)
    if loss.mean and len(terms) > 1:
        total = Bin("/", total, Num(float(len(terms))))
    return Neg(total) if loss.negated else total


def shortcut_holds(loss: Loss, activation: str, targets: list[float]) -> str | None:
    """The words of the shortcut ∂loss/∂net = out − t when it holds for this output layer."""
    if loss.shortcut is None or activation != loss.needs:
        return None
    # softmax's own sum collapses only when the targets are a distribution (sum to 1)
    if loss.distribution and abs(sum(targets) - 1) >= 1e-12:
        return None
    return loss.shortcut


__all__ = ["BY_NAME", "LOSSES", "NAMES", "SHORTCUT", "Loss", "loss_expr", "shortcut_holds"]
