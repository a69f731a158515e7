"""Grading: each answer against the computed value to the precision it was written with; a wrong
one against every common mistake; work that is right given the student's own earlier numbers
marked follow-on (error carried forward: a slip is penalised once).

    Checker(problem).grade(answers_file, answers) -> Grading      one student
    summarise(checker, gradings) -> ClassGrading                   a class: per question, the
                                                                   share right, the commonest mistake
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from ..engine import Config, Solution, solve
from ..errors import BpcalcError
from ..problem import Problem
from ..trace.builder import backward_order
from ..trace.steps import ClassGrading, Graded, Grading, Mistake, Question
from .answers import Answer, agrees
from .mistakes import Variant, variants


def quantity(solution: Solution, problem: Problem, kind: str, name: str) -> float:
    """The number an answer of this kind and name stands for, in a solution."""
    if kind in ("values", "loss"):
        return solution.values[name]
    if kind == "gradients":
        return solution.gradients[name]
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
                 tol: float | None = None, rel: float | None = None):
        self.problem, self.round, self.lr, self.tol, self.rel = problem, round, lr, tol, rel
        self.textbook = solve(problem, round=round, lr=lr, step=bool(problem.trainable))
        self._variants: list[Variant] | None = None
        names = [*problem.leaves, *(line.name for line in problem.lines)]
        self.forward_rank = {n: i for i, n in enumerate(names)}
        self.backward_rank = {n: i for i, n in enumerate(backward_order(self.textbook))}
        self._pinned: dict[tuple[tuple[str, str, float], ...], Solution | None] = {}

    @property
    def variants(self) -> list[Variant]:
        if self._variants is None:
            self._variants = variants(self.problem, self.round, self.lr)
        return self._variants

    def order(self, answer: Answer) -> tuple[int, int]:
        return self.rank(answer.kind, answer.name)

    def rank(self, kind: str, name: str) -> tuple[int, int]:
        """Where an answer comes in the computation: values, then the backward pass, then updates."""
        if kind in ("values", "loss"):
            return (0, self.forward_rank[name])
        if kind == "local":
            return (1, 2 * self.backward_rank[name.split("|")[1]] - 1)
        if kind == "gradients":
            return (1, 2 * self.backward_rank[name])
        if kind == "updated":
            return (2, list(self.problem.params).index(name))
        return (3, 0)

    def agrees(self, true: float, answer: Answer) -> bool:
        if self.tol is not None:
            return agrees(true, answer, self.tol)
        if self.rel is not None:
            return agrees(true, answer, self.rel * abs(true))
        return agrees(true, answer)

    @property
    def rule(self) -> tuple[str, float | None]:
        if self.tol is not None:
            return ("tol", self.tol)
        if self.rel is not None:
            return ("rel", self.rel)
        return ("written", None)

    def grade(self, answers_file: str, answers: list[Answer]) -> Grading:
        """Each answer in the order of the computation: right, follow-on (right from the student's
        own earlier wrong numbers), or wrong with every common mistake that gives it."""
        ordered = sorted(answers, key=self.order)
        results: list[Graded] = []
        earlier: list[Answer] = []  # the answers so far that are not right
        for answer in ordered:
            computed = quantity(self.textbook, self.problem, answer.kind, answer.name)
            base = Graded(answer.kind, answer.name, answer.text, answer.value, computed, "right")
            if self.agrees(computed, answer):
                results.append(base)
                continue
            carried = self._follow_on(answer, earlier)
            if carried is not None:
                # the earlier answers it rests on: those without which the value changes
                used = [a for a in earlier if self._pinned_value(answer, [b for b in earlier if b is not a]) != carried]
                results.append(base._replace(status="follow_on", follow_on_value=carried,
                                             follows_from=tuple((a.kind, a.name) for a in used or earlier)))
            else:
                results.append(base._replace(status="wrong", mistakes=self.diagnose(answer)))
            earlier.append(answer)
        return Grading(self.problem.output, answers_file, tuple(results), self.rule)

    def diagnose(self, answer: Answer) -> tuple[Mistake, ...]:
        """Every mistake whose whole computation gives the student's number, at the student's
        precision (never asked of a right answer)."""
        found: list[Mistake] = []
        for v in self.variants:
            try:
                value = quantity(v.solution, self.problem, answer.kind, answer.name)
            except KeyError:
                continue
            if value == value and self.agrees(value, answer) and not any(
                    f.code == v.code and f.words == v.words for f in found):
                found.append(Mistake(v.code, v.words, value))
        return tuple(found)

    def _follow_on(self, answer: Answer, earlier: list[Answer]) -> float | None:
        """What the student's own earlier (wrong) numbers give for this answer, when it agrees."""
        if not earlier:
            return None
        value = self._pinned_value(answer, earlier)
        return value if value is not None and self.agrees(value, answer) else None

    def _pinned_value(self, answer: Answer, earlier: list[Answer]) -> float | None:
        """The answer's quantity computed with the earlier answers' numbers in place of the true ones."""
        pins = tuple(sorted((a.kind, a.name, a.value) for a in earlier))
        if pins not in self._pinned:
            self._pinned[pins] = self._solve_pinned(earlier)
        solution = self._pinned[pins]
        if solution is None:
            return None
        try:
            value = quantity(solution, self.problem, answer.kind, answer.name)
        except KeyError:
            return None
        return value if value == value else None

    def _solve_pinned(self, earlier: list[Answer]) -> Solution | None:
        values: dict[str, float] = {}
        gradients: dict[str, float] = {}
        edges: dict[tuple[str, str], float] = {}
        updated: dict[str, float] = {}
        for a in earlier:
            if a.kind in ("values", "loss"):
                values[a.name] = a.value
            elif a.kind == "gradients":
                gradients[a.name] = a.value
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


def summarise(checker: Checker, gradings: list[Grading]) -> ClassGrading:
    """Per question (in the order of the computation), how many answered it, how many earned its
    credit, and the mistake most of the others made."""
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
            if r.status != "wrong":
                credited[q] += 1
            for m in r.mistakes:
                words.setdefault(m.code, m.words)
            for code in dict.fromkeys(m.code for m in r.mistakes):
                mistakes.setdefault(q, Counter())[code] += 1
    questions = []
    for q in sorted(asked, key=lambda q: checker.rank(*q)):
        common = mistakes.get(q, Counter()).most_common(1)
        key = Graded(q[0], q[1], "", 0.0, 0.0, "").key
        questions.append(Question(q[0], q[1], key, answered[q], credited[q],
                                  (common[0][0], words[common[0][0]], common[0][1]) if common else None))
    return ClassGrading(checker.problem.output, tuple(gradings), tuple(questions))
