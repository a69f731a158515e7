"""A graded answer said in plain text, for a course platform: the question's name as a person
writes it (∂E_total/∂w5, the loss E_total, w5 after one SGD step) and the verdict on an answer
(right; follow-on from your own ∂E_total/∂w5; the digits short; wrong, with the mistakes that give
it) — what Gradescope's results.json, PrairieLearn's partial scores and Moodle's questions show
(docs/course-kit.md).  Plain text: each platform writes it as its format escapes text
(bpcalc/markup.py), never as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..trace.steps import Mistake
from .printers import Printer, printer_for

if TYPE_CHECKING:
    from ..problem import Problem
    from ..trace.steps import Graded, Grading


def _printer() -> Printer:
    return printer_for("text", 9)


def quantity(kind: str, name: str, output: str) -> str:
    """The quantity alone: ∂E_total/∂w5, w5, E_total, ∂out_o1/∂net_o1, δ_o1."""
    p = _printer()
    if kind == "gradients":
        return p.partial(output, name)
    if kind == "local":
        of, wrt = name.split("|")
        return p.partial(of, wrt)
    if kind == "delta":
        return "δ_" + name.split("_", 1)[-1]
    if kind in ("loss", "loss_after"):
        return p.name(output)
    return p.name(name)


def question(kind: str, name: str, output: str, problem: Problem | None = None) -> str:
    """A question as a person writes it: ∂E_total/∂w5, the loss E_total, the value of out_h1, w5
    after one SGD step, E_total after the step."""
    said = quantity(kind, name, output)
    if kind == "loss":
        return "the loss" if said.lower() in ("loss", "the loss") else f"the loss {said}"
    if kind == "values":
        return f"the value of {said}"
    if kind == "updated":
        rule = problem.optimizer.kind if problem is not None and problem.optimizer is not None else "sgd"
        return f"{said} after one {'SGD' if rule == 'sgd' else rule} step"
    if kind == "loss_after":
        return f"{said} after the step"
    return said


def number(x: float) -> str:
    """A number as bpcalc prints it, 9 significant digits, with the minus sign U+2212."""
    p = _printer()
    return p.num(x)


def mistake_words(m: Mistake, lang: str = "en") -> str:
    """A mistake in words (its catalogue message, in `lang`), with where it was made."""
    from .words import translate

    words = translate(lang, m.words, **dict(m.params))
    kind, where = m.scope
    if kind == "output":
        words += translate(lang, " (for output {where} only)", where=where)
    elif kind == "sample":
        words += translate(lang, " (in sample {where} only)", where=where)
    elif kind == "line":
        words += translate(lang, " (in {where} only)", where=where)
    if m.also:
        words += translate(lang, ", and {other} with it", other=", ".join(m.also))
    return words


def verdict(r: Graded, output: str, *, right_value: bool, lang: str = "en") -> str:
    """One answer's verdict in plain text: its status, the mistakes that give a wrong number (the
    best two), where follow-on work comes from, and with `right_value` the value computed."""
    lines: list[str] = []
    if r.status == "right":
        lines.append("right")
    elif r.status == "follow_on":
        earlier = ", ".join(quantity(k, n, output) for k, n in r.follows_from) or "earlier answers"
        lines.append(f"follow-on: right from your own {earlier} (they give {number(r.follow_on_value or 0.0)}), "
                     "so it earns follow-on credit")
    elif r.status == "imprecise":
        lines.append("the right digits, but fewer than the rule asks for")
    else:
        lines.append("wrong")
        firsts: dict[str, Mistake] = {}
        for m in r.mistakes:
            firsts.setdefault(m.code, m)
        named = list(firsts.values())[:2]  # the best of each code
        for m in named:
            lines.append(f"the mistake that gives your number ({m.code}): {mistake_words(m, lang)}, which gives "
                         f"{number(m.value)}")
        if not named:
            lines.append("no common mistake gives your number")
    if r.note:
        lines.append(f"read as: {r.note}")
    if right_value and r.status != "right":
        lines.append(f"the value computed: {number(r.computed)}")
    return "\n".join(lines)


def score_line(g: Grading, p: Printer) -> str:
    """The sheet's score and its counts, in the printer's language: the one line every report of a
    sheet gives (the worked report's, and the platforms' plain text)."""
    percent = 100 * g.points / g.max_points if g.max_points else 0.0
    line = p.tr("score: {k} of {n} ({percent}%): {right} right, {follow} follow-on, {imprecise} imprecise, "
                "{wrong} wrong", k=f"{g.points:g}", n=f"{g.max_points:g}", percent=f"{percent:.0f}",
                right=g.right, follow=g.follow_on, imprecise=g.imprecise, wrong=g.wrong)
    return line + (p.tr(", {unread} not read", unread=len(g.unreadable)) if g.unreadable else "")


def summary(g: Grading) -> str:
    """The sheet's score, counts and first wrong step, in plain text."""
    lines = [score_line(g, _printer())]
    if g.procedure is not None:
        lines.append(f"all {g.procedure.explains} wrong answers follow from one procedure: "
                     f"{mistake_words(g.procedure)}")
    first = g.first_wrong
    if first is not None:
        lines.append(f"first wrong step: {quantity(first.kind, first.name, g.output)}")
    for key, said in g.unreadable:
        lines.append(f"{key}: not read, counted as unanswered: {said}")
    return "\n".join(lines)


__all__ = ["mistake_words", "number", "quantity", "question", "score_line", "summary", "verdict"]
