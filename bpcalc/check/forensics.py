"""Key forensics (`bpcalc check FILE KEY --conventions`): for an answer key — a teacher's, or a
published one — which documented conventions reproduce each of its numbers, and which numbers none
explains.

The conventions are the variants of the computation that are a choice rather than a slip (the
records of check/mistakes.py with these codes, made everywhere): the ½ of the loss left out (or the
2 of its derivative dropped), a sum where the textbook takes the mean (or the mean where it sums),
activations rounded to k places as they are computed, the hidden layer's gradients taken with the
already-updated output weights, the δ sign.  The published 2-2-2 blog's loss after the step,
0.291027924, is the updated-weights convention's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..trace.steps import Convention, Conventions, KeyLine

if TYPE_CHECKING:
    from ..engine import Solution
    from ..trace.data import Trace
    from .sheets import Checkers

#: the mistakes that are conventions a key may follow
CONVENTION_CODES = ("factor_2", "mean_1_over_n", "rounded_intermediates", "updated_weights_used", "delta_sign_swapped")


def conventions(checkers: Checkers, files: list[str]) -> Trace:
    """The key's lines, each with the conventions that reproduce it."""
    from ..errors import UsageError
    from ..reading.yamldoc import parse_yaml, read_text
    from ..trace.data import Trace, result_of
    from .answers import answers_in

    if len(files) != 1:
        raise UsageError("--conventions reads one answer key", None, "name one key file after the problem")
    text, shown = read_text(files[0])
    doc = parse_yaml(text, shown, texts=frozenset({("variant",)}))
    checker, _ = checkers.for_answers(files[0], doc)
    sheet = answers_in(doc, checker.problem)
    scheme = checker.scheme
    found: list[tuple[str, str, tuple[tuple[str, str], ...], Solution, int]] = [
        ("textbook", "the textbook computation (as bpcalc computes it)", (), checker.textbook, 1)]
    for variant, solution in checker.variants:
        if variant.code in CONVENTION_CODES and variant.scope.kind == "everywhere":
            found.append((variant.code, variant.words, variant.params, solution, variant.delta_sign))
    lines = []
    legend: dict[str, Convention] = {}
    for answer in sorted(sheet.answers, key=checker.order):
        computed = checker.quantity(checker.textbook, answer)
        reproduce = []
        for code, words, params, solution, sign in found:
            if sign != 1 and answer.kind != "delta":  # the δ sign: a convention of δ answers alone
                continue
            value = checker._value(solution, answer, sign)
            if value is not None and scheme.agrees(value, answer.written):
                label = code if not params else f"{code}({', '.join(v for _, v in params)})"
                reproduce.append(label)
                legend.setdefault(label, Convention(label, words, params))
        lines.append(KeyLine(answer.kind, answer.name, answer.text, answer.value, computed, tuple(reproduce)))
    problem = checker.problem
    step = Conventions(problem.output, files[0], tuple(lines), tuple(legend.values()))
    return Trace("check", problem.output, problem.file, (step,), result_of(checker.textbook, "check"))


__all__ = ["CONVENTION_CODES", "conventions"]
