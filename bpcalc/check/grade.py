"""Grading: each answer against the computed value under the marking scheme (policy.py); work that
is right given the student's own earlier numbers marked follow-on (error carried forward: a slip is
penalised once); and every wrong answer diagnosed against the whole sheet.

    Checker(problem, scheme=Scheme()).grade(answers_file, sheet) -> Grading     one student
    summarise(checker, gradings) -> ClassGrading                                 a class

A mistake (check/mistakes.py) is named for an answer only when the rest of the sheet does not
contradict it — no answer the student got right would be wrong under it — and the mistakes are
ranked by how many of the sheet's wrong answers each one gives.  Pairs of mistakes are tried too,
and when one procedure gives every wrong number the report says so once.  Every variant is solved
once per problem (a class shares them); what a sheet adds is comparisons, and the solves of its
own earlier numbers for follow-on work.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from ..engine import Config, Solution, solve
from ..errors import BpcalcError
from ..problem import Problem
from ..trace.builder import backward_order
from ..trace.steps import ClassGrading, Graded, Grading, Mistake, Question
from .answers import Answer, Sheet
from .mistakes import Variant, variants
from .policy import Scheme

#: the mistakes tried in pairs: the best of the single ones
PAIRED = 8


def quantity(solution: Solution, problem: Problem, kind: str, name: str, delta_sign: int = 1) -> float:
    """The number an answer of this kind and name stands for, in a solution."""
    if kind in ("values", "loss"):
        return solution.values[name]
    if kind == "gradients":
        return solution.gradients[name]
    if kind == "delta":
        return delta_sign * solution.gradients[name]
    if kind == "local":
        of, wrt = name.split("|")
        return dict(solution.local[of])[wrt]
    if kind == "updated":
        return (solution.updated or {}).get(name, problem.params[name])
    if kind == "loss_after":
        return solution.loss_after if solution.loss_after is not None else float("nan")
    raise KeyError(kind)


class Checker:
    """One problem's textbook solution and mistaken variants, made once for a whole class."""

    def __init__(self, problem: Problem, round: int | None = None, lr: float | None = None,
                 scheme: Scheme | None = None):
        self.problem, self.round, self.lr = problem, round, lr
        self.scheme = scheme or Scheme()
        self.textbook = solve(problem, round=round, lr=lr, step=bool(problem.trainable))
        self._variants: list[tuple[Variant, Solution]] | None = None
        self._pairs: dict[tuple[int, int], Solution | None] = {}
        names = [*problem.leaves, *(line.name for line in problem.lines)]
        self.forward_rank = {n: i for i, n in enumerate(names)}
        self.backward_rank = {n: i for i, n in enumerate(backward_order(self.textbook))}
        self._pinned: dict[tuple[tuple[str, str, float], ...], Solution | None] = {}

    @property
    def variants(self) -> list[tuple[Variant, Solution]]:
        if self._variants is None:
            self._variants = list(variants(self.problem, self.round, self.lr, self.textbook))
        return self._variants

    def order(self, answer: Answer) -> tuple[int, int]:
        return self.rank(answer.kind, answer.name)

    def rank(self, kind: str, name: str) -> tuple[int, int]:
        """Where an answer comes in the computation: values, then the backward pass, then updates."""
        if kind in ("values", "loss"):
            return (0, self.forward_rank[name])
        if kind == "local":
            return (1, 2 * self.backward_rank[name.split("|")[1]] - 1)
        if kind in ("gradients", "delta"):
            return (1, 2 * self.backward_rank[name])
        if kind == "updated":
            return (2, list(self.problem.params).index(name))
        return (3, 0)

    def quantity(self, solution: Solution, answer: Answer, delta_sign: int = 1) -> float:
        return quantity(solution, self.problem, answer.kind, answer.name, delta_sign * self.scheme.delta_sign)

    def key(self, answer: Answer) -> str:
        """The answer's question: gradients.w5, local.out_o1/net_o1, loss (a scheme's weights name these)."""
        if answer.kind in ("loss", "loss_after"):
            return answer.kind
        return f"{answer.kind}.{answer.name.replace('|', '/')}"

    def old(self, answer: Answer) -> float | None:
        """An updated param's value before the step."""
        return self.problem.params[answer.name] if answer.kind == "updated" else None

    # --- one sheet ---------------------------------------------------------------------------------------

    def grade(self, answers_file: str, sheet: Sheet) -> Grading:
        """Each answer in the order of the computation: right, imprecise, follow-on (right from the
        student's own earlier wrong numbers), or wrong with the mistakes that give it."""
        scheme = self.scheme
        ordered = sorted(sheet.answers, key=self.order)
        results: list[Graded] = []
        earlier: list[Answer] = []  # the answers so far that are not right
        for answer in ordered:
            computed = self.quantity(self.textbook, answer)
            verdict = scheme.judge(computed, answer.written, self.old(answer))
            base = Graded(answer.kind, answer.name, answer.text, answer.value, computed, verdict,
                          weight=scheme.weight(self.key(answer)), note=answer.note)
            if verdict in ("right", "imprecise"):
                results.append(base._replace(credit=scheme.credit(verdict)))
                continue
            carried = self._follow_on(answer, earlier)
            if carried is not None:
                value, status = carried
                used = self._depends_on(answer, earlier, value)
                results.append(base._replace(status=status, follow_on_value=value, credit=scheme.credit(status),
                                             follows_from=tuple((a.kind, a.name) for a in used)))
            elif verdict == "not_updated":  # the old value, where the student's own numbers do not give it
                results.append(base._replace(status="wrong", mistakes=(Mistake(
                    "not_updated", "the param written as it was before the step (no change shown)",
                    self.old(answer) or 0.0),)))
            else:
                results.append(base._replace(status="wrong"))
            earlier.append(answer)
        procedure = None
        if scheme.diagnosis:
            results, procedure = self._diagnose(ordered, results)
        first = next((a for a in ordered), None)
        example = None
        if first is not None:
            example = (self.key(first), first.text, results[0].status)
        message, values = scheme.describe()
        return Grading(self.problem.output, answers_file, tuple(results), (message, tuple(values.items())),
                       unreadable=tuple((u.key, u.message + (f" ({u.hint})" if u.hint else ""))
                                        for u in sheet.unreadable), procedure=procedure, example=example)

    # --- the whole sheet's diagnosis ---------------------------------------------------------------------

    def _diagnose(self, answers: list[Answer], results: list[Graded]) -> tuple[list[Graded], Mistake | None]:
        """Each wrong answer's mistakes: those the rest of the sheet does not contradict, ranked by
        how many of the sheet's wrong answers they give; pairs of mistakes tried where no single one
        gives them all."""
        # an answer the textbook's own number agrees with at its precision (an update written as its
        # old value) is wrong for that alone: no mistake of computation explains it
        wrong = [i for i, r in enumerate(results) if r.status == "wrong" and not self._agrees(
            self._value(self.textbook, answers[i]), answers[i])]
        if not wrong:
            return results, None
        kept = [i for i, r in enumerate(results) if r.status in ("right", "imprecise")]
        found: list[tuple[frozenset[int], Variant, dict[int, float], tuple[str, ...]]] = []
        for variant, solution in self.variants:
            gives = self._gives(answers, variant, solution, wrong)
            if gives and self._consistent(answers, _checked(variant, kept, gives), variant, solution):
                found.append((frozenset(gives), variant, gives, ()))
        best = max((len(f[0]) for f in found), default=0)
        if best < len(wrong) and len(wrong) > 1:
            found += self._pairs_found(answers, wrong, kept, best)
        found.sort(key=lambda f: (-len(f[0]), _breadth(f[1])))
        procedure = None
        out = list(results)
        for i in wrong:
            mistakes: list[Mistake] = []
            seen: set[tuple[str, str, tuple[str, ...]]] = set()
            # the same mistake in a narrower scope giving the same answers says nothing more
            scoped: set[tuple[str, frozenset[int], tuple[str, ...]]] = set()
            for given, variant, values, also in found:
                if i not in given:
                    continue
                mistake = Mistake(variant.code, variant.words, values[i], variant.params,
                                  (variant.scope.kind, variant.scope.where), len(given), also)
                said = (variant.code, variant.words.format(**dict(variant.params)), also)
                if said not in seen and (variant.code, given, also) not in scoped:
                    seen.add(said)
                    scoped.add((variant.code, given, also))
                    mistakes.append(mistake)
            out[i] = out[i]._replace(mistakes=(*out[i].mistakes, *mistakes))  # (after not_updated, if it is)
        if found and len(found[0][0]) == len(wrong) and len(wrong) > 1:
            given, variant, _, also = found[0]
            procedure = Mistake(variant.code, variant.words, 0.0, variant.params,
                                (variant.scope.kind, variant.scope.where), len(given), also)
        return out, procedure

    def _gives(self, answers: list[Answer], variant: Variant, solution: Solution, wrong: list[int]
               ) -> dict[int, float]:
        """The wrong answers a variant gives, with the number it gives each."""
        gives: dict[int, float] = {}
        for i in wrong:
            value = self._value(solution, answers[i], variant.delta_sign)
            if value is not None and self.scheme.agrees(value, answers[i].written):
                gives[i] = value
        return gives

    def _agrees(self, value: float | None, answer: Answer) -> bool:
        return value is not None and self.scheme.agrees(value, answer.written)

    def _consistent(self, answers: list[Answer], kept: list[int], variant: Variant, solution: Solution) -> bool:
        """No answer the student got right would be wrong under the variant."""
        for i in kept:
            value = self._value(solution, answers[i], variant.delta_sign)
            if value is None or not self.scheme.agrees(value, answers[i].written):
                return False
        return True

    def _value(self, solution: Solution, answer: Answer, delta_sign: int = 1) -> float | None:
        try:
            value = self.quantity(solution, answer, delta_sign)
        except KeyError:
            return None
        return value if value == value else None

    def _pairs_found(self, answers: list[Answer], wrong: list[int], kept: list[int], best: int
                     ) -> list[tuple[frozenset[int], Variant, dict[int, float], tuple[str, ...]]]:
        """Pairs of the mistakes that give most of the wrong answers (consistent or not on their
        own), kept when together they give more than any one and contradict nothing."""
        scored = []
        alone: dict[int, set[int]] = {}
        for k, (variant, solution) in enumerate(self.variants):
            gives = self._gives(answers, variant, solution, wrong)
            if gives:
                scored.append((len(gives), k))
                alone[k] = set(gives)
        scored.sort(key=lambda s: -s[0])
        top = [k for _, k in scored[:PAIRED]]
        # each paired with those, or with a method (a mistake made everywhere) that gives nothing alone
        partners = list(dict.fromkeys([*top, *(k for k, (v, _) in enumerate(self.variants)
                                                if v.scope.kind == "everywhere")]))
        found: list[tuple[frozenset[int], Variant, dict[int, float], tuple[str, ...]]] = []
        for a in top:
            for b in partners:
                va, vb = self.variants[a][0], self.variants[b][0]
                if va.code == vb.code or (b in top and b <= a):
                    continue
                both = self._pair(a, b)
                if both is None:
                    continue
                joined = va._replace(config=Config())
                gives = self._gives(answers, joined, both, wrong)
                # a pair is a procedure only where it gives a number neither mistake gives alone, or all of them
                together = set(gives) - alone[a] - alone.get(b, set())
                if (together or len(gives) == len(wrong)) and len(gives) > best and \
                        self._consistent(answers, kept, joined, both):
                    found.append((frozenset(gives), va, gives, (vb.code,)))
        return found

    def _pair(self, a: int, b: int) -> Solution | None:
        """Two variants made together (solved once per problem)."""
        if (a, b) not in self._pairs:
            config = merged(self.variants[a][0].config, self.variants[b][0].config)
            solution = None
            if config is not None:
                try:
                    solution = solve(self.problem, round=self.round, lr=self.lr, step=bool(self.problem.trainable),
                                     config=config)
                except (BpcalcError, ArithmeticError, ValueError, KeyError):
                    solution = None
            self._pairs[(a, b)] = solution
        return self._pairs[(a, b)]

    # --- follow-on work ----------------------------------------------------------------------------------

    def _follow_on(self, answer: Answer, earlier: list[Answer]) -> tuple[float, str] | None:
        """What the student's own earlier (wrong) numbers give for this answer, and the verdict on
        it (follow_on, or imprecise when right but short of the digits required)."""
        if not earlier:
            return None
        value = self._pinned_value(answer, earlier)
        if value is None or value == self.quantity(self.textbook, answer):  # nothing of theirs changes it
            return None
        verdict = self.scheme.judge(value, answer.written, self.old(answer))
        if verdict == "right":
            return value, "follow_on"
        if verdict == "imprecise":
            return value, "imprecise"
        return None

    def _depends_on(self, answer: Answer, earlier: list[Answer], value: float) -> list[Answer]:
        """The earlier answers whose value changes this one: each moved a little, the rest kept."""
        used = []
        for a in earlier:
            moved = a._replace(value=a.value * (1 + 1e-3) + 1e-6)
            if self._pinned_value(answer, [moved if b is a else b for b in earlier]) != value:
                used.append(a)
        return used

    def _pinned_value(self, answer: Answer, earlier: list[Answer]) -> float | None:
        """The answer's quantity computed with the earlier answers' numbers in place of the true ones."""
        pins = tuple(sorted((a.kind, a.name, a.value) for a in earlier))
        if pins not in self._pinned:
            self._pinned[pins] = self._solve_pinned(earlier)
        solution = self._pinned[pins]
        if solution is None:
            return None
        return self._value(solution, answer)

    def _solve_pinned(self, earlier: list[Answer]) -> Solution | None:
        values: dict[str, float] = {}
        gradients: dict[str, float] = {}
        edges: dict[tuple[str, str], float] = {}
        updated: dict[str, float] = {}
        sign = self.scheme.delta_sign
        for a in earlier:
            if a.kind in ("values", "loss"):
                values[a.name] = a.value
            elif a.kind == "gradients":
                gradients[a.name] = a.value
            elif a.kind == "delta":
                gradients[a.name] = sign * a.value
            elif a.kind == "local":
                of, wrt = a.name.split("|")
                edges[(of, wrt)] = a.value
            elif a.kind == "updated":
                updated[a.name] = a.value
        try:
            solution = solve(self.problem, round=self.round, lr=self.lr, step=bool(self.problem.trainable),
                             config=Config(pins=values, gradient_pins=gradients, edges=edges))
            if updated and solution.updated is not None:  # the loss after the student's own updated params
                moved = dataclasses.replace(self.problem,
                                            params={**self.problem.params, **solution.updated, **updated})
                solution.after = solve(moved, round=self.round, lr=self.lr)
            return solution
        except (BpcalcError, ArithmeticError, ValueError):
            return None


def _checked(variant: Variant, kept: list[int], gives: dict[int, float]) -> list[int]:
    """The right answers a variant must not contradict: all of them, or for a slip in one line (one
    answer's own computation) those computed before the first answer it gives — the student may have
    worked what comes after from a right number again (the answers are in the computation's order)."""
    if variant.scope.kind != "line":
        return kept
    first = min(gives)
    return [i for i in kept if i < first]


def _breadth(variant: Variant) -> int:
    """Broader scopes first, where two mistakes give as many answers: a method before a slip."""
    return {"everywhere": 0, "sample": 1, "output": 2, "line": 3}.get(variant.scope.kind, 4)


def merged(a: Config, b: Config) -> Config | None:
    """Two variants' configurations made together, or None where they change the same thing."""
    if (a.partials and b.partials) or (a.update and b.update) or (a.lines.keys() & b.lines.keys()) or (
            a.edges.keys() & b.edges.keys()) or (a.round is not None and b.round is not None):
        return None
    scales = dict(a.edge_scales)
    for key, factor in b.edge_scales.items():
        scales[key] = scales.get(key, 1.0) * factor
    partials, at = (a.partials, a.at) if a.partials else (b.partials, b.at)
    update, update_at = (a.update, a.update_at) if a.update else (b.update, b.update_at)
    return Config(partials=partials, at=at, edges={**a.edges, **b.edges}, edge_scales=scales, update=update,
                  update_at=update_at, round=a.round if a.round is not None else b.round, frozen=a.frozen | b.frozen,
                  lines={**a.lines, **b.lines})


def summarise(checker: Checker, gradings: Sequence[Grading]) -> ClassGrading:
    """Per question (in the order of the computation), how many answered it, how many earned its
    credit, and the mistake most of the others made (each sheet's best diagnosis)."""
    asked: set[tuple[str, str]] = set()
    answered: Counter[tuple[str, str]] = Counter()
    credited: Counter[tuple[str, str]] = Counter()
    mistakes: dict[tuple[str, str], Counter[str]] = {}
    words: dict[str, str] = {}
    for grading in gradings:
        for r in grading.results:
            q = (r.kind, r.name)
            asked.add(q)
            answered[q] += 1
            if r.status in ("right", "follow_on"):
                credited[q] += 1
            if r.mistakes:
                best = r.mistakes[0]
                words.setdefault(best.code, best.words.format(**dict(best.params)))
                mistakes.setdefault(q, Counter())[best.code] += 1
    questions = []
    for q in sorted(asked, key=lambda q: checker.rank(*q)):
        common = mistakes.get(q, Counter()).most_common(1)
        key = Graded(q[0], q[1], "", 0.0, 0.0, "").key
        questions.append(Question(q[0], q[1], key, answered[q], credited[q],
                                  (common[0][0], words[common[0][0]], common[0][1]) if common else None))
    return ClassGrading(checker.problem.output, tuple(gradings), tuple(questions))
