"""What each catalogued mistake gives for a variant's questions, at the asked precision — the wrong
options of a multiple-choice question, the named wrong answers of a Moodle numerical or Cloze
question, and `variants --distinct`: numbers drawn so that every mistake's answers differ.

The mistakes are check's (check/mistakes.py), each made through the engine's configuration in every
scope it can be made in, so a mistake's number is what a student who made it would get.  A
mistake's *answer sheet* is every asked answer as it gives them.  Two mistakes of different codes
*collide* when their sheets are the same at the asked decimal places (and a mistake *hides* when
its sheet is the right one): `bpcalc check` then cannot tell which one a student made.  A
collision is *exact* when the two sheets are the same computation for any numbers drawn — with
η = 0.5, and only updates asked, η left out (θ − ∂E/∂θ) is the gradient doubled (θ − 0.5·2·∂E/∂θ)
— and no draw avoids it; any other is chance, and `--distinct` draws again (docs/course-kit.md).

One answer alone cannot always name its mistake at 4 decimal places: a hidden layer's gradient of
0.0004 leaves a few units for a dozen mistakes to differ in.  The whole sheet does, as check reads it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..engine import Solution
    from ..problem import Problem
    from ..trace.steps import Asked

#: the scopes, broadest first: a mistake of method before a slip in one line
_BREADTH = {"everywhere": 0, "sample": 1, "output": 2, "line": 3}


class Wrong(NamedTuple):
    """A catalogued mistake's number for one question."""

    code: str
    words: str  # its words, placeholders filled (English: the catalogue's key)
    value: float
    scope: str  # everywhere, sample, output or line


class Mistaken(NamedTuple):
    """A catalogued mistake's answers to every question of a variant: its own answer sheet."""

    code: str
    words: str
    scope: str
    values: tuple[float, ...]  # one per question, in the questions' order


class Collision(NamedTuple):
    """Two mistakes of different codes whose answer sheets are the same at the asked precision, or
    one whose sheet is the right one (`second` None): a sheet made with it cannot name it."""

    first: Mistaken
    second: Mistaken | None
    exact: bool  # the same numbers whatever is drawn: no draw avoids it
    zero: str = ""  # `second` None: the question the mistake's answer to rounds to 0 (check names no mistake of a 0)

    def said(self, problem: Problem, places: int) -> str:
        """Which mistakes collide, and why."""
        a = f"{self.first.code} ({self.first.words})"
        if self.second is None and self.zero:
            return f"{a} gives 0 at {places} decimal places for {self.zero}, which names no mistake"
        if self.second is None:
            return f"{a} gives every asked answer right at {places} decimal places: it changes them less than that"
        b = f"{self.second.code} ({self.second.words})"
        why = _why(self, problem) if self.exact else f"by chance, at {places} decimal places"
        return f"{a} and {b} give the same answers: {why}"


def _why(c: Collision, problem: Problem) -> str:
    assert c.second is not None
    codes = {c.first.code, c.second.code}
    lr = problem.lr if problem.lr is not None else 0.5
    if codes == {"missing_lr", "factor_2"} and math.isclose(lr, 0.5):
        return "η = 0.5 makes η left out (θ − ∂E/∂θ) equal the gradient doubled (θ − 0.5·2·∂E/∂θ)"
    if codes == {"lr_twice", "factor_2"} and math.isclose(lr, 0.5):
        return "η = 0.5 makes η applied twice (θ − η²·∂E/∂θ) equal the gradient halved (θ − 0.5·½·∂E/∂θ)"
    if codes == {"sign", "update_added"}:
        return "a gradient of the wrong sign, subtracted, is the update added: θ − η·(−∂E/∂θ) = θ + η·∂E/∂θ"
    return "the two computations give the same numbers whatever numbers are drawn"


def _key(x: float, places: int) -> int:
    """The answer at the asked decimal places (rounded as a person does, as the sheets write it),
    as a whole number of units."""
    from ..numbers import round_half_up

    return int(round(round_half_up(x, places) * 10**places))


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def wrong_answers(problem: Problem, solution: Solution, questions: tuple[Asked, ...], places: int
                  ) -> dict[tuple[str, str], list[Wrong]]:
    """For each question, every catalogued mistake that changes its answer, with its number: the
    mistakes of method first (broadest scope), then slips in one line.  A rounding of the
    intermediates to `places` decimals or finer is no mistake at the asked precision, and is left
    out."""
    from ..check.grade import quantity
    from ..check.mistakes import variants

    found: dict[tuple[str, str], list[Wrong]] = {(q.kind, q.name): [] for q in questions}
    made = sorted(variants(problem, None, None, solution), key=lambda vs: _BREADTH.get(vs[0].scope.kind, 4))
    for variant, wrong in made:
        params = dict(variant.params)
        if variant.code == "rounded_intermediates" and int(params.get("n", "0")) >= places:
            continue
        words = variant.words.format(**params) if params else variant.words
        for q in questions:
            right = quantity(solution, problem, q.kind, q.name)
            try:
                value = quantity(wrong, problem, q.kind, q.name, variant.delta_sign)
            except KeyError:
                continue
            if not math.isfinite(value) or _same(value, right):
                continue
            found[(q.kind, q.name)].append(Wrong(variant.code, words, value, variant.scope.kind))
    return found


def mistaken(problem: Problem, solution: Solution, questions: tuple[Asked, ...], places: int) -> list[Mistaken]:
    """Every catalogued mistake's answer sheet, mistakes of method first; a mistake that changes
    no asked answer is left out, and so is a rounding of the intermediates to `places` decimals or
    finer (no mistake at the asked precision)."""
    from ..check.grade import quantity
    from ..check.mistakes import variants

    right = [quantity(solution, problem, q.kind, q.name) for q in questions]
    out: list[Mistaken] = []
    made = sorted(variants(problem, None, None, solution), key=lambda vs: _BREADTH.get(vs[0].scope.kind, 4))
    for variant, wrong in made:
        params = dict(variant.params)
        if variant.code == "rounded_intermediates" and int(params.get("n", "0")) >= places:
            continue
        try:
            values = tuple(quantity(wrong, problem, q.kind, q.name, variant.delta_sign) for q in questions)
        except KeyError:
            continue
        if not all(math.isfinite(v) for v in values) or all(_same(v, r) for v, r in zip(values, right)):
            continue
        words = variant.words.format(**params) if params else variant.words
        out.append(Mistaken(variant.code, words, variant.scope.kind, values))
    return out


def collisions(problem: Problem, solution: Solution, questions: tuple[Asked, ...], places: int,
               sheets: list[Mistaken] | None = None) -> list[Collision]:
    """The mistakes whose answer sheets cannot name them at `places` decimals: one whose sheet is
    the right one, and two of different codes whose sheets are the same (each pair of codes once)."""
    from ..check.grade import quantity

    sheets = sheets if sheets is not None else mistaken(problem, solution, questions, places)
    exact_right = [quantity(solution, problem, q.kind, q.name) for q in questions]
    right = tuple(_key(x, places) for x in exact_right)
    out: list[Collision] = []
    by_key: dict[tuple[int, ...], Mistaken] = {}
    seen: set[tuple[str, ...]] = set()
    from ..render.feedback import question

    for m in sheets:
        key = tuple(_key(v, places) for v in m.values)
        zero = next((q for q, k, r, v, exact in zip(questions, key, right, m.values, exact_right)
                     if k == 0 and r != 0 and not _same(v, exact)), None)
        if zero is not None and ("zero", m.code) not in seen:
            seen.add(("zero", m.code))
            out.append(Collision(m, None, False, question(zero.kind, zero.name, problem.output, problem)))
        if key == right:
            if ("right", m.code) not in seen:
                seen.add(("right", m.code))
                out.append(Collision(m, None, False))
            continue
        other = by_key.setdefault(key, m)
        pair = tuple(sorted((other.code, m.code)))
        if other.code == m.code or pair in seen:
            continue
        seen.add(pair)
        out.append(Collision(other, m, all(_same(a, b) for a, b in zip(other.values, m.values))))
    return out


def options(found: list[Wrong], right: float, places: int, most: int) -> list[Wrong]:
    """The wrong options of a question: each a different answer at `places` decimals (and not the
    right one), the first mistake that gives it, at most `most` of them, methods before slips."""
    taken = {_key(right, places)}
    out: list[Wrong] = []
    for w in found:
        key = _key(w.value, places)
        if key in taken:
            continue
        taken.add(key)
        out.append(w)
        if len(out) == most:
            break
    return out


__all__ = ["Collision", "Mistaken", "Wrong", "collisions", "mistaken", "options", "wrong_answers"]
