"""--only keeps every number it shows traceable: each value a shown line uses is derived on a line
of its own or given, on every shipped example and for every name (docs/output-formats.md)."""

from __future__ import annotations

import re

import pytest

import bpcalc
from bpcalc import shipped
from bpcalc.cli.main import main
from bpcalc.expr.tree import names_in
from bpcalc.trace import build
from bpcalc.trace.steps import Backward, ChainRule, Forward, Given, Loss, LossAfter, NodeGradient, UpdateStep

EXAMPLES = [n for n in shipped.names() if not n.startswith("train/")]


def names_to_try(problem) -> list[str]:
    """Each leaf and each line (a whole network: every fourth line, and the output)."""
    every = [*problem.leaves, *(line.name for line in problem.lines)]
    return every if len(every) <= 24 else every[::4] + [problem.output]


def cases():
    for example in EXAMPLES:
        problem = bpcalc.load("example:" + example)
        for name in names_to_try(problem):
            yield pytest.param(example, name, id=f"{example}-{name}")


@pytest.mark.parametrize(("example", "name"), list(cases()))
def test_every_number_a_shown_line_uses_is_derived_or_given(example, name):
    problem = bpcalc.load("example:" + example)
    solution = bpcalc.solve(problem, step=bool(problem.trainable))
    trace = build(solution, "step" if problem.trainable else "grad", only=[name])
    steps = {type(s): s for s in trace.steps}
    given = {leaf.name for leaf in steps[Given].leaves}
    derived = {c.name for c in steps[Forward].lines} | {steps[Loss].line.name}
    known = given | derived
    for line in [*steps[Forward].lines, steps[Loss].line]:
        assert set(names_in(line.formula)) <= known, (line.name, set(names_in(line.formula)) - known)
    # the backward pass: each gradient's upstream gradients are shown above it, each local
    # derivative's formula uses known values
    backward = steps[Backward]
    shown = {e.name for e in (*backward.entries, *backward.given)}
    for entry in (*backward.entries, *backward.given):
        if isinstance(entry, NodeGradient):
            for term in entry.terms:
                assert term.consumer in shown, (entry.name, term.consumer)
                if term.local.formula is not None:
                    assert set(names_in(term.local.formula)) <= known, (entry.name, term.local.formula)
    assert name in shown or name not in solution.gradients or not any(
        name in (u for u, _ in solution.local.get(line.name, ())) for line in problem.lines)
    # the chain rule's factors are the backward pass's own edges
    for path_sum in getattr(steps.get(ChainRule), "entries", ()):
        for path in getattr(path_sum, "paths", ()):
            assert set(path.nodes) <= shown, (path_sum.target, path.nodes)
    # a step shows this name's update alone, and the loss after it says it used every update
    if UpdateStep in steps:
        assert {u.name for u in steps[UpdateStep].updates} <= {name}
        after = steps[LossAfter]
        assert set(after.updated) == set(problem.trainable)
        assert (after.shown is None) == (set(problem.trainable) <= {name})


def test_the_published_networks_w5_alone_derives_its_whole_forward_pass(capsys):
    # the loss uses out_o2, which uses out_h1 and out_h2: every forward line of the 2-2-2
    # network is written, and every input and weight is given
    assert main(["step", "example:blog_2_2_2", "--only", "w5", "--format", "text", "--width", "200"]) == 0
    out = capsys.readouterr().out
    given = out[out.index("Step 1"):out.index("Step 2")]
    for leaf in ["i1 = 0.05", "i2 = 0.1", "t_o1 = 0.01", "t_o2 = 0.99", "w1 = 0.15", "w8 = 0.55", "b1 = 0.35",
                 "b2 = 0.6"]:
        assert leaf in given, leaf
    forward = out[out.index("Step 2"):out.index("Step 3")]
    for line in ["net_h1 =", "net_h2 =", "out_h1 =", "out_h2 =", "net_o1 =", "net_o2 =", "out_o1 =", "out_o2 ="]:
        assert re.search(rf"^  {re.escape(line)}", forward, re.M), line
    # the blog's numbers (Mazur): out_h1 0.593269992, out_o2 0.772928465
    assert "= 0.593269992" in forward and "= 0.772928465" in forward
    backward = out[out.index("Step 4"):out.index("Step 5")]
    assert "∂E_total/∂w5" in backward and "∂E_total/∂w6" not in backward and "∂E_total/∂w1" not in backward
    update = out[out.index("Step 6"):out.index("Step 7")]
    assert "w5 ←" in update and "w6 ←" not in update
    after = out[out.index("Step 7"):]
    assert "every parameter updated: w1, w2, w3, w4, w5, w6, w7, w8" in after
    assert "0.291027774" in after  # the blog's loss after the first step: every weight updated


def test_each_iteration_says_what_the_one_before_changed(capsys):
    assert main(["step", "example:blog_2_2_2", "--only", "w5", "--steps", "3", "--format", "text",
                 "--width", "200"]) == 0
    out = capsys.readouterr().out
    assert "Iteration 1 of 3\n\n" in out  # the first starts from the file
    for k in (1, 2):
        assert (f"Iteration {k + 1} of 3\n  it starts where iteration {k} ended: w1, w2, w3, w4, w5, w6, w7, w8 "
                "updated, every other value as given") in out
    # iteration 2 gives w6 at the value iteration 1's update made: 0.45 − 0.5 × 0.0826676278 (the blog's)
    second = out[out.index("Iteration 2 of 3"):out.index("Iteration 3 of 3")]
    assert f"w6 = {0.45 - 0.5 * 0.08266762784753325:.9g}" in second


def test_without_only_the_loss_after_says_as_before(capsys):
    assert main(["step", "example:blog_2_2_2", "--format", "text", "--width", "200"]) == 0
    out = capsys.readouterr().out
    assert "(forward pass again with the updated parameters)" in out and "every parameter updated" not in out
