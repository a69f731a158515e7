"""Variants of a teacher's problem: drawn from the template's ranges, redrawn when uninteresting,
each with its questions answered by the engine — and, made from those, a student's sheet, an
answer key (the worked solution) and an answers file in the shape `bpcalc check` reads (docs/checking.md).

Variant k's numbers come from a random stream of its own, seeded by (seed, k): the same seed gives
the same files, and variant 3 is the same whether 10 or 30 are made.  A draw is redrawn when it
cannot be computed (a log of a negative number…), repeats an earlier variant, or breaks one of
the rules a teacher can switch off (`--reject`):

* dead_relu: a relu line is 0 (its input is not positive), so no gradient passes it;
* saturated: a sigmoid output within s of 0 or 1 (`--saturation s`, default 0.05), or a tanh
  output within 2s of ±1: its derivative is nearly 0, and so is every gradient through it;
* zero: an asked answer rounds to 0 at the asked decimal places (an update: the change).

Only lines whose whole formula is one activation are looked at (every neuron of a network file,
`y: sigmoid(z)` in an expression file).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import TYPE_CHECKING, NamedTuple

from ..engine import Solution, solve
from ..errors import InputError, MathError, did_you_mean
from ..expr.tree import Call
from ..problem import Problem
from ..reading.common import operations
from ..trace.steps import Asked, Questions, Statement, Trace
from .distinct import Collision
from .template import Template

if TYPE_CHECKING:
    from ..check.policy import Scheme

RULES = ("dead_relu", "saturated", "zero")
KINDS = ("loss", "values", "gradients", "updated")
_KIND_WORDS = {"loss": "loss", "value": "values", "values": "values", "gradient": "gradients", "gradients":
               "gradients", "grad": "gradients", "update": "updated", "updated": "updated", "updates": "updated"}
#: draws tried for one variant before giving up
MAX_DRAWS = 500
#: with --distinct, interesting draws tried for one variant whose mistakes collide by chance, before
#: the one with the fewest collisions is kept (each solves the problem once per catalogued mistake)
DISTINCT_TRIES = 25
#: draws tried for the whole kit, in operations of the problem read and solved again (each draw
#: is the template's text with its numbers: about 30 µs an operation, and 40 operations' worth
#: for the reading itself), and at least two a variant — so a template whose draws are nearly
#: all redrawn is refused in seconds, not minutes
DRAW_OPERATIONS = 150_000
DRAW_OVERHEAD = 40


class Settings(NamedTuple):
    size: int = 30  # how many variants
    seed: int = 0
    ask: tuple[str, ...] = ("loss", "gradients", "updated")
    places: int = 4
    reject: frozenset[str] = frozenset(RULES)
    saturation: float = 0.05
    distinct: bool = False  # draw again until every catalogued mistake gives its own answers (distinct.py)


class Variant(NamedTuple):
    number: int  # from 1
    text: str  # its problem file
    numbers: tuple[str, ...]  # the number drawn for each of the template's ranges
    problem: Problem
    solution: Solution
    questions: tuple[Asked, ...]  # answered
    draws: int  # how many draws it took
    collisions: tuple[Collision, ...] = ()  # with --distinct: the mistakes its answers cannot tell apart


class Kit(NamedTuple):
    template: Template
    settings: Settings
    variants: tuple[Variant, ...]
    rejected: Counter[str]  # why draws were redrawn: rule -> how many


# --- what is asked ------------------------------------------------------------------------------------


def asked(problem: Problem, ask: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(kind, name) for each question: `loss`, `gradients` (every param that is updated; with no
    params, every leaf), `updated` (every param that is updated), `values` (every line but the
    output), or one quantity, `gradients:w5`."""
    lines = [line.name for line in problem.lines]
    every = {
        "loss": [problem.output],
        "values": [n for n in lines if n != problem.output],
        "gradients": problem.trainable or list(problem.leaves),
        "updated": problem.trainable,
    }
    known = {"loss": {problem.output}, "values": set(lines) | set(problem.leaves),
             "gradients": set(lines) | set(problem.leaves), "updated": set(problem.trainable)}
    out: list[tuple[str, str]] = []
    for item in ask:
        word, _, name = item.partition(":")
        kind = _KIND_WORDS.get(word.strip().lower())
        if kind is None:
            hint = did_you_mean(word, list(_KIND_WORDS)) or "ask for loss, values, gradients or updated"
            raise InputError(f"--ask: {word!r} is not something to ask", None, hint)
        if not name:
            if not every[kind]:
                raise InputError(f"--ask {kind}: {problem.file} has no params that a step updates", None,
                                 "ask for loss, gradients or values, or put the learnable leaves under params:")
            out += [(kind, n) for n in every[kind]]
            continue
        name = name.strip()
        if name not in known[kind]:
            hint = did_you_mean(name, sorted(known[kind])) or "names: " + ", ".join(sorted(known[kind]))
            raise InputError(f"--ask {kind}:{name}: no such name in {problem.file}", None, hint)
        out.append((kind, name))
    return tuple(dict.fromkeys(out))


def answer(solution: Solution, kind: str, name: str) -> float:
    if kind == "loss":
        return solution.loss
    if kind == "values":
        return solution.values[name]
    if kind == "gradients":
        return solution.gradients[name]
    assert solution.updated is not None
    return solution.updated[name]


# --- which draws are interesting -----------------------------------------------------------------------


def uninteresting(solution: Solution, questions: tuple[Asked, ...], settings: Settings) -> tuple[str, str] | None:
    """(the rule, why) when the variant breaks a rule the settings reject; else None."""
    s = settings.saturation
    for line in solution.problem.lines:
        e = line.expr
        if not isinstance(e, Call):
            continue
        v = solution.values[line.name]
        if "dead_relu" in settings.reject and e.fn == "relu" and v == 0:
            return "dead_relu", f"relu line {line.name} is 0: its input is not positive, so no gradient passes it"
        if "saturated" in settings.reject and (
                (e.fn == "sigmoid" and min(v, 1 - v) < s) or (e.fn == "tanh" and (1 - abs(v)) / 2 < s)):
            return "saturated", f"{e.fn} line {line.name} = {v:.4g} is saturated: its derivative is nearly 0"
    if "zero" in settings.reject:
        half = 0.5 * 10 ** -settings.places
        for q in questions:
            assert q.answer is not None
            size = abs(q.answer - solution.problem.params[q.name]) if q.kind == "updated" else abs(q.answer)
            if size < half:
                from ..render.feedback import question

                problem = solution.problem
                what = f"the update of {q.name}" if q.kind == "updated" else question(q.kind, q.name, problem.output,
                                                                                      problem)
                return "zero", f"{what} rounds to 0 at {settings.places} decimal places"
    return None


# --- drawing the variants ---------------------------------------------------------------------------------


def make(template: Template, settings: Settings) -> Kit:
    """`settings.size` interesting variants of the template (InputError when one cannot be found)."""
    from ..reading import load

    if not template.ranges and settings.size > 1:
        raise InputError(f"{template.file} marks no numbers to draw, so every variant would be the same",
                         None, "write a range where a number goes, e.g. w1: {between: [-1, 1], decimals: 2}; "
                         "bpcalc schema --variants describes ranges")
    variants: list[Variant] = []
    seen: set[tuple[str, ...]] = set()
    rejected: Counter[str] = Counter()
    wanted: tuple[tuple[str, str], ...] | None = None
    budget = MAX_DRAWS  # until the first draw is read: then from the problem's size
    drawn = 0
    for k in range(1, settings.size + 1):
        rng = random.Random(f"bpcalc variants {settings.seed} {k}")
        last = ""
        best: tuple[int, Variant] | None = None  # --distinct: the draw with the fewest chance collisions
        tried = 0
        for draw in range(1, MAX_DRAWS + 1):
            drawn += 1
            if drawn > budget and best is not None:  # --distinct: out of draws, the best one kept
                seen.add(best[1].numbers)
                variants.append(best[1]._replace(draws=draw))
                break
            if drawn > budget:
                raise InputError(f"variant {k}: no interesting draw within the {budget:,} draws a kit of "
                                 f"{template.file} may take (each reads and solves the problem again); the last was "
                                 f"redrawn because {last}", None, "widen the ranges in the file, make fewer variants, "
                                 "or redraw less: --reject with fewer rules (--reject none keeps every draw that can "
                                 "be computed)")
            numbers = tuple(template.draw(rng))
            if numbers in seen:
                rejected["duplicate"] += 1
                last = "it repeats an earlier variant"
                continue
            text = template.variant(list(numbers))
            problem = load(template.file, text=text)  # a mistake in the template: reported, not redrawn
            if wanted is None:
                problem.require_one_output("variants")
                wanted = asked(problem, settings.ask)
                size = sum(operations(line.expr) for line in problem.lines) + DRAW_OVERHEAD
                budget = max(2 * settings.size, DRAW_OPERATIONS // size)
            updating = any(kind == "updated" for kind, _ in wanted)
            try:
                solution = solve(problem, step=updating)
            except MathError as err:
                rejected["math"] += 1
                last = f"it cannot be computed: {err.message}"
                continue
            questions = tuple(Asked(kind, name, answer(solution, kind, name)) for kind, name in wanted)
            verdict = uninteresting(solution, questions, settings)
            if verdict is not None:
                rejected[verdict[0]] += 1
                last = verdict[1]
                continue
            found = Variant(k, text, numbers, problem, solution, questions, draw)
            if settings.distinct:
                from .distinct import collisions

                clash = tuple(collisions(problem, solution, questions, settings.places))
                found = found._replace(collisions=clash)
                chance = sum(not c.exact for c in clash)
                if best is None or chance < best[0]:
                    best = (chance, found)
                tried += 1
                if chance and tried < DISTINCT_TRIES:
                    rejected["collision"] += 1
                    last = "two mistakes give the same answers"
                    continue
                found = best[1]._replace(draws=draw)
            seen.add(found.numbers)
            variants.append(found)
            break
        else:
            if best is not None:
                seen.add(best[1].numbers)
                variants.append(best[1]._replace(draws=MAX_DRAWS))
                continue
            raise InputError(f"variant {k}: no interesting draw in {MAX_DRAWS} tries; the last was redrawn because "
                             f"{last}", None, "widen the ranges in the file, or redraw less: --reject with fewer "
                             "rules (--reject none keeps every draw that can be computed)")
    return Kit(template, settings, tuple(variants), rejected)


# --- what is written for each variant ---------------------------------------------------------------------


def worked(variant: Variant) -> Trace:
    """The variant's worked solution: `step` when an update is asked, else `grad`."""
    from ..trace import build

    command = "step" if any(q.kind == "updated" for q in variant.questions) else "grad"
    return build(variant.solution, command)


def sheet(variant: Variant, places: int, questions: tuple[Asked, ...] | None = None,
          label: str | None = None, solved: Trace | None = None) -> Trace:
    """A student's sheet: the given numbers, the computation, the questions (no answers); with a
    `label`, how to name the variant in an answers file for `bpcalc check`.  `solved`: the
    variant's worked solution, when it is made already (it is made once per variant)."""
    solved = solved or worked(variant)
    lines = tuple((line.name, line.expr) for line in variant.problem.lines)
    asked_here = tuple(q._replace(answer=None) for q in (questions or variant.questions))
    steps = (solved.steps[0], Statement(lines), Questions(variant.problem.output, asked_here, places, label))
    return solved._replace(steps=steps)


def key(variant: Variant, places: int, solved: Trace | None = None) -> Trace:
    """The answer key: the answers, then the worked solution they come from."""
    solved = solved or worked(variant)
    return solved._replace(steps=(Questions(variant.problem.output, variant.questions, places), *solved.steps))


def marking(variant: Variant, places: int) -> str:
    """The `check:` section a variant's problem file ends with: the precision its sheet asks for, so
    a sheet answered as asked is never imprecise (a template's own `check:` is kept as it is)."""
    if variant.problem.check:
        return ""
    return (f"\n# bpcalc check marks this variant's answers as its sheet asks: to {places} decimal places\n"
            f"check: {{decimals: {places}}}\n")


def scheme(kit: Kit) -> Scheme:
    """The marking scheme `bpcalc check` marks every variant's answers by: the template's own
    `check:` section, else the precision the sheets ask for (`decimals: --places`)."""
    from ..check.policy import Scheme

    return Scheme().merged(kit.variants[0].problem.check or {"decimals": kit.settings.places})


class Margin(NamedTuple):
    """The ± a numerical question on a platform gives an answer (Moodle, Canvas: a fixed number
    and a margin): an absolute one, a share of the answer, or one unit in a significant digit."""

    tol: float | None = None
    rel: float | None = None
    sig: int | None = None
    places: int = 4  # an answer of 0 asked to significant digits: one unit in this decimal place
    unit: bool = False  # `tol` is one unit in the last decimal place the sheet asks for, not the teacher's own

    def of(self, answer: float) -> float:
        if self.tol is not None:
            return self.tol
        if self.rel is not None:
            return self.rel * abs(answer)
        if answer == 0 or not math.isfinite(answer):
            return 10.0 ** -self.places
        return 10.0 ** (math.floor(math.log10(abs(answer))) - (self.sig or 3) + 1)

    def said(self) -> str:
        """The margin in words: ±0.0001, ±0.01 of each answer, ±1 in each answer's 3rd significant digit."""
        if self.tol is not None:
            return f"±{self.tol:g}"
        if self.rel is not None:
            return f"±{self.rel:g} of each answer"
        n = self.sig or 3
        return f"±1 in each answer's {n}{'st' if n == 1 else 'nd' if n == 2 else 'rd' if n == 3 else 'th'} " \
               "significant digit"


def margin(kit: Kit, given: float | None = None) -> Margin:
    """A numerical question's margin: `given` (`--tol`), else the marking scheme's own — its `tol`;
    its `rel` of each answer; one unit in the last place its `decimals` (by default the sheet's
    --places) or its significant digits ask for."""
    if given is not None:
        return Margin(tol=given)
    s = scheme(kit)
    if s.tol is not None:
        return Margin(tol=s.tol)
    if s.rel is not None:
        return Margin(rel=s.rel)
    if s.decimals is not None:
        return Margin(tol=10.0 ** -s.decimals, unit=True)
    from .. import defaults

    return Margin(sig=s.sig or defaults.SIG, places=kit.settings.places)


def answers_file(variant: Variant, title: str, label: str | None = None) -> str:
    """The answers in the shape `bpcalc check` reads (docs/checking.md): loss, values, gradients, updated;
    `variant:` names the variant, so a class folder is graded against the folder of variants."""
    from ..markup import yaml_comment

    out = [f"# {yaml_comment(title)}: the answers, full precision (bpcalc check problem.yaml answers.yaml)"]
    if label is not None:
        out.append(f"variant: {label}")
    for kind in KINDS:
        items = [q for q in variant.questions if q.kind == kind]
        if not items:
            continue
        if kind == "loss":
            out.append(f"loss: {yaml_number(items[0].answer)}")
            continue
        out.append(f"{kind}:")
        out += [f"  {yaml_key(q.name)}: {yaml_number(q.answer)}" for q in items]
    return "\n".join(out) + "\n"


def yaml_number(x: float | None) -> str:
    """A float as YAML reads it back exactly (a YAML 1.1 reader needs the point in 1.0e-05)."""
    text = repr(float(x if x is not None else 0.0))
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text


def yaml_key(name: str) -> str:
    import json

    return name if name.replace("_", "a").isalnum() else json.dumps(name)
