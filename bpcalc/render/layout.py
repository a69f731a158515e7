"""From a trace to numbered sections of rows, with the math written by one format's printer.

Shared by every renderer except JSON: a renderer only places these rows on its medium (aligned
plain text, rich colours, Markdown, LaTeX `align*`, HTML).  An `Eq` row is
`lhs = part = part … = value   note`, the worked examples' *formula = numbers = value*; a `Say`
row is a sentence with math in it.  Each kind of step and entry has one function here; a kind
without one is a KeyError, and tests check every kind is covered.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..expr.tree import Bin, Call, Expr, Name, Num, names_in, substitute_names
from ..ops import lookup
from ..ops.losses import BY_NAME as LOSSES_BY_NAME
from ..ops.optimizers import Hyper, Optimiser, optimiser
from ..ops.optimizers import formulas as formulas_of
from ..trace.steps import (
    Backward,
    BatchBackward,
    BatchForward,
    Brief,
    Case,
    ChainRule,
    ClassGrading,
    Computed,
    Conventions,
    Curve,
    Delta,
    DeltaBackward,
    DeltaForm,
    ErrorSplit,
    Factored,
    Forward,
    Given,
    GradCheck,
    Grading,
    History,
    Iteration,
    JacobianMatrix,
    Local,
    Loss,
    LossAfter,
    MatrixBackward,
    MatrixForward,
    Mistake,
    NodeGradient,
    Part,
    PathSum,
    Questions,
    Seed,
    Statement,
    Step,
    Summary,
    Term,
    Trace,
    Trained,
    Training,
    UpdateStep,
    WeightGradient,
)
from .feedback import score_line
from .printers import AsciiPrinter, LatexPrinter, MathMLPrinter, Printer, bars, hyper_symbol, moment_name
from .words import translate


@dataclass(frozen=True, slots=True)
class Math:
    """Math already written by the printer."""

    text: str


Segment = str | Math  # a str is plain words


@dataclass(slots=True)
class Eq:
    lhs: str
    parts: list[str]  # the last one is the value
    kind: str  # "value", "gradient", "local" or "update": what the value is (for colour)
    note: list[Segment] = field(default_factory=list)
    relation: str = "="
    node: str | None = None  # the graph node the row works out (--format page walks through them) …
    phase: str | None = None  # … in the "forward" pass, the "backward" pass or the "update"


@dataclass(slots=True)
class Say:
    segments: list[Segment]


@dataclass(slots=True)
class Table:
    """A table: a header and rows of cells, each cell words and math (a check's report, a
    gradient check, a loss history).  `align` has one letter per column: l or r."""

    header: list[list[Segment]]
    rows: list[list[list[Segment]]]
    align: str = ""
    kinds: list[str | None] = field(default_factory=list)  # per column: value, gradient, … (colour)


@dataclass(frozen=True, slots=True)
class Grid:
    """A matrix or a vector, its entries already written by the printer (a stretch left out of a
    large one as the printer's ⋯ and ⋮)."""

    rows: tuple[tuple[str, ...], ...]
    columns: int = 0  # the matrix's own number of columns, when ⋯ stands for some of them
    joined: bool = False  # a product with the matrix before it that a line never breaks (1 bᵀ)


Piece = str | Grid  # math already written, or a matrix


@dataclass(slots=True)
class MatrixEq:
    """`lhs = part = part …` where a part is a run of pieces, some of them matrices: the matrix
    form's `z = W a + b = [..][..] + [..] = [..]`.  Each renderer draws the matrices its way."""

    lhs: str
    parts: list[list[Piece]]
    kind: str
    note: list[Segment] = field(default_factory=list)


Row = Eq | Say | Table | MatrixEq


@dataclass(slots=True)
class Section:
    number: int
    title: list[Segment]
    rows: list[Row]
    kind: str  # the step's class name


#: headings that are not steps: the numbering starts again after them
UNNUMBERED = (Iteration, Summary, Grading, ClassGrading, Part)


#: step kind -> its layout, and an entry kind of a backward step -> its rows: each function below
#: registers itself by its first parameter's annotation (`@_lays_out`), the one place a kind is named
_STEPS: dict[type, Callable[..., tuple[list[Segment], list[Row]]]] = {}
_ENTRIES: dict[type, Callable[..., list[Row]]] = {}

F = TypeVar("F", bound=Callable[..., object])


def _lays_out(fn: F) -> F:
    """Register `fn` as the layout of the step kind its first parameter is annotated with."""
    _STEPS[_first_annotation(fn)] = fn  # type: ignore[assignment]
    return fn


def _lays_out_entry(fn: F) -> F:
    """Register `fn` as the rows of the entry kind its first parameter is annotated with."""
    _ENTRIES[_first_annotation(fn)] = fn  # type: ignore[assignment]
    return fn


def _first_annotation(fn: Callable[..., object]) -> type:
    """The class its first parameter is annotated with, by name (this module imports every kind)."""
    first = fn.__code__.co_varnames[0]
    kind = globals()[fn.__annotations__[first]]
    assert isinstance(kind, type), fn
    return kind


def layout(trace: Trace, p: Printer) -> list[Section]:
    """A section per step, numbered from 1 — afresh in each iteration of several worked steps; an
    iteration's heading itself is unnumbered (0)."""
    sections = []
    number = 0
    for step in trace.steps:
        number = 0 if isinstance(step, UNNUMBERED) else number + 1
        sections.append(Section(number, *_STEPS[type(step)](step, p), kind=type(step).__name__))
    return sections


def heading(section: Section, separator: str, title: str, lang: str) -> str:
    """`Step 3  Loss` (`Step3: 计算误差`), or an iteration's title alone."""
    if not section.number:
        return title
    return translate(lang, "Step {n}{separator}{title}", n=section.number, separator=separator, title=title)


def _dedupe(parts: list[str]) -> list[str]:
    """Drop a part equal to the one before it: `∂z_o/∂w_o = y_h = 0.57`, not `= 0.57 = 0.57`."""
    out: list[str] = []
    for s in parts:
        if not out or out[-1] != s:
            out.append(s)
    return out


# --- steps ------------------------------------------------------------------------------------------


@_lays_out
def _given(step: Given, p: Printer) -> tuple[list[Segment], list[Row]]:
    rows: list[Row] = []
    for role, label in (("input", "inputs"), ("param", "params"), ("frozen", "frozen params")):
        leaves = [leaf for leaf in step.leaves if leaf.role == role]
        if leaves:
            segs: list[Segment] = [p.tr(label) + p.tr(": ")]
            for i, leaf in enumerate(leaves):
                if i:
                    segs.append(", ")
                segs.append(Math(p.name(leaf.name) + p.binary("=") + p.num(leaf.value)))
            rows.append(Say(segs))
    if step.lr is not None:
        rows.append(Say([p.tr("learning rate "), Math(p.eta + p.binary("=") + p.num(step.lr))]))
    if step.round is not None:
        rows.append(Say([p.tr("activation outputs rounded to {n} decimal places as they are computed; "
                              "everything else exact from the rounded values", n=step.round)]))
    if step.loss is not None:
        rows.append(Say(_loss_convention(*step.loss, p)))
    if step.delta_sign is not None:
        d = p.delta("j")
        grad = p.fraction("E", p.name("net_j"))
        signed = grad if step.delta_sign > 0 else p.minus + grad
        rows.append(Say([p.tr("δ convention: "), Math(d + p.binary("=") + signed)]))
    return [p.tr("Given")], rows


def _loss_convention(kind: str, reduction: str | None, samples: int, p: Printer) -> list[Segment]:
    loss = LOSSES_BY_NAME.get(kind)
    words = p.tr("loss convention: ") + p.tr(loss.convention if loss else kind)
    if samples > 1:
        words += p.tr("; the mean over the {n} samples" if reduction == "mean" else "; the sum over the {n} samples",
                      n=samples)
    return [words]


def _computed_row(c: Computed, p: Printer) -> Eq:
    parts = _dedupe([p.expr(c.formula), p.expr(c.numbers, numeric=True), p.num(c.value)])
    note: list[Segment] = []
    if c.unrounded is not None:
        note = [p.tr("("), Math(p.num(c.unrounded)), p.tr(" rounded to {n} places)", n=c.places)]
    return Eq(p.name(c.name), parts, "value", note, node=c.name, phase="forward")


@_lays_out
def _forward(step: Forward, p: Printer) -> tuple[list[Segment], list[Row]]:
    rows: list[Row] = [_computed_row(c, p) for c in step.lines]
    if not rows:
        rows.append(Say([p.tr("(no intermediate nodes)")]))
    return [p.tr("Forward pass")], rows


@_lays_out
def _loss(step: Loss, p: Printer) -> tuple[list[Segment], list[Row]]:
    return [p.tr("Loss" if step.is_loss else "Output")], [_computed_row(step.line, p)]


@_lays_out
def _backward(step: Backward, p: Printer) -> tuple[list[Segment], list[Row]]:
    rows: list[Row] = []
    for entry in step.entries:
        rows.extend(_ENTRIES[type(entry)](entry, step.output, p))
    if step.given:
        rows.append(Say([p.tr("the gradients of the inputs, targets and frozen params (nothing updates them; "
                              "shown for completeness):")]))
        for entry in step.given:
            rows.extend(_ENTRIES[type(entry)](entry, step.output, p))
    if step.left_out:
        rows.append(Say([p.tr("(the gradients of the inputs, targets and frozen params, which nothing updates, are "
                              "left out: --all writes them)")]))
    if step.zeroed_by_rounding is not None:
        rows.append(Say([p.tr("every param's gradient is exactly 0: with activation outputs rounded to {n} "
                              "decimal places their derivatives vanish; round to more places (--round 2 or "
                              "more) to see the gradients", n=step.zeroed_by_rounding)]))
    rule = Say([p.tr("each node once, output first: "),
                Math(p.partial(step.output, "u") + p.binary("=") + f"{p.sum_sign} "
                     f"{p.partial(step.output, 'v')}{p.chain_dot}{p.partial('v', 'u')}"),
                p.tr(" over the nodes v that use u")])
    return [p.tr("Backward pass, output to inputs")], [rule, *rows]


@_lays_out
def _chain(step: ChainRule, p: Printer) -> tuple[list[Segment], list[Row]]:
    rows: list[Row] = []
    for entry in step.entries:
        rows.extend(_ENTRIES[type(entry)](entry, step.output, p))
    if not rows:
        rows.append(Say([p.tr("(no parameter reaches the output)")]))
    title = {"parameter": "Chain rule, per parameter: every path from the output, as a product of its factors",
             "leaf": "Chain rule, per leaf: every path from the output, as a product of its factors",
             "name": "Chain rule, per name: every path from the output, as a product of its factors"}[step.per]
    return [p.tr(title)], rows


@_lays_out
def _update_step(step: UpdateStep, p: Printer) -> tuple[list[Segment], list[Row]]:
    """Each rule of the optimiser (ops/optimizers.py) as formula = numbers = value, param by param;
    the heading writes the rules its record names, for any θ."""
    record = optimiser(step.optimizer)
    settings = dict(step.settings)
    formulas = formulas_of(record)
    title = p.tr(record.title)
    if step.nothing is not None:
        words = ("nothing to update: the problem has no params (the leaves a step learns are declared under "
                 "`params:`)") if step.nothing == "no params" else "nothing to update: every param is frozen"
        return [title], [Say([p.tr(words)])]
    rows: list[Row] = []
    said: list[Segment] = []
    uses_t = any("t" in names_in(f) for f in formulas)
    for h in record.hyper:
        said += [", " if said else "", Math(_hyper(p, h) + p.binary("=") + p.num(settings[h.name]))]
    if uses_t:
        said = [Math(p.name("t") + p.binary("=") + p.num(step.t)), "; " if said else "", *said]
    if record.kept:
        words = record.state[0] if all(v == 0 for u in step.updates for _, v in u.before) else record.state[1]
        said.append(p.tr("; " + words))
    if said:
        rows.append(Say(said))
    for u in step.updates:
        env: dict[str, float] = {"theta": u.old, "g": u.gradient, "lr": step.lr, "t": float(step.t), **settings,
                                 **dict(u.before)}
        values = {**dict(u.values), "theta": u.new}
        written = _rule_symbols(p, record, step.output, u.name)
        for rule, formula in zip(record.rules, formulas):
            numbers = substitute_names(formula, {n: Num(env[n]) for n in names_in(formula)})
            relation = p.arrow if rule.kept or rule.target == "theta" else "="
            rows.append(Eq(written[rule.target], [_symbolic(p, formula, written),
                                                  p.expr(numbers, numeric=True), p.num(values[rule.target])],
                           "update", relation=relation, node=u.name, phase="update"))
            env[rule.target] = values[rule.target]
    generic = _rule_symbols(p, record, step.output, None)
    shown = [generic[r.target] + p.binary(p.arrow if r.target == "theta" or r.kept else "=") + _symbolic(p, f, generic)
             for r, f in zip(record.rules, formulas) if r.target in record.heading]
    heading: list[Segment] = [title + "  "]
    for i, written_rule in enumerate(shown):
        heading += [",  " if i else "", Math(written_rule)]
    return heading, rows


def _hyper(p: Printer, h: Hyper) -> str:
    return hyper_symbol(p, h.name, h.letter, h.sub, h.latex)


def _rule_symbols(p: Printer, record: Optimiser, output: str, param: str | None) -> dict[str, str]:
    """How `p` writes each name of a record's formulas, for one param (for any θ when None)."""
    written = {"theta": p.name(param) if param else p.theta, "lr": p.eta, "t": p.name("t"),
               "g": p.partial(output, param) if param else p.fraction(p.name(output), p.theta)}
    written.update({h.name: _hyper(p, h) for h in record.hyper})
    for rule in record.rules:
        if rule.target != "theta":
            letter = rule.target.removesuffix("hat")
            written[rule.target] = moment_name(p, letter, param, hat=letter != rule.target)
    return written


def _symbolic(p: Printer, e: Expr, written: dict[str, str]) -> str:
    """A formula over stand-in names, each then replaced by how `p` writes it (μ, ∂L/∂w1, …), so
    the printer's own rules place the parentheses, fractions and powers.  A factor that is a
    derivative is set off by the chain rule's dot (η · ∂L/∂w1), as everywhere else."""
    written = {**written, "(g)": p.paren(written["g"])}  # a derivative squared: (∂L/∂w1)²
    stand_in = {name: f"zz{k}q" for k, name in enumerate(written)}
    out = p.expr(_squared_in_parens(substitute_names(e, {n: Name(s) for n, s in stand_in.items()}),
                                    stand_in["g"], stand_in["(g)"]))
    g = p.name(stand_in["g"])
    out = out.replace(p.dot + g, p.chain_dot + g)
    for name in sorted(written, key=lambda n: -len(stand_in[n])):  # (zz10q before zz1q)
        out = out.replace(p.name(stand_in[name]), written[name])
    return out


def _squared_in_parens(e: Expr, name: str, paren: str) -> Expr:
    """`e` with the base `name` of each power written as `paren` (the same name in parentheses)."""
    if isinstance(e, Bin):
        a = Name(paren) if e.op == "**" and e.a == Name(name) else _squared_in_parens(e.a, name, paren)
        return Bin(e.op, a, _squared_in_parens(e.b, name, paren))
    if isinstance(e, Call):
        return Call(e.fn, tuple(_squared_in_parens(x, name, paren) for x in e.args), e.pick)
    return e


@_lays_out
def _loss_after(step: LossAfter, p: Printer) -> tuple[list[Segment], list[Row]]:
    if step.shown is None:
        note: list[Segment] = [p.tr("(forward pass again with the updated parameters)")]
    else:  # --only shows fewer updates than the loss after them uses: say which it used
        note = [p.tr("(forward pass again with every parameter updated: "), *_names_said(step.updated, p),
                p.tr("; the updates above are only some of them)")]
    return [p.tr("Loss after the step")], [Eq(p.name(step.output), [p.num(step.value)], "value", note)]


def _names_said(names: tuple[str, ...], p: Printer) -> list[Segment]:
    """Names in a sentence, each as math: w1, w2, b1."""
    said: list[Segment] = []
    for k, name in enumerate(names):
        said += [", "] if k else []
        said.append(Math(p.name(name)))
    return said


@_lays_out
def _brief(step: Brief, p: Printer) -> tuple[list[Segment], list[Row]]:
    rows: list[Row] = [Say([p.tr("the forward pass:")]),
                       Table([[p.tr("name")], [p.tr("value")]],
                             [[[Math(p.name(n))], [Math(p.num(v))]] for n, v in step.values], "lr",
                             [None, "value"])]
    if step.gradients:
        rows += [Say([p.tr("the gradients:")]),
                 Table([[p.tr("name")], [Math(p.partial(step.output, p.tr("name")))]],
                       [[[Math(p.name(n))], [Math(p.num(g))]] for n, g in step.gradients], "lr",
                       [None, "gradient"])]
    if step.updates:
        rows += [Say([p.tr("the step:")]),
                 Table([[p.tr("param")], [p.tr("before")], [p.tr("after")]],
                       [[[Math(p.name(n))], [Math(p.num(a))], [Math(p.num(b))]] for n, a, b in step.updates],
                       "lrr", [None, "value", "update"])]
    if step.loss_after is not None:
        rows.append(Eq(p.name(step.output), [p.num(step.loss_after)], "value", [p.tr("(after the step)")]))
    return [p.tr("The numbers, briefly (without --brief: each worked out)")], rows


# --- the δ form -------------------------------------------------------------------------------------


@_lays_out
def _delta_backward(step: DeltaBackward, p: Printer) -> tuple[list[Segment], list[Row]]:
    out = step.output
    minus = "" if step.sign > 0 else p.minus
    dj, net_j, out_j = p.delta("j"), p.name("net_j"), p.name("out_j")
    rows: list[Row] = [
        Say([Math(dj + p.binary("=") + minus + p.fraction(p.name(out), net_j)), p.tr("; an output neuron's "),
             Math(dj + p.binary("=") + minus + p.fraction(p.name(out), out_j) + p.chain_dot
                  + p.fraction(out_j, net_j)),
             p.tr(", a hidden one's "), Math(dj + p.binary("=") + p.fraction(out_j, net_j) + p.chain_dot
                                             + f"{p.sum_sign}_l " + p.name("w_jl") + p.dot + p.delta("l")),
             p.tr("; then "), Math(p.fraction(p.name(out), p.name("w_ij")) + p.binary("=") + minus + dj + p.dot
                                   + p.name("out_i"))])]
    for layer, deltas in step.layers:
        rows.append(Say([p.tr("layer {name}:", name=layer)]))
        for d in deltas:
            rows.extend(_delta_rows(d, out, minus, p))
    rows.append(Say([p.tr("the gradient of each param: its neurons' δ times the input it multiplies")]))
    for w in step.weights:
        rows.append(_weight_row(w, out, minus, p))
    return [p.tr("Backward pass in δ form, output layer first")], rows


def _delta_rows(d: Delta, output: str, minus: str, p: Printer) -> list[Row]:
    rows: list[Row] = []
    lhs = p.delta(d.neuron)
    if d.node is not None:  # softmax: every output depends on net_j
        rows.extend(_node(d.node, output, p))
        rows.append(Eq(lhs, [minus + p.partial(output, d.net), p.num(d.value)], "gradient"))
        return _at(rows, d.net, "backward")
    assert d.derivative is not None
    rows.append(_local_row(d.derivative, p))
    phi = p.partial(d.out, d.net)
    if d.upstream:  # hidden: φ′(net_j) · Σ_l w_jl δ_l
        symbols = phi + p.chain_dot + p.paren((p.brk + p.binary("+")).join(
            p.name(u.weight) + p.dot + p.delta(u.neuron) for u in d.upstream))
        numbers = p.expr(Bin("*", Num(d.derivative.value), _sum_of_products([(u.w, u.delta) for u in d.upstream])),
                         numeric=True)
        rows.append(Eq(lhs, [symbols, numbers, p.num(d.value)], "gradient"))
        return _at(rows, d.net, "backward")
    loss_grad = p.partial(output, d.out)
    if d.loss_grad is not None:
        row = _local_row(d.loss_grad, p)
        row.kind = "gradient"
        rows.append(row)
    else:
        rows.append(Eq(loss_grad, [p.num(d.loss_grad_value)], "gradient"))
    signed = minus + loss_grad
    numbers = p.expr(_sum_of_products([((-1 if minus else 1) * d.loss_grad_value, d.derivative.value)]), numeric=True)
    rows.append(Eq(lhs, [signed + p.brk + p.chain_dot + phi, numbers, p.num(d.value)], "gradient"))
    return _at(rows, d.net, "backward")


def _weight_row(w: WeightGradient, output: str, minus: str, p: Printer) -> Eq:
    terms = [p.delta(u.neuron) + (p.dot + p.name(u.input) if u.input else "") for u in w.uses]
    symbols = minus + (p.paren((p.brk + p.binary("+")).join(terms)) if minus and len(terms) > 1
                       else (p.brk + p.binary("+")).join(terms))
    pairs: list[tuple[float | Name | Num, ...]] = [(u.delta, u.input_value) if u.input else (u.delta,)
                                                   for u in w.uses]
    if minus and len(pairs) == 1:  # ∂E/∂w = −δ_j·out_i when δ_j = −∂E/∂net_j
        pairs = [(-w.uses[0].delta, *pairs[0][1:])]
    numbers = p.expr(_sum_of_products(pairs), numeric=True)
    if minus and len(pairs) > 1:
        numbers = p.minus + p.paren(numbers)
    value = p.num(w.value)
    # a bias of one neuron: ∂E/∂b = δ_j, whose number is the value itself, said once
    parts = [symbols, value] if numbers == value else [symbols, numbers, value]
    return Eq(p.partial(output, w.param), parts, "gradient", node=w.param, phase="backward")


@_lays_out
def _factored(step: Factored, p: Printer) -> tuple[list[Segment], list[Row]]:
    out = step.output
    rows: list[Row] = []
    shown: set[str] = set()  # each hidden ∂E/∂out_j is written out once, before its first use
    for param, uses, value in step.per_param:
        lhs = p.partial(out, param)
        products: list[str] = []
        pairs: list[tuple[float | Name | Num, ...]] = []
        for u in uses:
            if u.spread and u.out not in shown:  # ∂E/∂out_j first, as the sum over the neurons it feeds
                shown.add(u.out)
                symbols = (p.brk + p.binary("+")).join(p.partial(out, s.net) + p.chain_dot + p.partial(s.net, u.out)
                                                       for s in u.spread)
                numbers = p.expr(_sum_of_products([(s.delta, s.w) for s in u.spread]), numeric=True)
                rows.append(Eq(p.partial(out, u.out), [symbols, numbers, p.num(u.out_grad)], "gradient"))
            if not u.out:  # softmax: ∂E/∂net_j · ∂net_j/∂w
                products.append(p.partial(out, u.net) + p.brk + p.chain_dot + p.partial(u.net, param))
                pairs.append((u.out_grad, u.local))
            else:
                products.append(p.partial(out, u.out) + p.brk + p.chain_dot + p.partial(u.out, u.net) + p.brk
                                + p.chain_dot + p.partial(u.net, param))
                pairs.append((u.out_grad, u.derivative, u.local))
        symbols = (p.brk + p.binary("+")).join(products)
        rows.append(Eq(lhs, [symbols, p.expr(_sum_of_products(pairs), numeric=True), p.num(value)], "gradient"))
    return [p.tr("Chain rule, factored per parameter (the blog's derivation)")], rows


# --- several worked steps -------------------------------------------------------------------------


@_lays_out
def _iteration(step: Iteration, p: Printer) -> tuple[list[Segment], list[Row]]:
    rows: list[Row] = []
    if step.number > 1:  # what it starts from: the params the iteration before changed
        said: list[Segment] = [p.tr("it starts where iteration {k} ended: ", k=step.number - 1)]
        if step.changed:
            said += [*_names_said(step.changed, p), p.tr(" updated, every other value as given")]
        else:
            said.append(p.tr("no value changed"))
        rows.append(Say(said))
    return [p.tr("Iteration {k} of {n}", k=step.number, n=step.of)], rows


@_lays_out
def _summary(step: Summary, p: Printer) -> tuple[list[Segment], list[Row]]:
    header: list[list[Segment]] = [[p.tr("iteration")]]
    header += [[Math(p.name(n))] for n in step.params]
    header.append([Math(p.name(step.output))])
    rows: list[list[list[Segment]]] = []
    for k, values, loss in step.rows:
        label = p.tr("before {k}", k=k) if k <= len(step.rows) - 1 else p.tr("after {k}", k=k - 1)
        row: list[list[Segment]] = [[label]]
        row += [[Math(p.num(v))] for v in values]
        row.append([Math(p.num(loss))])
        rows.append(row)
    n = len(step.params)
    table = Table(header, rows, "l" + "r" * (n + 1), [None, *["update"] * n, "value"])
    return [p.tr("The params and the loss, iteration by iteration")], [table]




# --- the report of `bpcalc train` --------------------------------------------------------------------------


@_lays_out
def _training(step: Training, p: Printer) -> tuple[list[Segment], list[Row]]:
    engine = ("dense (numpy: the layers as matrices, the samples of a step at once)" if step.engine == "dense"
              else "scalar (the named graph of the worked solutions)")
    said: list[Segment] = [f"optimizer: {step.optimizer}"]
    hyper = {h.name: h for h in optimiser(step.optimizer).hyper}
    for i, (key, value) in enumerate(step.settings):
        said += [" (" if i == 0 else ", ", Math(_hyper(p, hyper[key]) + p.binary("=") + p.num(value))]
    if step.settings:
        said.append(")")
    said += [", learning rate ", Math(p.eta + p.binary("=") + p.num(step.lr))]
    rows: list[Row] = [Say([f"engine: {engine}"]), Say(said)]
    if step.batch_size >= step.samples:
        each = f" (all {step.samples:,} samples each step)" if step.samples > 1 else ""
        rows.append(Say([f"{step.done:,} full-batch steps{each}"]))
    else:
        per = -(-step.samples // step.batch_size)
        order = f"shuffled each epoch with seed {step.seed}" if step.shuffle else "in file order"
        rows.append(Say([f"{step.done:,} steps in mini-batches of {step.batch_size:,} of the {step.samples:,} "
                         f"samples: {step.epochs:,.4g} epochs"]))
        rows.append(Say([f"{per:,} batches an epoch, {order}"]))
    if step.interrupted:
        rows.append(Say([f"interrupted: stopped after {step.done:,} of {step.steps:,} steps"]))
    return ["Training"], rows


@_lays_out
def _history(step: History, p: Printer) -> tuple[list[Segment], list[Row]]:
    header: list[list[Segment]] = [["step"], [Math(p.name(step.output))]]
    rows: list[list[list[Segment]]] = [[[f"{k:,}"], [Math(p.num(loss))]] for k, _, loss in step.rows]
    if step.batched:  # the epochs done after each step shown
        header.insert(1, ["epoch"])
        for row, (_, epoch, _) in zip(rows, step.rows):
            row.insert(1, [f"{epoch:,.4g}"])
    kinds: list[str | None] = [None, None, "value"] if step.batched else [None, "value"]
    table = Table(header, rows, "r" * len(header), kinds)
    return [f"Loss every {step.every:,} step{'s' if step.every != 1 else ''}, over all samples"], [table]


@_lays_out
def _curve(step: Curve, p: Printer) -> tuple[list[Segment], list[Row]]:
    losses = [loss for _, loss in step.points]
    logs = all(x > 0 for x in losses)
    ys = [math.log10(x) for x in losses] if logs else losses
    low, high = min(ys), max(ys)
    levels = [3 if high == low else min(7, int((y - low) / (high - low) * 8)) for y in ys]
    (first, start), (last, end) = step.points[0], step.points[-1]
    rows: list[Row] = [
        Say([Math(bars(p, levels))]),
        Say([f"step {first:,} to {last:,}, {'log' if logs else 'linear'} scale: ", Math(p.num(start)), " to ",
             Math(p.num(end))]),
    ]
    low_step, low = min(step.points, key=lambda point: point[1])
    if low < end:
        rows.append(Say(["lowest: ", Math(p.num(low)), f" at step {low_step:,}"]))
    return ["Loss curve" if step.output == "loss" else f"Loss curve: {step.output}"], rows


#: the trained params listed at most; a larger network's are all in --format json and -o
SHOWN_PARAMS = 24


@_lays_out
def _trained(step: Trained, p: Printer) -> tuple[list[Segment], list[Row]]:
    shown = step.params[:SHOWN_PARAMS]
    table = Table([["param"], ["before"], ["after"]],
                  [[[Math(p.name(n))], [Math(p.num(before))], [Math(p.num(after))]] for n, before, after in shown],
                  "lrr", [None, "value", "update"])
    rows: list[Row] = [table] if shown else [Say(["(no trainable parameters)"])]
    if len(step.params) > len(shown):
        rows.append(Say([f"… and {len(step.params) - len(shown):,} more (every one in --format json and -o)"]))
    rows.append(Eq(p.name(step.output), [p.num(step.loss_after)], "value",
                   ["(before training: ", Math(p.num(step.loss)), ")"]))
    if step.accuracy is not None:  # a classifier: the samples it classifies right
        before, after, n = step.accuracy
        rows.append(Say([f"accuracy: {after:,} of the {n:,} sample{'s' if n != 1 else ''} classified right "
                         f"({100 * after / n:.1f}%); before training {before:,} ({100 * before / n:.1f}%)"]))
    if step.written is not None:
        rows.append(Say([f"written to {step.written}"]))
    return ["Trained parameters"], rows




# --- entries of the backward and chain-rule steps ------------------------------------------------------


def _local_row(local: Local, p: Printer) -> Eq:
    lhs = p.partial(local.of, local.wrt)
    if local.formula is None or local.numbers is None:
        return Eq(lhs, [p.num(local.value)], "local", [p.tr("(formula too deeply nested to write out)")])
    parts = _dedupe([p.expr(local.formula), p.expr(local.numbers, numeric=True), p.num(local.value)])
    note: list[Segment] = []
    if local.gate == "add":
        note = [p.tr("(+ passes the upstream gradient through)")]
    elif local.gate == "mul":
        note = [p.tr("(× multiplies it by the other input)")]
    # each case its own clause, all in one pair of parentheses: (1 since …; −1 since …)
    for i, case in enumerate(local.cases):
        note.extend([p.tr("(") if i == 0 else p.tr("; "), *_case_note(case, p)])
    if local.cases:
        note.append(p.tr(")"))
    return Eq(lhs, parts, "local", note)


def _case_note(case: Case, p: Printer) -> list[Segment]:
    """Why the case that applies does, in the op table's words: `1 since z = 0.3 > 0`."""
    rule = lookup(case.fn).case
    assert rule is not None, case.fn
    holds = rule.holds(case.at, case.pick, case.result)
    if rule.subject is None:  # about the argument the helper asks about: max′ and min′
        return [p.num(case.result) + p.tr(" since "), Math(p.expr(case.args[case.pick])), " " + p.tr(holds)]
    arg, at = case.args[rule.subject], case.at[rule.subject]
    shown = p.expr(arg)
    value = p.num(at)
    head = shown if shown == value else shown + p.binary("=") + value
    return [p.num(case.result) + p.tr(" since "), Math(head + p.literal(" " + holds))]


@_lays_out_entry
def _seed(entry: Seed, output: str, p: Printer) -> list[Row]:
    return [Eq(p.partial(output, output), [p.num(1.0)], "gradient", [p.tr("(start: the output's own gradient)")],
               node=output, phase="backward")]


def _at(rows: list[Row], node: str, phase: str) -> list[Row]:
    """The rows, each marked as working out `node` in `phase` (Eq.node, Eq.phase)."""
    for row in rows:
        if isinstance(row, Eq):
            row.node, row.phase = node, phase
    return rows


@_lays_out_entry
def _node(entry: NodeGradient, output: str, p: Printer) -> list[Row]:
    lhs = p.partial(output, entry.name)
    if not entry.terms:
        return _at([Eq(lhs, [p.num(entry.value)], "gradient", [p.tr("(does not lead to the output)")])],
                   entry.name, "backward")
    if len(entry.terms) == 1 and entry.terms[0].consumer == output:
        row = _local_row(entry.terms[0].local, p)
        row.lhs, row.kind = lhs, "gradient"
        return _at([row], entry.name, "backward")
    local_rows = [_local_row(t.local, p) for t in entry.terms]
    total = _gradient_row(entry, output, p)
    for t, row in zip(entry.terms, local_rows):
        if t.consumer == output:  # ∂out/∂name twice, with two values: say which is which
            row.note = [p.tr("({output}'s direct use of {name} only)", output=output, name=entry.name)]
            total.note = [p.tr("(total)")]
    rows: list[Row] = [*local_rows]
    rows.append(total)
    if entry.shortcut is not None:
        s = entry.shortcut
        rows.append(Eq(lhs, [p.expr(s.formula), p.expr(s.numbers, numeric=True), p.num(s.value)],
                       "gradient", [p.tr("(the same sum, by the identity of {what})", what=p.tr(s.what))]))
    return _at(rows, entry.name, "backward")


#: a gradient summed over more consumers than this shows the first and last terms and a count
SHOWN_TERMS = 12


def _gradient_row(entry: NodeGradient, output: str, p: Printer) -> Eq:
    terms: list[Term | None] = list(entry.terms)
    hidden = len(terms) - SHOWN_TERMS
    if hidden > 0:  # a name used by thousands of lines: its sum would fill the screen
        terms = terms[:SHOWN_TERMS - 2] + [None] + terms[-2:]
    elision = p.tr("… {n} more terms …", n=f"{hidden:,}")
    symbols = (p.brk + p.binary("+")).join(p.words(elision) if t is None else
                         f"{p.partial(output, t.consumer)}{p.brk}{p.chain_dot}{p.partial(t.consumer, entry.name)}"
                         for t in terms)
    numbers = p.expr(_sum_of_products([(Name(elision),) if t is None else (t.upstream, t.local.value)
                                       for t in terms]), numeric=True)
    return Eq(p.partial(output, entry.name), [symbols, numbers, p.num(entry.value)], "gradient")


def _sum_of_products(pairs: list[tuple[float | Name | Num, ...]]) -> Expr:
    total: Expr | None = None
    for factors in pairs:
        prod: Expr = _leaf(factors[0])
        for f in factors[1:]:
            prod = Bin("*", prod, _leaf(f))
        total = prod if total is None else Bin("+", total, prod)
    assert total is not None
    return total


def _leaf(x: float | Name | Num) -> Expr:
    return x if isinstance(x, (Name, Num)) else Num(x)


def _path_symbols(nodes: tuple[str, ...], p: Printer) -> str:
    return (p.brk + p.chain_dot).join(p.partial(nodes[i], nodes[i + 1]) for i in range(len(nodes) - 1))


def _zero_paths(entry: PathSum, p: Printer) -> list[Row]:
    """Say how many paths were left out for a factor of exactly 0, and which factors."""
    if not entry.left_out:
        return []
    segs: list[Segment] = [p.tr("{n} paths to " if entry.left_out != 1 else "{n} path to ", n=entry.left_out),
                           Math(p.name(entry.target)),
                           p.tr(" left out: each has a factor that is exactly 0 (", n=entry.left_out)]
    for i, (of, wrt) in enumerate(entry.zeros):
        segs += [", " if i else "", Math(p.partial(of, wrt) + p.binary("=") + p.num(0.0))]
    return [Say([*segs, p.tr(")")])]


@_lays_out_entry
def _path_sum(entry: PathSum, output: str, p: Printer) -> list[Row]:
    lhs = p.partial(output, entry.target)
    zero = _zero_paths(entry, p)
    if not entry.paths:
        return [*zero, Eq(lhs, [p.num(entry.value)], "gradient")]
    if len(entry.paths) == 1:
        path = entry.paths[0]
        numbers = p.expr(_sum_of_products([path.factors]), numeric=True)
        return [*zero, Eq(lhs, _dedupe([lhs, _path_symbols(path.nodes, p), numbers, p.num(entry.value)])[1:],
                          "gradient")]
    n = len(entry.paths)
    rows: list[Row] = [*zero, Say([Math(p.name(entry.target)), p.tr(" reaches {output} by {n} paths; each path's "
                                                                   "product, then their sum:", output=output, n=n)])]
    for i, path in enumerate(entry.paths, 1):
        numbers = p.expr(_sum_of_products([path.factors]), numeric=True)
        via = ", ".join(path.nodes[1:-1])
        rows.append(Eq(p.words(p.tr("path {i}", i=i)), [_path_symbols(path.nodes, p), numbers, p.num(path.value)],
                       "local", [p.tr("(via {nodes})", nodes=via)] if via else []))
    symbols = (p.brk + p.binary("+")).join(p.words(p.tr("path {i}", i=i)) for i in range(1, n + 1))
    numbers = p.expr(_sum_of_products([(path.value,) for path in entry.paths]), numeric=True)
    rows.append(Eq(lhs, [symbols, numbers, p.num(entry.value)], "gradient"))
    return rows


@_lays_out_entry
def _delta(entry: DeltaForm, output: str, p: Printer) -> list[Row]:
    why = (p.tr("above --max-paths {n}", n=entry.max_paths) if entry.paths > entry.max_paths
           else p.tr("{n} factors in all", n=entry.factors))
    say = Say([Math(p.name(entry.target)),
               p.tr(" reaches {output} by {n} paths ({why}): shown in the per-node (δ) form, each upstream "
                    "gradient taken from the backward pass (--max-paths raises the limit)",
                    output=output, n=entry.paths, why=why)])
    g = entry.gradient
    if not g.terms:
        return [say, Eq(p.partial(output, g.name), [p.num(g.value)], "gradient")]
    return [say, _gradient_row(g, output, p)]




# --- several outputs (the Jacobian) and a gradient check ---------------------------------------------

#: a Jacobian with more inputs and params than this, and than outputs, is shown transposed (a row
#: per input), to fit a screen
JACOBIAN_COLUMNS = 3


def _cell(math: str) -> list[Segment]:
    return [Math(math)]


@_lays_out
def _jacobian(step: JacobianMatrix, p: Printer) -> tuple[list[Segment], list[Row]]:
    j = step.jacobian
    values: list[Segment] = [p.tr("outputs: ")]
    for i, (o, v) in enumerate(zip(j.outputs, step.values)):
        values.extend([", "] if i else [])
        values.append(Math(p.name(o) + p.binary("=") + p.num(v)))
    matrix = j.matrix
    rows: list[Row] = [Say(values)]
    header: list[list[Segment]]
    body: list[list[list[Segment]]]
    if len(j.columns) <= max(JACOBIAN_COLUMNS, len(j.outputs)):
        rows.append(Say([p.tr("a row per output, a column per input or param; each entry is that output's "
                              "gradient of the name, from its backward pass above")]))
        header = [[], *[_cell(p.name(c)) for c in j.columns]]
        body = [[_cell(p.name(o)), *[_cell(p.num(x)) for x in row]] for o, row in zip(j.outputs, matrix)]
        kinds: list[str | None] = [None, *["gradient"] * len(j.columns)]
    else:
        rows.append(Say([p.tr("transposed to fit: a row per input or param, a column per output; each entry is "
                              "that output's gradient of the name, from its backward pass above")]))
        header = [[], *[_cell(p.partial(o, "x")) for o in j.outputs]]
        body = [[_cell(p.name(c)), *[_cell(p.num(row[k])) for row in matrix]] for k, c in enumerate(j.columns)]
        kinds = [None, *["gradient"] * len(j.outputs)]
    rows.append(Table(header, body, "l" + "r" * (len(header) - 1), kinds))
    return [p.tr("Jacobian of the outputs with respect to the inputs and params")], rows


#: agrees, disagrees, proves nothing: in the words each format can set
_MARKS: dict[type, tuple[Segment, Segment, Segment, Segment, Segment]] = {
    Printer: ("✓", "✗", "–", "↪", "≈"), AsciiPrinter: ("ok", "X", "-", "->", "~"),
    LatexPrinter: (Math(r"\surd"), Math(r"\times"), Math("-"), Math(r"\hookrightarrow"), Math(r"\approx")),
}  # right, wrong, proves nothing, follow-on (right from the student's own earlier numbers), imprecise


@_lays_out
def _gradcheck(step: GradCheck, p: Printer) -> tuple[list[Segment], list[Row]]:
    header: list[list[Segment]] = [[p.tr(h)] if h else [""] for h in
                                   ("gradient", "backprop", "estimate", "abs error", "rel error", "", "note")]
    body: list[list[list[Segment]]] = []
    marks = _MARKS.get(type(p), _MARKS[Printer])
    for c in step.checks:
        mark = marks[0] if c.ok else (marks[1] if c.ok is False else marks[2])
        # the errors in one notation, scientific, to 3 significant digits (docs/commands.md, gradcheck)
        estimated: list[list[Segment]] = [_cell(written(x)) if math.isfinite(x) else ["–"]
                                          for x, written in ((c.estimate, p.num), (c.abs_error, p.sci),
                                                             (c.rel_error, p.sci))]
        body.append([_cell(p.partial(c.output, c.name)), _cell(p.num(c.gradient)), *estimated, [mark],
                     [p.tr(c.note) if c.note else ""]])
    step_size = p.expr(Bin("*", Num(step.eps), Call("max", (Num(1.0), Call("abs", (Name("x"),))))))
    notes = {c.note for c in step.checks if c.note}
    if not notes:  # no column of blanks
        header, body = header[:-1], [row[:-1] for row in body]
    rows: list[Row] = [Say([p.tr("each gradient from the backward pass beside its estimate, the central difference "
                                 "(f(x + h) − f(x − h)) / 2h from the forward pass alone, with "),
                            Math(p.name("h") + p.binary("=") + step_size)]),
                       Table(header, body, "lrrrrll", [None, "gradient", "value", None, None, None, None])]
    if "kink" in notes:
        rows.append(Say([p.tr("kink: x ± h crosses a point where a derivative jumps (relu, abs, max at or near "
                              "its kink); there the estimate averages two slopes and proves nothing")]))
    if "rounded" in notes:
        rows.append(Say([p.tr("rounded: --round rounds values between this name and the output, so a change of h "
                              "does not reach it; the estimate proves nothing")]))
    if "domain" in notes:
        rows.append(Say([p.tr("domain: the forward pass cannot be computed at x + h or x − h, so there is no "
                              "estimate")]))
    if step.left_out:
        rows.append(Say([step.left_out]))
    checked = sum(c.ok is not None for c in step.checks)
    bad = step.mismatches
    verdict = p.tr("{k} of {n} agree", k=checked - bad, n=checked) + (p.tr("; {m} do not", m=bad) if bad else "")
    rows.append(Say([verdict + p.tr(" (within "), Math(p.num(step.tol)),
                     p.tr(" relative, or below the estimate's own round-off)")]))
    return [p.tr("Gradient check")], rows




# --- a check of answers ---------------------------------------------------------------------------


def _question(kind: str, name: str, output: str, p: Printer) -> list[Segment]:
    """How an answer is named: ∂E/∂w5, ∂out_o1/∂net_o1, w5 updated, out_h1, E after the step."""
    if kind == "gradients":
        return [Math(p.partial(output, name))]
    if kind == "local":
        of, wrt = name.split("|")
        return [Math(p.partial(of, wrt))]
    if kind == "updated":
        return [Math(p.name(name)), " " + p.tr("updated")]
    if kind == "loss_after":
        return [Math(p.name(output)), " " + p.tr("after the step")]
    return [Math(p.name(name))]


def _written(text: str, value: float, p: Printer) -> list[Segment]:
    """The student's number as written (0.5930 keeps its zero); a very long one as a number."""
    return [text] if len(text) <= 24 else [Math(p.num(value))]


def _joined(parts: list[list[Segment]], p: Printer) -> list[Segment]:
    out: list[Segment] = []
    for i, part in enumerate(parts):
        out += ([p.tr(", ")] if i else []) + part
    return out


@_lays_out
def _grading(step: Grading, p: Printer) -> tuple[list[Segment], list[Row]]:
    from ..errors import printable

    out = step.output
    marks = _MARKS.get(type(p), _MARKS[Printer])
    message, values = step.rule
    rule: list[Segment] = [p.tr(message, **dict(values))]
    if step.example is not None:  # the rule on the student's own first answer
        key, written, status = step.example
        rule.append(p.tr(" (your first answer, {written}: {verdict})", written=printable(written),
                         verdict=_verdict(status, p)))
    rows: list[Row] = [Say(rule)]
    header: list[list[Segment]] = [[""], [p.tr("your answer")], [p.tr("computed")], [""], [p.tr("mistake")]]
    body: list[list[list[Segment]]] = []
    for r in step.results:
        mark: list[Segment]
        note: list[Segment]
        if r.status == "right":
            mark, note = [marks[0]], [""]
        elif r.status == "follow_on":
            mark = [marks[3]]
            note = [p.tr("follow-on from "), *_joined([_question(k, n, out, p) for k, n in r.follows_from], p)]
        elif r.status == "imprecise":
            mark, note = [marks[4]], [p.tr("too few digits")]
        else:
            mark = [marks[1]]
            note = [", ".join(dict.fromkeys(m.code for m in r.mistakes[:2])) or p.tr("none found")]
        body.append([_question(r.kind, r.name, out, p), _written(r.written, r.answer, p),
                     [Math(p.num(r.computed))], mark, note])
    for key, _ in step.unreadable:
        body.append([[printable(key)], ["–"], ["–"], [marks[1]], [p.tr("not read")]])
    rows.append(Table(header, body, "lrrll", [None, None, "value", None, None]))
    if step.procedure is not None:
        m = step.procedure
        rows.append(Say([p.tr("all {n} wrong answers follow from one procedure: ", n=m.explains), _mistake(m, p)]))
    for r in step.results:
        label = _question(r.kind, r.name, out, p)
        if r.note:
            rows.append(Say([*label, ": ", _note(r.note, p)]))
        if r.status == "follow_on":
            rows.append(Say([*label, p.tr(": right from your own "),
                             *_joined([_question(k, n, out, p) for k, n in r.follows_from], p),
                             p.tr(" (they give "), Math(p.num(r.follow_on_value or 0.0)),
                             p.tr("), so it earns its credit")]))
        elif r.status == "imprecise":
            rows.append(Say([*label, p.tr(": the right digits, but fewer than the rule asks for: "),
                             Math(p.num(r.computed))]))
        elif r.status == "wrong" and not r.mistakes:
            rows.append(Say([*label, p.tr(": no common mistake gives your number; the worked lines below give "),
                             Math(p.num(r.computed))]))
        elif r.status == "wrong" and (step.procedure is None or r.mistakes[0].code != step.procedure.code):
            for m in r.mistakes[:3]:
                rows.append(Say([*label, f" ({m.code}): ", _mistake(m, p), p.tr(", which gives "),
                                 Math(p.num(m.value))]))
    for key, said in step.unreadable:
        rows.append(Say([printable(key), p.tr(": not read, counted as unanswered: "), printable(said)]))
    rows.append(Say([score_line(step, p)]))
    first = step.first_wrong
    if first is not None:
        rows.append(Say([p.tr("first wrong step: "), *_question(first.kind, first.name, out, p)]))
    return [p.tr("Your answers in {file}", file=printable(step.answers))], rows


def _note(note: str, p: Printer) -> str:
    """How an entry was read (check/answers.py), in the report's language."""
    if note == "decimal comma read as a decimal point":
        return p.tr("decimal comma read as a decimal point")
    if note == "a fraction: judged at the precision required":
        return p.tr("a fraction: judged at the precision required")
    return note


def _verdict(status: str, p: Printer) -> str:
    """A check's verdict, as the rule's example says it."""
    if status == "right":
        return p.tr("right")
    if status == "imprecise":
        return p.tr("right digits, too few of them")
    if status == "follow_on":
        return p.tr("right from your own earlier numbers")
    return p.tr("wrong")


def _mistake(m: Mistake, p: Printer) -> str:
    """A mistake in words, in the report's language, with where it was made and its partner."""
    words = p.tr(m.words, **dict(m.params))
    kind, where = m.scope
    if kind == "output":
        words += p.tr(" (for output {where} only)", where=where)
    elif kind == "sample":
        words += p.tr(" (in sample {where} only)", where=where)
    elif kind == "line":
        words += p.tr(" (in {where} only)", where=where)
    if m.also:
        words += p.tr(", and {other} with it", other=", ".join(m.also))
    return words


@_lays_out
def _class_grading(step: ClassGrading, p: Printer) -> tuple[list[Segment], list[Row]]:
    import os.path

    from ..errors import printable

    out = step.output
    names = [s.answers for s in step.students]
    folder = os.path.commonpath([os.path.dirname(n) for n in names]) if len(names) > 1 else ""
    try:
        shown = [os.path.relpath(n, folder) if folder else n for n in names]
    except ValueError:  # names on different drives
        shown = names
    header: list[list[Segment]] = [[p.tr("file")], [p.tr("score")], [p.tr("first wrong")], [p.tr("mistakes")]]
    body: list[list[list[Segment]]] = []
    codes: dict[str, str] = {}
    unusable: list[Say] = []
    for s, name in zip(step.students, shown):
        if s.error is not None:
            body.append([[printable(name)], [p.tr("unusable")], ["–"], ["–"]])
            unusable.append(Say([printable(name), ": ", printable(s.error)]))
            continue
        first = s.first_wrong
        best = [r.mistakes[0] for r in s.results if r.mistakes]  # each answer's best diagnosis
        found = dict.fromkeys(m.code for m in best)
        codes.update((m.code, p.tr(m.words, **dict(m.params))) for m in best if m.code not in codes)
        score = p.tr("{k} of {n} ({percent}%)", k=f"{s.points:g}", n=f"{s.max_points:g}",
                     percent=f"{100 * s.points / s.max_points if s.max_points else 0:.0f}")
        shown_name = printable(name) + (f" ({s.variant})" if s.variant else "")
        body.append([[shown_name], [score], _question(first.kind, first.name, out, p) if first else ["–"],
                     [", ".join(found) or "–"]])
    rows: list[Row] = []
    if folder and folder != ".":
        rows.append(Say([p.tr("in {folder}:", folder=printable(folder))]))
    rows += [Table(header, body, "lrll"), *unusable]
    qheader: list[list[Segment]] = [[p.tr("question")], [p.tr("answered")], [p.tr("right")],
                                    [p.tr("commonest mistake")]]
    qbody: list[list[list[Segment]]] = []
    for q in step.questions:
        share = f"{q.credited} ({100 * q.credited / q.answered:.0f}%)" if q.answered else "0"
        common: list[Segment] = [f"{q.commonest[0]} (×{q.commonest[2]})" if q.commonest else "–"]
        qbody.append([_question(q.kind, q.name, out, p), [str(q.answered)], [share], common])
    rows.append(Say([p.tr("per question, in the order of the computation (follow-on work counts as right):")]))
    rows.append(Table(qheader, qbody, "lrrl"))
    for code, words in codes.items():
        rows.append(Say([f"{code}: ", words]))
    return [p.tr("A class: {n} answers files", n=len(step.students))], rows


@_lays_out
def _conventions(step: Conventions, p: Printer) -> tuple[list[Segment], list[Row]]:
    from ..errors import printable

    out = step.output
    header: list[list[Segment]] = [[""], [p.tr("the key's number")], [p.tr("computed")], [p.tr("reproduced by")]]
    body: list[list[list[Segment]]] = [
        [_question(k.kind, k.name, out, p), _written(k.written, k.answer, p), [Math(p.num(k.computed))],
         [", ".join(k.conventions) or p.tr("no convention")]] for k in step.lines]
    rows: list[Row] = [Say([p.tr("each number of the key beside the conventions that reproduce it at the precision "
                                 "it is written with:")]), Table(header, body, "lrrl", [None, None, "value", None])]
    every = [c.label for c in step.legend if all(c.label in k.conventions for k in step.lines)]
    if every:
        rows.append(Say([p.tr("every number of the key follows: "), ", ".join(every)]))
    unexplained = [k for k in step.lines if not k.conventions]
    if unexplained:
        rows.append(Say([p.tr("no convention explains: "),
                         *_joined([_question(k.kind, k.name, out, p) for k in unexplained], p)]))
    for c in step.legend:
        rows.append(Say([f"{c.label}: ", p.tr(c.words, **dict(c.params))]))
    return [p.tr("The conventions of the key {file}", file=printable(step.key))], rows


@_lays_out
def _part(step: Part, p: Printer) -> tuple[list[Segment], list[Row]]:
    title: list[Segment] = [p.tr(step.title)]
    if step.names:
        title += [": ", *_joined([[Math(p.name(n))] for n in step.names], p)]
    return title, []




# --- the slides' proportional error split ------------------------------------------------------------


def _plus(terms: list[Expr]) -> Expr:
    total = terms[0]
    for t in terms[1:]:
        total = Bin("+", total, t)
    return total


@_lays_out
def _error_split(step: ErrorSplit, p: Printer) -> tuple[list[Segment], list[Row]]:
    out = step.output
    loss = "Loss_{}".format
    rows: list[Row] = [Say([p.tr("the slides' picture: each neuron's error shared out over the neurons before it in "
                                 "proportion to the weights, "),
                            Math(p.name(loss("j")) + p.binary("=") + f"{p.sum_sign}_l " + p.name("w_jl") + "/"
                                 + p.paren(f"{p.sum_sign}_k " + p.name("w_kl")) + p.dot + p.name(loss("l"))),
                            p.tr(", starting from the output neurons' errors "),
                            Math(p.delta("l") + p.binary("=") + p.fraction(p.name(out), p.name("net_l")))])]
    for neuron, _, value in step.outputs:
        rows.append(Eq(p.name(loss(neuron)), [p.delta(neuron), p.num(value)], "gradient"))
    table: list[list[list[Segment]]] = []
    for layer, neurons in step.hidden:
        rows.append(Say([p.tr("layer {name}:", name=layer)]))
        for n in neurons:
            picture = _plus([Bin("*", Bin("/", Name(s.weight), _plus([Name(w) for w, _ in s.weights])),
                                  Name(loss(s.neuron))) for s in n.shares])
            numbers = _plus([Bin("*", Bin("/", Num(s.w), _plus([Num(x) for _, x in s.weights])), Num(s.error))
                             for s in n.shares])
            rows.append(Eq(p.name(loss(n.neuron)), [p.expr(picture), p.expr(numbers, numeric=True), p.num(n.picture)],
                           "value", [p.tr("(the picture)")]))
            grad = (p.brk + p.binary("+")).join(p.name(s.weight) + p.dot + p.delta(s.neuron) for s in n.shares)
            backprop = p.expr(_sum_of_products([(s.w, s.delta) for s in n.shares]), numeric=True)
            rows.append(Eq(p.partial(out, n.out), [grad, backprop, p.num(n.out_grad)], "gradient",
                           [p.tr("(back-propagated)")]))
            rows.append(Eq(p.delta(n.neuron), [p.partial(n.out, n.net) + p.chain_dot + p.partial(out, n.out),
                                               p.expr(_sum_of_products([(n.derivative, n.out_grad)]), numeric=True),
                                               p.num(n.delta)], "gradient"))
            table.append([[Math(p.name(n.neuron))], [Math(p.num(n.picture))], [Math(p.num(n.out_grad))],
                          [Math(p.num(n.delta))]])
    rows.append(Table([[p.tr("neuron")], [Math(p.name(loss("j")))], [Math(p.partial(out, "out_j"))],
                       [Math(p.delta("j"))]], table, "lrrr", [None, "value", "gradient", "gradient"]))
    rows.append(Say([p.tr("they differ because back-propagation passes each δ_l back times the weight w_jl itself, "
                          "not its share w_jl/Σ_k w_kl of the weights into l, and then multiplies by the activation's "
                          "slope φ′(net_j) at this neuron: the picture says where the error comes from, the gradient "
                          "says how much a change of each weight changes {output}", output=out)]))
    return [p.tr("The error shared out in proportion to the weights (as the slides draw it), beside the true "
                 "gradient")], rows




# --- the matrix form (BP1–BP4) -------------------------------------------------------------------------

#: a matrix larger than this is shown with a stretch left out (its first entries, ⋯ or ⋮, its last)
GRID_ROWS, GRID_COLUMNS = 8, 6


def _grid(cells: list[list[str]], p: Printer) -> Grid:
    def cut(items: list[str], keep: int, gap: str) -> list[str]:
        return items if len(items) <= keep else [*items[: keep - 2], gap, items[-1]]

    rows = [cut(row, GRID_COLUMNS, p.ellipsis_row) for row in cells]
    if len(rows) > GRID_ROWS:
        rows = [*rows[: GRID_ROWS - 2], [p.ellipsis_column] * len(rows[0]), rows[-1]]
    wide = len(cells[0]) if cells and len(cells[0]) > GRID_COLUMNS else 0
    return Grid(tuple(tuple(r) for r in rows), wide)


def column_numbers(grid: Grid) -> list[tuple[int, int]]:
    """The columns of its matrix each shown column stands for, first and last: (k, k), and for
    the ⋯ the stretch it leaves out."""
    shown = len(grid.rows[0])
    if not grid.columns:
        return [(k, k) for k in range(1, shown + 1)]
    return [*((k, k) for k in range(1, shown - 1)), (shown - 1, grid.columns - 1), (grid.columns, grid.columns)]


def column_label(spans: list[tuple[int, int]], lang: str) -> str:
    """`columns 1 to 3` (or `column 4`): the columns of a matrix that a block of it holds."""
    first, last = spans[0][0], spans[-1][1]
    if first == last:
        return translate(lang, "column {first}", first=first)
    return translate(lang, "columns {first} to {last}", first=first, last=last)


def matrix_units(pieces: list[Piece]) -> list[list[Piece]]:
    """A part's pieces in the units a renderer breaks a part too wide for its line between: each
    matrix with the words before it (an operator, a factor) and a closing parenthesis after it."""
    units: list[list[Piece]] = [[]]
    for piece in pieces:
        closing = isinstance(piece, str) and piece.strip().startswith(")")
        joined = isinstance(piece, Grid) and piece.joined
        if not closing and not joined and any(isinstance(x, Grid) for x in units[-1]):
            units.append([piece])
        else:
            units[-1].append(piece)
    if len(units) > 1 and not any(isinstance(x, Grid) for x in units[-1]):
        units[-2] += units.pop()
    return units


def _column(values: tuple[float, ...], p: Printer) -> Grid:
    return _grid([[p.num(x)] for x in values], p)


def _numbers_grid(values: tuple[tuple[float, ...], ...], p: Printer) -> Grid:
    return _grid([[p.num(x) for x in row] for row in values], p)


def _symbols(layer: str, p: Printer) -> dict[str, str]:
    """W^h, b^h, z^h, a^h, δ^h of one layer, as this format writes them."""
    return {"W": p.sup(p.name("W"), p.name(layer)), "b": p.sup(p.name("b"), p.name(layer)),
            "z": p.sup(p.name("z"), p.name(layer)), "a": p.sup(p.name("a"), p.name(layer)),
            "delta": p.sup(p.delta_letter, p.name(layer))}


def _phi(activation: str, p: Printer) -> str:
    return p.fn_name(activation)


@_lays_out
def _matrix_forward(step: MatrixForward, p: Printer) -> tuple[list[Segment], list[Row]]:
    rows: list[Row] = [Say([p.tr("each layer as vectors and matrices: "),
                            Math(p.sup(p.name("z"), p.name("l")) + p.binary("=") + p.sup(p.name("W"), p.name("l"))
                                 + " " + p.name("a_in") + p.binary("+") + p.sup(p.name("b"), p.name("l"))),
                            ", ", Math(p.sup(p.name("a"), p.name("l")) + p.binary("=") + p.phi
                                       + p.paren(p.sup(p.name("z"), p.name("l")))),
                            p.tr("; row j of W is neuron j, column k input k (W[j][k]: the weight from k to j); "
                                 "vectors are columns")])]
    previous = p.name("x")
    first = step.layers[0]
    rows.append(MatrixEq(previous, [[_grid([[p.name(n)] for n in first.inputs], p)], [_column(first.a_in, p)]],
                         "value"))
    for layer in step.layers:
        sym = _symbols(layer.name, p)
        rows.append(Say([p.tr("layer {name} ({activation}):", name=layer.name, activation=layer.activation)]))
        rows.append(MatrixEq(sym["W"], [[_grid([[p.name(n) for n in row] for row in layer.weights], p)],
                                        [_numbers_grid(layer.w, p)]], "value"))
        if layer.b is not None and layer.biases is not None:
            rows.append(MatrixEq(sym["b"], [[_grid([[p.name(n)] for n in layer.biases], p)], [_column(layer.b, p)]],
                                 "value"))
            formula = sym["W"] + " " + previous + p.binary("+") + sym["b"]
            numbers: list[Piece] = [_numbers_grid(layer.w, p), _column(layer.a_in, p), p.binary("+"),
                                    _column(layer.b, p)]
        else:
            formula = sym["W"] + " " + previous
            numbers = [_numbers_grid(layer.w, p), _column(layer.a_in, p)]
        rows.append(MatrixEq(sym["z"], [[formula], numbers, [_column(layer.z, p)]], "value"))
        if layer.activation == "linear":
            rows.append(MatrixEq(sym["a"], [[sym["z"]], [_column(layer.a, p)]], "value"))
        else:
            rows.append(MatrixEq(sym["a"], [[_phi(layer.activation, p) + p.paren(sym["z"])], [_column(layer.a, p)]],
                                 "value"))
        previous = sym["a"]
    return [p.tr("Forward pass, layer by layer")], rows


@_lays_out
def _matrix_backward(step: MatrixBackward, p: Printer) -> tuple[list[Segment], list[Row]]:
    out = step.output
    rows: list[Row] = [Say([p.tr("BP1–BP4 (Nielsen), output layer first, with "),
                            Math(p.sup(p.delta_letter, p.name("l")) + p.binary("=")
                                 + p.fraction(p.name(out), p.sup(p.name("z"), p.name("l")))),
                            p.tr(" and ⊙ the entry-by-entry product")])]
    layers = step.layers
    grad_a = p.nabla + "_" + p.name("a") if not isinstance(p, LatexPrinter) else p.nabla + "_{a}"
    if isinstance(p, MathMLPrinter):
        grad_a = f"<msub>{p.nabla}<mi>a</mi></msub>"
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        sym = _symbols(layer.name, p)
        rows.append(Say([p.tr("layer {name}:", name=layer.name)]))
        slope_sym = _phi(layer.activation, p) + p.prime + p.paren(sym["z"])
        if layer.slope is not None:
            rows.append(MatrixEq(slope_sym, [[_column(layer.slope, p)]], "local"))
        if i == len(layers) - 1:  # BP1
            lhs = grad_a + " " + p.name(out)
            rows.append(MatrixEq(lhs, [[_grid([[p.partial(out, n)] for n in layer.outs], p)],
                                       [_column(layer.grad_a, p)]], "gradient"))
            if layer.jacobian is not None:
                jac = p.sup(p.name("J"), p.name(layer.name))
                rows.append(MatrixEq(jac, [[p.fraction(sym["a"], sym["z"])], [_numbers_grid(layer.jacobian, p)]],
                                     "local"))
                transposed = tuple(zip(*layer.jacobian))
                parts: list[list[Piece]] = [[p.transposed(p.paren(jac)) + " " + lhs],
                                            [_numbers_grid(transposed, p), _column(layer.grad_a, p)]]
            else:
                parts = [[lhs + p.hadamard + slope_sym], [_column(layer.grad_a, p), p.hadamard,
                                                          _column(layer.slope or (), p)]]
            rows.append(MatrixEq(sym["delta"], [*parts, [_column(layer.delta, p)]], "gradient", ["(BP1)"]))
        else:  # BP2
            after = layers[i + 1]
            nxt = _symbols(after.name, p)
            w_t = tuple(zip(*after.w))
            product = p.paren(p.transposed(p.paren(nxt["W"])) + " " + nxt["delta"])
            rows.append(MatrixEq(sym["delta"], [
                [product + p.hadamard + slope_sym],
                [p.open_paren, _numbers_grid(w_t, p), _column(after.delta, p), p.close_paren, p.hadamard,
                 _column(layer.slope or (), p)],
                [_column(layer.delta, p)]], "gradient", ["(BP2)"]))
        if layer.grad_b is not None and layer.biases is not None:
            # entry by entry the gradient of each name, unless a name fills several entries (a shared
            # bias): its gradient is then their sum, said below
            names: list[list[Piece]] = [] if len(set(layer.biases)) < len(layer.biases) else [
                [_grid([[p.partial(out, n)] for n in layer.biases], p)]]
            rows.append(MatrixEq(p.fraction(p.name(out), sym["b"]),
                                 [*names, [sym["delta"]], [_column(layer.grad_b, p)]], "gradient", ["(BP3)"]))
        previous = p.transposed(p.paren(_symbols(layers[i - 1].name, p)["a"])) if i else p.transposed(p.name("x"))
        every = [n for row in layer.weights for n in row]
        names = [] if len(set(every)) < len(every) else [
            [_grid([[p.partial(out, n) for n in row] for row in layer.weights], p)]]
        rows.append(MatrixEq(p.fraction(p.name(out), sym["W"]), [
            *names, [sym["delta"] + " " + previous],
            [_column(layer.delta, p), _grid([[p.num(x) for x in layer.a_in]], p)],
            [_numbers_grid(layer.grad_w, p)]], "gradient", ["(BP4)"]))
    for shared in step.shared:
        rows.append(Say([Math(p.name(shared.name)),
                         p.tr(" is in {n} places of the matrices: its gradient is the sum of their entries, ",
                              n=shared.places),
                         Math(p.partial(out, shared.name) + p.binary("=") + p.num(shared.gradient))]))
    return [p.tr("Backward pass in matrix form (BP1–BP4)")], rows


# --- the matrix form of a batch: a row per sample -------------------------------------------------------


def _shown_samples(n: int) -> list[int]:
    """The samples a batch's matrices show whole (all of them, or the first and the last around
    the rows _grid leaves out): their per-sample rows (losses, Jacobians) are shown too."""
    return list(range(n)) if n <= GRID_ROWS else [*range(GRID_ROWS - 2), n - 1]


def _elided(n: int, p: Printer) -> list[Row]:
    if n <= GRID_ROWS:
        return []
    return [Say([p.ellipsis_column + " ", p.tr("(samples {first} to {last} alike)", first=GRID_ROWS - 1, last=n - 1)])]


def _transpose(values: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, ...], ...]:
    return tuple(zip(*values))


def _scale(n: int, mean: bool, p: Printer) -> str:
    """1/n before a gradient over the samples, where the loss is their mean ('' for a sum)."""
    if not mean:
        return ""
    if p.frac_division:  # LaTeX, MathML: a fraction
        return p.expr(Bin("/", Num(1.0), Num(float(n))), numeric=True) + " "
    return p.paren(p.num(1.0) + "/" + p.num(float(n))) + " "


def _layer_before(p: Printer) -> str:
    """l−1 as a superscript: A^(l−1)."""
    if isinstance(p, LatexPrinter):
        return "l-1"
    if isinstance(p, MathMLPrinter):
        return "<mi>l</mi><mo>−</mo><mn>1</mn>"
    return p.paren("l" + p.minus + "1")


def _batch_symbols(layer: str, p: Printer) -> dict[str, str]:
    """W^h, b^h, Z^h, A^h, Δ^h of one layer, as this format writes them."""
    return {"W": p.sup(p.name("W"), p.name(layer)), "b": p.sup(p.name("b"), p.name(layer)),
            "Z": p.sup(p.name("Z"), p.name(layer)), "A": p.sup(p.name("A"), p.name(layer)),
            "Delta": p.sup(p.capital_delta, p.name(layer))}


@_lays_out
def _batch_forward(step: BatchForward, p: Printer) -> tuple[list[Segment], list[Row]]:
    n = len(step.t)
    ones = p.ones
    rows: list[Row] = [Say([p.tr("the {n} samples at once, a row each: ", n=n),
                            Math(p.sup(p.name("Z"), p.name("l")) + p.binary("=")
                                 + p.sup(p.name("A"), _layer_before(p))
                                 + " " + p.transposed(p.paren(p.sup(p.name("W"), p.name("l")))) + p.binary("+")
                                 + ones + " " + p.transposed(p.paren(p.sup(p.name("b"), p.name("l"))))),
                            ", ", Math(p.sup(p.name("A"), p.name("l")) + p.binary("=") + p.phi
                                       + p.paren(p.sup(p.name("Z"), p.name("l")))),
                            p.tr(" entry by entry; row s of X, Z and A is sample s, column j neuron j (W[j][k]: the "
                                 "weight from input k to neuron j); "),
                            Math(ones), p.tr(" is a column of {n} ones, which adds the bias to every row", n=n)])]
    first = step.layers[0]
    previous = p.name("X")
    rows.append(MatrixEq(previous, [[_grid([[p.name(x) for x in row] for row in first.inputs], p)],
                                    [_numbers_grid(first.a_in, p)]], "value"))
    ones_column = _grid([[p.num(1.0)] for _ in range(n)], p)
    for layer in step.layers:
        sym = _batch_symbols(layer.name, p)
        rows.append(Say([p.tr("layer {name} ({activation}):", name=layer.name, activation=layer.activation)]))
        rows.append(MatrixEq(sym["W"], [[_grid([[p.name(w) for w in row] for row in layer.weights], p)],
                                        [_numbers_grid(layer.w, p)]], "value"))
        formula = previous + " " + p.transposed(p.paren(sym["W"]))
        numbers: list[Piece] = [_numbers_grid(layer.a_in, p), _numbers_grid(_transpose(layer.w), p)]
        if layer.b is not None and layer.biases is not None:
            rows.append(MatrixEq(sym["b"], [[_grid([[p.name(b)] for b in layer.biases], p)], [_column(layer.b, p)]],
                                 "value"))
            formula += p.binary("+") + ones + " " + p.transposed(p.paren(sym["b"]))
            b_row = _grid([[p.num(x) for x in layer.b]], p)
            numbers += [p.binary("+"), ones_column, Grid(b_row.rows, b_row.columns, joined=True)]
        rows.append(MatrixEq(sym["Z"], [[formula], numbers, [_numbers_grid(layer.z, p)]], "value"))
        applied = sym["Z"] if layer.activation == "linear" else _phi(layer.activation, p) + p.paren(sym["Z"])
        rows.append(MatrixEq(sym["A"], [[applied], [_numbers_grid(layer.a, p)]], "value"))
        previous = sym["A"]
    rows.append(Say([p.tr("each sample's loss, from its row of "), Math(previous),
                     p.tr(" and its row of the targets "), Math(p.name("T")), ":"]))
    rows.append(MatrixEq(p.name("T"), [[_grid([[p.name(t) for t in row] for row in step.targets], p)],
                                       [_numbers_grid(step.t, p)]], "value"))
    for s in _shown_samples(len(step.losses)):
        rows += _elided(len(step.losses), p) if s == len(step.losses) - 1 else []
        rows.append(_computed_row(step.losses[s], p))
    return [p.tr("Forward pass of the batch, layer by layer")], rows


@_lays_out
def _batch_backward(step: BatchBackward, p: Printer) -> tuple[list[Segment], list[Row]]:
    out, n = step.output, len(step.losses)
    mean = step.reduction == "mean"
    scale = _scale(n, mean, p)
    each = p.name(_each_sample(step.losses[0]))  # E_total[s]
    layers = step.layers
    last_a = p.sup(p.name("A"), _layer_before(p))
    delta_l = p.sup(p.capital_delta, p.name("l"))
    rows: list[Row] = [Say([p.tr("BP1–BP4 for the batch, output layer first: row s of "), Math(delta_l),
                            p.tr(" is sample s's "),
                            Math(p.sup(p.delta_letter, p.name("l")) + p.binary("=") + p.fraction(each, p.sup(
                                p.name("z"), p.name("l")))),
                            p.tr(", from its own loss "), Math(each), p.tr(", as one sample's form writes it; "),
                            Math(p.name(out)),
                            p.tr(" is the mean of the {n} samples' losses, so its gradients are " if mean else
                                 " is the sum of the {n} samples' losses, so its gradients are ", n=n),
                            Math(scale + p.transposed(p.paren(delta_l)) + " " + last_a), p.tr(" and "),
                            Math(scale + p.transposed(p.paren(delta_l)) + " " + p.ones),
                            p.tr(", the sums over the samples divided by {n}; " if mean else
                                 ", the sums over the samples; ", n=n),
                            Math(p.hadamard.strip()), p.tr(" is the entry-by-entry product")])]
    grad_a = _nabla("A", p)
    ones_column = _grid([[p.num(1.0)] for _ in range(n)], p)
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        sym = _batch_symbols(layer.name, p)
        rows.append(Say([p.tr("layer {name}:", name=layer.name)]))
        slope_sym = _phi(layer.activation, p) + p.prime + p.paren(sym["Z"])
        if layer.slope is not None:
            rows.append(MatrixEq(slope_sym, [[_numbers_grid(layer.slope, p)]], "local"))
        if i == len(layers) - 1:  # BP1
            lhs = grad_a + " " + each
            rows.append(MatrixEq(lhs, [[_grid([[p.partial(loss, o) for o in outs]
                                               for loss, outs in zip(step.losses, layer.outs)], p)],
                                       [_numbers_grid(layer.grad_a, p)]], "gradient"))
            if layer.jacobians is not None:
                jac = p.sup(p.name("J"), p.name(layer.name))
                a_o, z_o = p.sup(p.name("a"), p.name(layer.name)), p.sup(p.name("z"), p.name(layer.name))
                rows.append(Say([p.tr("softmax: each sample's row of "), Math(sym["Delta"]),
                                 p.tr(" is its row of "), Math(lhs), p.tr(" times its Jacobian "),
                                 Math(jac + p.binary("=") + p.fraction(a_o, z_o)),
                                 p.tr(" (the one-sample form's "),
                                 Math(p.transposed(p.paren(jac)) + " " + _nabla("a", p) + " " + p.name(out)),
                                 p.tr(", written as a row):")]))
                for s in _shown_samples(n):
                    rows += _elided(n, p) if s == n - 1 else []
                    tag = _sample_tag(s + 1, p)
                    rows.append(MatrixEq(jac + tag, [[_numbers_grid(layer.jacobians[s], p)]], "local"))
                    rows.append(MatrixEq(sym["Delta"] + tag, [
                        [p.transposed(p.paren(_nabla("a", p) + " " + p.name(step.losses[s]))) + " " + jac + tag],
                        [_grid([[p.num(x) for x in layer.grad_a[s]]], p), _numbers_grid(layer.jacobians[s], p)],
                        [_grid([[p.num(x) for x in layer.delta[s]]], p)]], "gradient"))
                rows.append(MatrixEq(sym["Delta"], [[_numbers_grid(layer.delta, p)]], "gradient", ["(BP1)"]))
            else:
                rows.append(MatrixEq(sym["Delta"], [
                    [lhs + p.hadamard + slope_sym],
                    [_numbers_grid(layer.grad_a, p), p.hadamard, _numbers_grid(layer.slope or (), p)],
                    [_numbers_grid(layer.delta, p)]], "gradient", ["(BP1)"]))
        else:  # BP2
            after = layers[i + 1]
            nxt = _batch_symbols(after.name, p)
            rows.append(MatrixEq(sym["Delta"], [
                [p.paren(nxt["Delta"] + " " + nxt["W"]) + p.hadamard + slope_sym],
                [p.open_paren, _numbers_grid(after.delta, p), _numbers_grid(after.w, p), p.close_paren, p.hadamard,
                 _numbers_grid(layer.slope or (), p)],
                [_numbers_grid(layer.delta, p)]], "gradient", ["(BP2)"]))
        delta_t = _numbers_grid(_transpose(layer.delta), p)
        if layer.grad_b is not None and layer.biases is not None:
            names: list[list[Piece]] = [] if len(set(layer.biases)) < len(layer.biases) else [
                [_grid([[p.partial(out, b)] for b in layer.biases], p)]]
            rows.append(MatrixEq(p.fraction(p.name(out), sym["b"]), [
                *names, [scale + p.transposed(p.paren(sym["Delta"])) + " " + p.ones],
                [scale, delta_t, ones_column] if scale else [delta_t, ones_column],
                [_column(layer.grad_b, p)]], "gradient", ["(BP3)"]))
        previous = _batch_symbols(layers[i - 1].name, p)["A"] if i else p.name("X")
        every = [w for row in layer.weights for w in row]
        names = [] if len(set(every)) < len(every) else [
            [_grid([[p.partial(out, w) for w in row] for row in layer.weights], p)]]
        a_in = _numbers_grid(layer.a_in, p)
        rows.append(MatrixEq(p.fraction(p.name(out), sym["W"]), [
            *names, [scale + p.transposed(p.paren(sym["Delta"])) + " " + previous],
            [scale, delta_t, a_in] if scale else [delta_t, a_in],
            [_numbers_grid(layer.grad_w, p)]], "gradient", ["(BP4)"]))
    for shared in step.shared:
        rows.append(Say([Math(p.name(shared.name)),
                         p.tr(" is in {n} places of the matrices: its gradient is the sum of their entries, ",
                              n=shared.places),
                         Math(p.partial(out, shared.name) + p.binary("=") + p.num(shared.gradient))]))
    return [p.tr("Backward pass of the batch in matrix form (BP1–BP4)")], rows


def _sample_tag(s: int, p: Printer) -> str:
    """[s] after a symbol: sample s's J^o[s], as the scalar graph marks sample s's names."""
    return f"<mo>[</mo><mn>{s}</mn><mo>]</mo>" if isinstance(p, MathMLPrinter) else f"[{s}]"


def _nabla(letter: str, p: Printer) -> str:
    """∇_A (a batch's rows) or ∇_a (one sample's)."""
    if isinstance(p, LatexPrinter):
        return p.nabla + "_{" + letter + "}"
    if isinstance(p, MathMLPrinter):
        return f"<msub>{p.nabla}<mi>{letter}</mi></msub>"
    return p.nabla + "_" + letter


def _each_sample(loss: str) -> str:
    """E_total[1] -> E_total[s]: any one sample's loss."""
    return loss.rsplit("[", 1)[0] + "[s]"




# --- a problem sheet and its answer key (bpcalc variants) ----------------------------------------------

#: what a question asks for, by its kind (the answers file's keys)
_ASKED = {"loss": "the loss", "values": "a value", "gradients": "a gradient", "updated": "after one SGD step"}


def fixed_places(x: float, places: int) -> str:
    """An answer as asked, to `places` decimal places, zeros kept (0.4470), rounded half up."""
    from ..numbers import round_half_up

    text = f"{abs(round_half_up(x, places)):.{places}f}"
    return ("−" if x < 0 and text.strip("0.") else "") + text


@_lays_out
def _statement(step: Statement, p: Printer) -> tuple[list[Segment], list[Row]]:
    rows: list[Row] = [Eq(p.name(name), [p.expr(formula)], "formula") for name, formula in step.lines]
    return [p.tr("The computation")], rows


@_lays_out
def _questions(step: Questions, p: Printer) -> tuple[list[Segment], list[Row]]:
    answered = all(q.answer is not None for q in step.items)
    header: list[list[Segment]] = [[""], [p.tr("asked")], [""], [p.tr("answer")]]
    body: list[list[list[Segment]]] = []
    for i, q in enumerate(step.items, start=1):
        quantity = p.partial(step.output, q.name) if q.kind == "gradients" else p.name(q.name)
        row: list[list[Segment]] = [[f"{i}."], [p.tr(_ASKED[q.kind])], _cell(quantity)]
        if answered and q.answer is not None:
            row += [[fixed_places(q.answer, step.places)], _cell(p.num(q.answer))]
        else:
            row.append(["_" * 14])  # a line to write the answer on
        body.append(row)
    if answered:
        header.append([p.tr("as computed")])
        say = p.tr("Each answer to {n} decimal places, and as computed.", n=step.places)
        return [p.tr("Answers")], [Say([say]), Table(header, body, "lllrr", [None, None, None, "value", "value"])]
    say = p.tr("Give each answer to {n} decimal places.", n=step.places)
    rows: list[Row] = [Say([say]), Table(header, body, "llll")]
    if step.variant:
        rows.append(Say([p.tr("An answers file for bpcalc check begins with the line "), f"variant: {step.variant}"]))
    return [p.tr("Questions")], rows



__all__ = ["Eq", "Grid", "Math", "MatrixEq", "Piece", "Row", "Say", "Section", "Segment", "Step", "Table", "Term",
           "layout"]
