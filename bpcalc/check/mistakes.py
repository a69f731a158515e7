"""The common mistakes of backprop homework: one record each, every one a real variant of the
computation made through the engine's configuration (engine/config.py), never arithmetic on a final
number — so every number downstream of a mistake is what a student who made it would get.

A record has a code (docs/checking.md lists them), its words (a message of render/words.py's
catalogue, so in the report's language), and a function that makes its variants of a problem.  A
variant is made in a scope — one line (one answer's own computation), one output, one sample, or
everywhere — and every scope that applies is tried: a student who flips a sign while computing
∂E/∂w6 alone, with ∂E/∂w5 right, made `sign` in one line; one who flips ∂E/∂out_o1 made it for
output o1.  `check` (grade.py) solves each variant once per problem and names a mistake for an
answer only where the rest of the sheet does not contradict it.

    variants(problem, round, lr) -> [Variant(code, words, params, scope, config), …]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from ..engine import Config, Solution, added, lr_twice, solve, without_lr
from ..expr.tree import Bin, Call, Expr, Name, Num, name_positions, subexpressions, substitute_names
from ..ops import ROUNDED, TABLE, lookup
from ..ops.formulas import partial
from ..ops.kernels import partial_kernel
from ..ops.losses import BY_NAME as LOSSES
from ..problem import Problem
from ..trace.delta import weights_of

#: at most this many variants of one record in one scope (an edge or an input each): homework sizes
MANY = 60
#: the decimal places `rounded_intermediates` tries
ROUNDINGS = range(1, 7)


class Scope(NamedTuple):
    """Where a mistake is made: `everywhere`, or in one `output`, `sample` or `line` (`where`)."""

    kind: str
    where: str = ""


EVERYWHERE = Scope("everywhere")


class Variant(NamedTuple):
    """One mistake made in one scope: the configuration of the engine that makes it."""

    code: str
    words: str  # a message of the catalogue (render/words.py), with {placeholders} …
    params: tuple[tuple[str, str], ...]  # … filled with these
    scope: Scope
    config: Config
    delta_sign: int = 1  # the δ answers read with this sign (the δ convention swapped: -1)


class Context:
    """What the records read of a problem: its lines, its textbook solution, its loss lines, its
    outputs and samples, and the consumers of each name."""

    def __init__(self, problem: Problem, textbook: Solution):
        self.problem, self.textbook = problem, textbook
        self.lines = {line.name: line for line in problem.lines}
        self.output = problem.output
        self.loss_lines = _loss_lines(problem)
        self.samples = sorted({s for s in map(sample_of, self.lines) if s is not None})
        # a network's outputs (out_o1 …, every sample's) by their base name
        outs: dict[str, list[str]] = {}
        for name in self.lines:
            if problem.roles.get(name) == "out" and any(
                    name in dict(textbook.local.get(loss, ())) for loss in self.loss_lines):
                outs.setdefault(base_of(name), []).append(name)
        self.outputs = outs
        self.consumers: dict[str, list[str]] = {}
        for line in problem.lines:
            for u, _ in textbook.local.get(line.name, ()):
                self.consumers.setdefault(u, []).append(line.name)

    def sample_lines(self, s: int) -> frozenset[str]:
        return frozenset(n for n in self.lines if sample_of(n) == s)

    def edges(self) -> Iterator[tuple[str, str]]:
        """Every (line, name it uses) whose line reaches the output."""
        for line in self.problem.lines:
            if self.textbook.gradients.get(line.name, 0.0) != 0.0:
                for u, _ in self.textbook.local.get(line.name, ()):
                    yield line.name, u


def base_of(name: str) -> str:
    """out_o1[2] -> out_o1: a node's name without its sample."""
    return name.split("[", 1)[0]


def sample_of(name: str) -> int | None:
    found = re.search(r"\[(\d+)\]\Z", name)
    return int(found.group(1)) if found else None


class Mistake(NamedTuple):
    code: str
    words: str  # the record's words in general (docs, the class summary's legend)
    made: Callable[[Context], Iterator[Variant]]


# --- the loss ---------------------------------------------------------------------------------------------


def _sign(c: Context) -> Iterator[Variant]:
    words = "the sign flipped: ∂loss/∂out written as (t − out) instead of −(t − out)"
    flips = {(loss, u): -1.0 for loss in c.loss_lines for u, _ in c.textbook.local.get(loss, ())}
    yield Variant("sign", words, (), EVERYWHERE, Config(edge_scales=flips))
    if len(c.outputs) > 1:
        for out, names in c.outputs.items():
            edges = {(loss, u): -1.0 for (loss, u) in flips if u in names}
            yield Variant("sign", words, (), Scope("output", out), Config(edge_scales=edges))
    for s in c.samples:
        edges = {(loss, u): -1.0 for (loss, u) in flips if sample_of(loss) == s}
        yield Variant("sign", words, (), Scope("sample", str(s)), Config(edge_scales=edges))
    for k, (line, u) in enumerate(c.edges()):
        if k >= MANY:
            break
        yield Variant("sign", "the sign of ∂{line}/∂{name} flipped", (("line", line), ("name", u)),
                      Scope("line", line), Config(edge_scales={(line, u): -1.0}))


def _factor_2(c: Context) -> Iterator[Variant]:
    loss = LOSSES.get(c.problem.loss_kind or "")
    # the ½ left out where the loss has one, the square's 2 dropped where it is a square (both: an
    # expression file's loss, which may be either)
    factors = [f for f, made in ((2.0, loss is None or loss.halved), (0.5, loss is None or loss.squared)) if made]
    for factor in factors:
        words = ("the loss taken without its ½ (Σ(t − out)² instead of Σ½(t − out)²), so every gradient is "
                 "twice as large") if factor == 2.0 else ("the 2 of the square's derivative dropped (d(t − out)²/d "
                                                          "out written −(t − out)), so every gradient is half as "
                                                          "large")
        scaled = {name: Bin("*", Num(factor), c.lines[name].expr) for name in c.loss_lines}
        yield Variant("factor_2", words, (), EVERYWHERE, Config(lines=scaled))
        for s in c.samples:
            yield Variant("factor_2", words, (), Scope("sample", str(s)),
                          Config(lines={n: e for n, e in scaled.items() if sample_of(n) == s}))
        if len(c.outputs) > 1:
            for out, names in c.outputs.items():
                edges = {(loss, u): factor for loss in c.loss_lines for u, _ in c.textbook.local.get(loss, ())
                         if u in names}
                yield Variant("factor_2", words, (), Scope("output", out), Config(edge_scales=edges))


def _mean(c: Context) -> Iterator[Variant]:
    for name, line in c.lines.items():
        if isinstance(line.expr, Bin) and line.expr.op == "/" and isinstance(line.expr.b, Num) and (
                name == c.output or name in c.loss_lines):
            yield Variant("mean_1_over_n", "the 1/{n} of the mean left out (the sum taken instead)",
                          (("n", f"{line.expr.b.value:g}"),), EVERYWHERE, Config(lines={name: line.expr.a}))
    if c.problem.reduction == "sum" and c.problem.samples > 1:
        n = float(c.problem.samples)
        yield Variant("mean_1_over_n", "a 1/{n} put in: the mean over the samples taken where the file sums them",
                      (("n", f"{n:g}"),), EVERYWHERE,
                      Config(lines={c.output: Bin("/", c.lines[c.output].expr, Num(n))}))


# --- the activations ----------------------------------------------------------------------------------------


def _activations(c: Context) -> list[tuple[str, list[str]]]:
    """Each activation the problem uses, with the lines that call it."""
    found: dict[str, list[str]] = {}
    for line in c.problem.lines:
        for e in subexpressions(line.expr):
            if isinstance(e, Call) and lookup(e.fn).activation and lookup(e.fn).kind == "function":
                found.setdefault(e.fn, []).append(line.name)
    return [(p.name, found[p.name]) for p in TABLE if p.name in found]


def _scoped(c: Context, code: str, words: str, params: tuple[tuple[str, str], ...],
            partials: dict[str, tuple[str, ...]], lines: list[str]) -> Iterator[Variant]:
    """A replaced partial everywhere, in each output's lines, each sample's, and each line."""
    yield Variant(code, words, params, EVERYWHERE, Config(partials=partials))
    by_output = {out: [n for n in lines if n in names] for out, names in c.outputs.items()}
    if len([o for o, ns in by_output.items() if ns]) > 1:
        for out, names in by_output.items():
            if names:
                yield Variant(code, words, params, Scope("output", out), Config(partials=partials, at=frozenset(names)))
    for s in c.samples:
        yield Variant(code, words, params, Scope("sample", str(s)),
                      Config(partials=partials, at=frozenset(n for n in lines if sample_of(n) == s)))
    if len(lines) > 1:
        for line in lines[:MANY]:
            yield Variant(code, words, params, Scope("line", line), Config(partials=partials, at=frozenset({line})))


def _symbol(name: str) -> str:
    return "σ" if name == "sigmoid" else name


def _missing_derivative(c: Context) -> Iterator[Variant]:
    for name, lines in _activations(c):
        p = lookup(name)
        yield from _scoped(c, "missing_activation_derivative", "the derivative {f}′ left out (taken as 1)",
                           (("f", _symbol(name)),), {name: ("1", *("0",) * (len(p.params) - 1))}, lines)


def _derivative_at_net(c: Context) -> Iterator[Variant]:
    for name, lines in _activations(c):
        p = lookup(name)
        at_net = _at_net(name)
        if at_net is not None:
            yield from _scoped(c, "derivative_at_net", "{f}′ taken at net instead of out: {formula}",
                               (("f", _symbol(name)), ("formula", at_net)),
                               {name: (at_net, *("0",) * (len(p.params) - 1))}, lines)


def _softmax_diagonal(c: Context) -> Iterator[Variant]:
    lines = [line.name for line in c.problem.lines if any(
        isinstance(e, Call) and e.fn == "softmax" for e in subexpressions(line.expr))]
    if lines:
        yield from _scoped(c, "softmax_diagonal_only", "only the diagonal of softmax's Jacobian, ∂p_j/∂z_j = "
                           "p_j(1 − p_j): the off-diagonal −p_j·p_k left out", (), {"softmax": ("out*(1 - out)", "0")},
                           lines)


def _max_to_every_input(c: Context) -> Iterator[Variant]:
    for fn in ("max", "min"):
        lines = [line.name for line in c.problem.lines if any(
            isinstance(e, Call) and e.fn == fn for e in subexpressions(line.expr))]
        if lines:
            yield from _scoped(c, "gate_gradient_to_every_input", "the {f} gate's gradient sent to every input, "
                               "not only to the one that attains it", (("f", fn),), {fn: ("1",)}, lines)


def _target_for_output(c: Context) -> Iterator[Variant]:
    """The activation's derivative at an output neuron taken at the target: t(1 − t) for σ′."""
    if c.problem.kind != "network":
        return
    edges: dict[tuple[str, str], float] = {}
    for names in c.outputs.values():
        for out in names:
            target = next((u for loss in c.loss_lines for u, _ in c.textbook.local.get(loss, ())
                           if c.problem.roles.get(u) == "target" and _pairs(out, u)), None)
            line = c.lines[out].expr
            if target is None or not isinstance(line, Call) or len(line.args) != 1 or not isinstance(line.args[0],
                                                                                                      Name):
                continue
            p = lookup(line.fn)
            if p.kind != "function" or "out" not in name_positions(partial(p, 0, 1)):
                continue
            t = c.textbook.values[target]
            edges[(out, line.args[0].id)] = partial_kernel(p, 0, 1)(c.textbook.values[line.args[0].id], t)
    if not edges:
        return
    words = "the target used where the output belongs: the activation's derivative at an output taken at t"
    yield Variant("target_for_output", words, (), EVERYWHERE, Config(edges=edges))
    if len(c.outputs) > 1:
        for out, names in c.outputs.items():
            yield Variant("target_for_output", words, (), Scope("output", out),
                          Config(edges={k: v for k, v in edges.items() if k[0] in names}))
    for s in c.samples:
        yield Variant("target_for_output", words, (), Scope("sample", str(s)),
                      Config(edges={k: v for k, v in edges.items() if sample_of(k[0]) == s}))
    if len(edges) > 1:
        for k, (edge, value) in enumerate(edges.items()):
            if k >= MANY:
                break
            yield Variant("target_for_output", words, (), Scope("line", edge[0]), Config(edges={edge: value}))


def _pairs(out: str, target: str) -> bool:
    """out_o1[2] and t_o1[2]: an output and its target (by the neuron and the sample)."""
    neuron = base_of(out).split("_", 1)[-1]
    return base_of(target) == f"t_{neuron}" and sample_of(out) == sample_of(target)


# --- the graph's edges ---------------------------------------------------------------------------------


def _missing_path(c: Context) -> Iterator[Variant]:
    cuts = [(line, u) for u, lines in c.consumers.items() if len(lines) > 1 and u not in c.problem.inputs
            for line in lines if c.textbook.gradients.get(line, 0.0) != 0.0]
    words = ("the path through {line} left out of ∂{output}/∂{name} (its term ∂{output}/∂{line} · ∂{line}/∂{name} "
             "not added)", "the path through {line} left out of ∂{output}/∂{name}, in every sample")
    yield from _edge_variants(c, "missing_path", words, dict.fromkeys(cuts, 0.0))


def _wrong_input(c: Context) -> Iterator[Variant]:
    wrong: dict[tuple[str, str], float] = {}
    for name, line in c.lines.items():
        weights = weights_of(line.expr)
        inputs = [x for x in weights.values() if x is not None]
        for param, source in weights.items():
            for other in inputs:
                if source is not None and other != source:
                    wrong[(name, param)] = c.textbook.values[other]
                    yield Variant("wrong_input", "∂{line}/∂{name} taken as {other} instead of {source}",
                                  (("line", name), ("name", param), ("other", other), ("source", source)),
                                  Scope("line", name), Config(edges={(name, param): c.textbook.values[other]}))
    # the same input taken in every sample: the edges of one line and param, over the samples
    yield from _every_sample(c, "wrong_input", "∂{line}/∂{name} taken with another input than its own, in every "
                             "sample", wrong)


def _bias_times_input(c: Context) -> Iterator[Variant]:
    wrong: dict[tuple[str, str], float] = {}
    for name, line in c.lines.items():
        weights = weights_of(line.expr)
        inputs = list(dict.fromkeys(x for x in weights.values() if x is not None))
        for param, source in weights.items():
            if source is None and param in c.problem.params:
                for x in inputs[:1] if c.samples else inputs:
                    wrong[(name, param)] = c.textbook.values[x]
                    yield Variant("bias_times_input", "∂{line}/∂{name} of the bias multiplied by the input {other} "
                                  "(a bias's is 1)", (("line", name), ("name", param), ("other", x)),
                                  Scope("line", name), Config(edges={(name, param): c.textbook.values[x]}))
    yield from _every_sample(c, "bias_times_input", "each bias's ∂net/∂b taken as an input instead of 1, in "
                             "every sample", wrong)


def _edge_variants(c: Context, code: str, words: tuple[str, str], edges: dict[tuple[str, str], float]
                   ) -> Iterator[Variant]:
    """Each edge's variant (scope: its line), then each edge in every sample at once (the words for
    one edge, and for every sample's)."""
    for k, ((line, u), value) in enumerate(edges.items()):
        if k >= MANY:
            break
        yield Variant(code, words[0], (("line", line), ("name", u), ("output", c.output)), Scope("line", line),
                      Config(edges={(line, u): value}))
    yield from _every_sample(c, code, words[1], edges)


def _every_sample(c: Context, code: str, words: str, edges: dict[tuple[str, str], float]) -> Iterator[Variant]:
    """The edges of one line and name, taken in every sample at once (a mistake of method)."""
    if not c.samples:
        return
    grouped: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    for (line, u), value in edges.items():
        if sample_of(line) is not None:
            grouped.setdefault((base_of(line), base_of(u)), {})[(line, u)] = value
    for (line, u), group in list(grouped.items())[:MANY]:
        if len(group) == len(c.samples):
            yield Variant(code, words, (("line", line), ("name", u), ("output", c.output)), EVERYWHERE,
                          Config(edges=group))


def _updated_weights(c: Context) -> Iterator[Variant]:
    """The hidden layer's gradients with the output weights already updated (the 2-2-2 blog's loss after)."""
    if c.problem.kind != "network" or not c.textbook.updated:
        return
    edges: dict[tuple[str, str], float] = {}
    for name, line in c.lines.items():
        if c.problem.roles.get(name) != "net":
            continue
        for param, source in weights_of(line.expr).items():
            if source is not None and param in c.textbook.updated and c.problem.roles.get(source) == "out":
                edges[(name, source)] = c.textbook.updated[param]
    if edges:
        yield Variant("updated_weights_used", "the hidden layer's gradients computed with the output weights already "
                      "updated", (), EVERYWHERE, Config(edges=edges))


def _transposed(c: Context) -> Iterator[Variant]:
    """Each square layer's weights read transposed (net_j uses w_kj for w_jk), in every sample."""
    if c.problem.kind != "network":
        return
    by_layer: dict[tuple[int, int | None], list[str]] = {}
    for name, layer in c.problem.layer_of.items():
        if c.problem.roles.get(name) == "net":
            by_layer.setdefault((layer, sample_of(name)), []).append(name)
    changed: dict[str, Expr] = {}
    for nets in by_layer.values():
        rows = [[p for p, x in weights_of(c.lines[n].expr).items() if x is not None] for n in nets]
        if len(rows) < 2 or any(len(r) != len(rows) for r in rows):
            continue
        for j, net in enumerate(nets):
            mapping: dict[str, Expr] = {rows[j][k]: Name(rows[k][j]) for k in range(len(rows))
                                        if rows[j][k] != rows[k][j]}
            if mapping:
                changed[net] = substitute_names(c.lines[net].expr, mapping)
    if changed:
        yield Variant("transposed_weights", "the weight matrix read transposed: w_jk used where w_kj belongs", (),
                      EVERYWHERE, Config(lines=changed))


# --- the update ----------------------------------------------------------------------------------------------


def _update(code: str, words: str, change: Callable[[str, Expr], Expr]) -> Callable[[Context], Iterator[Variant]]:
    def made(c: Context) -> Iterator[Variant]:
        trainable = c.problem.trainable
        if not trainable:
            return
        yield Variant(code, words, (), EVERYWHERE, Config(update=change))
        if len(trainable) > 1:
            for p in trainable[:MANY]:
                yield Variant(code, words, (), Scope("line", p), Config(update=change, update_at=frozenset({p})))
    return made


def _bias_not_updated(c: Context) -> Iterator[Variant]:
    biases = [param for line in c.problem.lines for param, source in weights_of(line.expr).items()
              if source is None and param in c.problem.trainable]
    biases = list(dict.fromkeys(biases))
    if biases:
        words = "the biases left as they were (only the weights updated)"
        yield Variant("bias_not_updated", words, (), EVERYWHERE, Config(frozen=frozenset(biases)))
        if len(biases) > 1:
            for bias in biases[:MANY]:
                yield Variant("bias_not_updated", "the bias {name} left as it was", (("name", bias),),
                              Scope("line", bias), Config(frozen=frozenset({bias})))


def _rounded(c: Context) -> Iterator[Variant]:
    used = {e.fn for line in c.problem.lines for e in subexpressions(line.expr) if isinstance(e, Call)}
    if c.problem.round is None and c.textbook.round is None and used & ROUNDED:
        for places in ROUNDINGS:
            yield Variant("rounded_intermediates", "the activation outputs rounded to {n} decimal places as they "
                          "were computed (--round {n})", (("n", str(places)),), EVERYWHERE, Config(round=places))


def _delta_sign(c: Context) -> Iterator[Variant]:
    if c.problem.kind == "network":
        yield Variant("delta_sign_swapped", "the δ sign convention swapped: δ_j written as −∂E/∂net_j", (),
                      EVERYWHERE, Config(), delta_sign=-1)


MISTAKES: tuple[Mistake, ...] = (
    Mistake("sign", "the sign flipped", _sign),
    Mistake("factor_2", "the factor 2 of the square (or the ½ of the loss) left out", _factor_2),
    Mistake("mean_1_over_n", "the 1/n of a mean left out, or put in", _mean),
    Mistake("missing_activation_derivative", "an activation's derivative left out", _missing_derivative),
    Mistake("derivative_at_net", "an activation's derivative taken at net instead of out", _derivative_at_net),
    Mistake("softmax_diagonal_only", "softmax's off-diagonal derivatives left out", _softmax_diagonal),
    Mistake("gate_gradient_to_every_input", "a max or min gate's gradient sent to every input", _max_to_every_input),
    Mistake("target_for_output", "the target used where the output belongs", _target_for_output),
    Mistake("missing_path", "a path of a sum over paths left out", _missing_path),
    Mistake("wrong_input", "∂net/∂w taken with another input", _wrong_input),
    Mistake("bias_times_input", "a bias's gradient multiplied by an input", _bias_times_input),
    Mistake("updated_weights_used", "hidden-layer gradients with the already-updated weights", _updated_weights),
    Mistake("transposed_weights", "the weight matrix read transposed", _transposed),
    Mistake("update_added", "the update added instead of subtracted",
            _update("update_added", "the update added instead of subtracted: θ + η·∂E/∂θ", added)),
    Mistake("missing_lr", "η left out of the update",
            _update("missing_lr", "η left out of the update: θ − ∂E/∂θ", without_lr)),
    Mistake("lr_twice", "η applied twice",
            _update("lr_twice", "η applied twice: θ − η²·∂E/∂θ", lr_twice)),
    Mistake("bias_not_updated", "the biases left as they were", _bias_not_updated),
    Mistake("rounded_intermediates", "intermediate values rounded as they were computed", _rounded),
    Mistake("delta_sign_swapped", "the δ sign convention swapped", _delta_sign),
)

BY_CODE: dict[str, Mistake] = {m.code: m for m in MISTAKES}
CODES = tuple(BY_CODE)


def variants(problem: Problem, round: int | None, lr: float | None, textbook: Solution | None = None
             ) -> Iterator[tuple[Variant, Solution]]:
    """Every mistake's variants of this problem, each with its solution (a variant that cannot be
    computed — a log of a negative number — or that changes no number is left out)."""
    from ..errors import BpcalcError

    textbook = textbook or solve(problem, round=round, lr=lr, step=bool(problem.trainable))
    context = Context(problem, textbook)
    for mistake in MISTAKES:
        for variant in mistake.made(context):
            try:
                made = solve(problem, round=round, lr=lr, step=bool(problem.trainable), config=variant.config)
            except (BpcalcError, ArithmeticError, ValueError, KeyError):
                continue
            # a mistake that changes no number (a sign flipped on a partial that is 0) is not one
            if variant.delta_sign == 1 and made.values == textbook.values and made.gradients == textbook.gradients \
                    and made.updated == textbook.updated:
                continue
            yield variant, made


def _loss_lines(problem: Problem) -> list[str]:
    """The lines that make the loss from the outputs: a network's per-sample losses, else the
    output's own line."""
    found = [n for n, role in problem.roles.items() if role == "loss" and n != problem.output] if problem.roles \
        else []
    if not found and problem.kind == "network":
        found = [problem.output]
    return found or [problem.output]


def _at_net(name: str) -> str | None:
    """The table's partial with `out` written as the argument: σ′ = out(1 − out) → x(1 − x)."""
    from ..expr.tree import to_text

    p = lookup(name)
    formula = partial(p, 0, len(p.params))
    if "out" not in name_positions(formula):
        return None
    return to_text(substitute_names(formula, {"out": Name(p.params[0])}))


__all__ = ["CODES", "EVERYWHERE", "MISTAKES", "Context", "Mistake", "Scope", "Variant", "variants"]
