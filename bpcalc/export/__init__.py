"""A problem written as another framework's code (`bpcalc export FILE --to torch`): a script that
builds the same graph or network with the same numbers and prints what `bpcalc step FILE --format
json` gives — the loss, every gradient, the params after one step, the loss after it — for a
student to take the homework further in that framework.

    from bpcalc.export import script
    print(script(bpcalc.load("examples/blog_2_2_2.yaml"), "torch"))

One module per framework (torch.py).  A script needs only its framework: it never imports bpcalc.
Nothing a file holds becomes code in it: names are mapped to Python identifiers, or written as
string literals by repr(), and numbers by repr(float).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..problem import Optimizer, Problem

#: the frameworks `--to` may name
TARGETS = ("torch",)


def script(problem: Problem, to: str = "torch", *, lr: float | None = None, optimizer: Optimizer | None = None,
           source: str | None = None, as_graph: bool = False) -> str:
    """The script of `problem` for the framework `to`.  `lr` and `optimizer` override the file's
    (as --lr and --optimizer do); `source` is how the script names the file (default: the
    problem's own name for it); `as_graph` writes a network file as its scalar graph, a line of
    code per node, instead of by its layers."""
    if to not in TARGETS:
        raise ValueError(f"unknown target {to!r}; targets: {', '.join(TARGETS)}")
    from .torch import torch_script

    return torch_script(problem, lr=lr, optimizer=optimizer, source=source, as_graph=as_graph)


__all__ = ["TARGETS", "script"]
