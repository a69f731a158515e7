"""The common mistakes of backprop homework, each a real variant of the computation.

A mistake is never arithmetic on a final number: it is the whole problem solved again with the
mistake made — a partial replaced or left out, an edge of the graph cut, the loss written without
its ½, the update added — through the engine's configuration (engine/config.py), so every number
downstream of the mistake is what a student who made it would get.

    variants(problem) -> [Variant(code, words, solution), …]

The codes are docs/checking.md's (sign, factor_2, mean_1_over_n, missing_activation_derivative,
derivative_at_net, missing_path, update_added, missing_lr, updated_weights_used,
rounded_intermediates) and three more: transposed_weights, bias_not_updated, wrong_input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import NamedTuple

from ..engine import Config, Solution, added, solve, without_lr
from ..errors import BpcalcError
from ..expr.tree import Bin, Call, Expr, Name, Num, name_positions, subexpressions, substitute_names, to_text
from ..ops import ROUNDED, TABLE, lookup
from ..ops.formulas import partial
from ..ops.losses import BY_NAME as LOSSES
from ..problem import Line, Problem
from ..trace.delta import weights_of

#: how many variants of one kind are tried at most (a path or an input per edge): homework sizes
MANY = 60

CODES = ("sign", "factor_2", "mean_1_over_n", "missing_activation_derivative", "derivative_at_net",
         "missing_path", "update_added", "missing_lr", "updated_weights_used", "rounded_intermediates",
         "transposed_weights", "bias_not_updated", "wrong_input")


class Variant(NamedTuple):
    code: str
    words: str  # what the student did, in words
    solution: Solution


def variants(problem: Problem, round: int | None, lr: float | None) -> list[Variant]:
    """Every mistake's solution of this problem (those that fail to compute are left out)."""
    textbook = solve(problem, round=round, lr=lr, step=True)
    out: list[Variant] = []
    for code, words, make in _mistakes(problem, textbook, round, lr):
        try:
            out.append(Variant(code, words, make()))
        except (BpcalcError, ArithmeticError, ValueError, KeyError):
            continue  # this mistake cannot even be computed here (a log of a negative number…)
    return out


def _mistakes(problem: Problem, textbook: Solution, round: int | None, lr: float | None
              ) -> Iterator[tuple[str, str, Callable[[], Solution]]]:
    def with_config(config: Config, p: Problem = problem, places: int | None = round) -> Callable[[], Solution]:
        return lambda: solve(p, round=places, lr=lr, step=True, config=config)

    lines = {line.name: line for line in problem.lines}
    output = problem.output
    # the loss's mistakes where the output is a loss (a network's, or what params are fitted to)
    if problem.kind == "network" or problem.params:
        yield from _loss_mistakes(problem, textbook, with_config)

    # an activation's derivative left out, or taken at net instead of out
    used = {e.fn for line in problem.lines for e in subexpressions(line.expr) if isinstance(e, Call)}
    activations = [p for p in TABLE if p.activation and p.kind == "function" and p.name in used]
    for p in activations:
        symbol = "σ" if p.name == "sigmoid" else p.name
        yield "missing_activation_derivative", f"the derivative {symbol}′ left out (taken as 1)", \
            with_config(Config(partials={p.name: ("1", *("0",) * (len(p.params) - 1))}))
        at_net = _at_net(p.name)
        if at_net is not None:
            yield "derivative_at_net", f"{symbol}′ taken at net instead of out: {at_net}", \
                with_config(Config(partials={p.name: (at_net, *("0",) * (len(p.params) - 1))}))

    # one path of a sum over paths left out
    consumers: dict[str, list[str]] = {}
    for line in problem.lines:
        for u, _ in textbook.local.get(line.name, ()):
            if textbook.gradients.get(line.name, 0.0) != 0.0:
                consumers.setdefault(u, []).append(line.name)
    cuts = [(c, u) for u, cs in consumers.items() if len(cs) > 1 and u not in problem.inputs for c in cs]
    for c, u in cuts[:MANY]:
        yield "missing_path", f"the path through {c} left out of ∂{output}/∂{u} (its term ∂{output}/∂{c} · " \
            f"∂{c}/∂{u} not added)", with_config(Config(edges={(c, u): 0.0}))

    # the update: added instead of subtracted; η left out
    if not problem.trainable:
        return
    yield "update_added", "the update added instead of subtracted: θ + η·∂E/∂θ", \
        with_config(Config(update=added))
    yield "missing_lr", "η left out of the update: θ − ∂E/∂θ", \
        with_config(Config(update=without_lr))

    # hidden-layer gradients with the output weights already updated (the 2-2-2 blog's loss after)
    if problem.kind == "network" and textbook.updated:
        edges: dict[tuple[str, str], float] = {}
        for name, line in lines.items():
            if problem.roles.get(name) != "net":
                continue
            for param, source in weights_of(line.expr).items():
                if source is not None and param in textbook.updated and problem.roles.get(source) == "out":
                    edges[(name, source)] = textbook.updated[param]
        if edges:
            yield "updated_weights_used", "the hidden layer's gradients computed with the output weights " \
                "already updated", with_config(Config(edges=edges))

    # activations rounded as they were computed (a calculator's digits)
    if round is None and problem.round is None and used & ROUNDED:
        for places in range(1, 7):
            yield "rounded_intermediates", f"the activation outputs rounded to {places} decimal places as they " \
                f"were computed (--round {places})", with_config(Config(), places=places)

    # a square weight matrix read the other way round
    if problem.kind == "network":
        swapped = _transposed(problem)
        if swapped is not None:
            yield "transposed_weights", "the weight matrix read transposed: w_jk used where w_kj belongs", \
                with_config(Config(), swapped)

    # the biases left as they were
    biases = {param for line in problem.lines for param, source in weights_of(line.expr).items()
              if source is None and param in problem.trainable}
    if biases:
        frozen = dataclasses.replace(problem, frozen=problem.frozen | biases)
        yield "bias_not_updated", "the biases left as they were (only the weights updated)", with_config(
            Config(), frozen)

    # ∂net/∂w taken with another input than the one w multiplies
    tried = 0
    for name, line in lines.items():
        inputs = [x for x in weights_of(line.expr).values() if x is not None]
        for param, source in weights_of(line.expr).items():
            for other in inputs:
                if source is None or other == source or tried >= MANY:
                    continue
                tried += 1
                yield "wrong_input", f"∂{name}/∂{param} taken as {other} instead of {source}", \
                    with_config(Config(edges={(name, param): textbook.values[other]}))


def _loss_mistakes(problem: Problem, textbook: Solution, with_config: Callable[..., Callable[[], Solution]]
                   ) -> Iterator[tuple[str, str, Callable[[], Solution]]]:
    """The loss's own mistakes: its derivative's sign, its ½ or 2, its 1/n."""
    output = problem.output
    lines = {line.name: line for line in problem.lines}
    loss_lines = _loss_lines(problem)

    # the sign of ∂loss/∂out flipped: −(t − y) written as (t − y)
    flips = {(line, u): -1.0 for line in loss_lines for u, _ in textbook.local.get(line, ())}
    yield "sign", "the sign flipped: ∂loss/∂out written as (t − out) instead of −(t − out)", \
        with_config(Config(edge_scales=flips))

    # the ½ of ½(t − y)² left out, or the 2 of the square's derivative dropped (a squared loss only)
    loss = LOSSES.get(problem.loss_kind or "")
    # the ½ left out where the loss has one, the square's 2 dropped where it is a square (both: an
    # expression file's loss, which may be either)
    halves = [f for f, made in ((2.0, loss is None or loss.halved), (0.5, loss is None or loss.squared)) if made]
    for factor in halves:
        words = ("the loss taken without its ½ (Σ(t − out)² instead of Σ½(t − out)²), so every gradient is twice "
                 "as large") if factor == 2.0 else ("the 2 of the square's derivative dropped (d(t − out)²/d out "
                                                    "written −(t − out)), so every gradient is half as large")
        scaled = _replace_lines(problem, {name: Bin("*", Num(factor), lines[name].expr) for name in loss_lines})
        yield "factor_2", words, with_config(Config(), scaled)

    # the 1/n of a mean left out, or put in where the file sums
    for name, line in lines.items():
        if isinstance(line.expr, Bin) and line.expr.op == "/" and isinstance(line.expr.b, Num) and (
                name == output or name in loss_lines):
            n = line.expr.b.value
            yield "mean_1_over_n", f"the 1/{n:g} of the mean left out (the sum taken instead)", \
                with_config(Config(), _replace_lines(problem, {name: line.expr.a}))
    if problem.reduction == "sum" and problem.samples > 1:
        n = float(problem.samples)
        yield "mean_1_over_n", f"a 1/{n:g} put in: the mean over the samples taken where the file sums them", \
            with_config(Config(), _replace_lines(problem, {output: Bin("/", lines[output].expr, Num(n))}))



def _loss_lines(problem: Problem) -> list[str]:
    """The lines that make the loss from the outputs: a network's per-sample losses, else the
    output's own line."""
    found = [n for n, role in problem.roles.items() if role == "loss" and n != problem.output] if problem.roles \
        else []
    if not found and problem.kind == "network":
        found = [problem.output]
    return found or [problem.output]


def _replace_lines(problem: Problem, exprs: dict[str, Expr]) -> Problem:
    lines = [Line(line.name, exprs[line.name], to_text(exprs[line.name]), line.span) if line.name in exprs
             else line for line in problem.lines]
    return dataclasses.replace(problem, lines=lines)


def _at_net(name: str) -> str | None:
    """The table's partial with `out` written as the argument: σ′ = out(1 − out) → x(1 − x)."""
    p = lookup(name)
    formula = partial(p, 0, len(p.params))
    if "out" not in name_positions(formula):
        return None
    return to_text(substitute_names(formula, {"out": Name(p.params[0])}))


def _transposed(problem: Problem) -> Problem | None:
    """The problem with each square layer's weights read transposed (net_j uses w_kj for w_jk);
    one sample only."""
    by_layer: dict[int, list[str]] = {}
    for name, layer in problem.layer_of.items():
        if problem.roles.get(name) == "net" and "[" not in name:
            by_layer.setdefault(layer, []).append(name)
    lines = {line.name: line for line in problem.lines}
    changed: dict[str, Expr] = {}
    for nets in by_layer.values():
        rows = [[p for p, x in weights_of(lines[n].expr).items() if x is not None] for n in nets]
        if len(rows) < 2 or any(len(r) != len(rows) for r in rows):
            continue
        for j, net in enumerate(nets):
            mapping: dict[str, Expr] = {rows[j][k]: Name(rows[k][j]) for k in range(len(rows))
                                        if rows[j][k] != rows[k][j]}
            if mapping:
                changed[net] = substitute_names(lines[net].expr, mapping)
    return _replace_lines(problem, changed) if changed else None
