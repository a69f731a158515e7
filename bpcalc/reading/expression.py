"""Expression files: named lines, in order, over declared leaves (docs/file-formats.md)."""

from __future__ import annotations

from typing import Any

from ..errors import InputError, did_you_mean, quoted
from ..expr.parser import parse as parse_with
from ..expr.parser import parse_line
from ..expr.tree import Expr, Num, census, names_in
from ..ops import USER
from ..problem import Line, Problem
from .common import NAME, Budget, check_keys, check_name, frozen_names, leaves, lr_and_round, number
from .schema import EXPRESSION_KEYS
from .scheme import scheme_keys
from .training import optimizer_spec
from .yamldoc import Doc, KeySpans, Path


def parse(source: str, span: Any = None) -> Expr:
    """A user's expression: only the functions the op table lets a file call."""
    return parse_with(source, USER, span)


plain_name = NAME.match


def expression_problem(doc: Doc, unshown: bool = False) -> Problem:
    data = doc.data
    if "define" not in data:
        # `y: sigmoid(x)` at the top level: a line of the computation without its `define:`
        stray = next((k for k, v in data.items() if k not in EXPRESSION_KEYS and isinstance(v, str)
                      and did_you_mean(str(k), EXPRESSION_KEYS) is None), None)
        if stray is not None:
            raise InputError(f"unknown key {quoted(stray)} in an expression file", doc.key_span((stray,)),
                             f"{quoted(f'{stray}: {data[stray]}')} looks like a line of the computation: put the "
                             "lines under `define:`, indented")
    check_keys(doc, (), data, EXPRESSION_KEYS, "an expression file")
    if "define" not in data:
        raise InputError("the file has no `define:` (and no `network:`)", doc.span(()),
                         "list the computation under `define:`, one `name: expression` a line")
    taken: dict[str, Path] = {}
    inputs = leaves(doc, data, "inputs", taken)
    params = leaves(doc, data, "params", taken)
    frozen = frozen_names(doc, data, params)
    lr, places = lr_and_round(doc, data)

    block = data["define"]
    if not isinstance(block, dict) or not block:
        written = block if isinstance(block, str) else next(
            (item for item in block if isinstance(item, str)), "") if isinstance(block, list) else ""
        if "=" in written:  # `f = x*x` under define: an equation, not a YAML mapping
            name, _, formula = written.partition("=")
            raise InputError("`define` must be a mapping of names to expressions, not equations",
                             doc.span(("define",)),
                             f"write `{name.strip()}: {formula.strip()}` — the name, a colon, the expression; "
                             "one line each")
        raise InputError("`define` must be a mapping of names to expressions", doc.span(("define",)),
                         "for example:\n  define:\n    z: w * x + b\n    y: sigmoid(z)")
    order = {name: i for i, name in enumerate(block)}
    budget = Budget(doc, unshown=unshown)
    lines: list[Line] = []
    for name, source in block.items():
        path: Path = ("define", name)
        if type(name) is not str or not plain_name(name) or name.startswith("__"):
            check_name(doc, path, name, "the name")  # (which says what is wrong)
        if name in taken:
            raise InputError(f"'{name}' is declared twice: in `{taken[name][0]}` and in `define`",
                             doc.key_span(path), "give the defined node another name")
        if isinstance(source, bool) or source is None or not isinstance(source, (str, int, float)):
            raise InputError(f"'{name}' must be an expression such as `w * x + b`",
                             doc.span(path), "write the formula after the colon")
        span = doc.expression_span(path)
        if isinstance(source, str):
            expr, cost, positions = parse_line(source, USER, span)
        else:
            expr = Num(number(doc, path, source, f"'{name}'"))
            source = str(source)
            cost, positions = census(expr)
        budget.spend(cost, path, "the line", name)
        if not positions.keys() <= taken.keys():  # a name used that is not declared above it
            for used in positions:
                if used in taken:
                    continue
                where = span.shifted(positions[used], len(used))
                if used == name:
                    raise InputError(f"'{name}' uses itself: a cycle", where,
                                     "a line can only use names defined above it")
                if used in order and order[used] > order[name]:
                    cycle = _cycle_through(name, block, order)
                    if cycle:
                        raise InputError("cycle: " + " → ".join(cycle), where,
                                         "a computation graph cannot feed a node back into itself")
                    raise InputError(f"'{used}' is used in '{name}' before it is defined", where,
                                     f"move '{name}' below '{used}'")
                if used in USER.functions:
                    raise InputError(f"'{used}' is a function; call it as {used}(…)", where)
                hint = undefined_hint(used, list(taken))
                after = source[positions[used] + len(used):].lstrip() if isinstance(source, str) else ""
                if used == "e" and after.startswith(("^", "**")):  # e^x, as the worked examples write it
                    hint = "e^x is written exp(x); e itself is exp(1)"
                raise InputError(f"{quoted(used)} is not defined", where, hint)
        taken[name] = path
        lines.append(Line(name, expr, source, span))

    outputs = _outputs(doc, data.get("output", lines[-1].name), taken)

    spans = KeySpans(doc, taken)
    locations: dict[str, Path] = {name: ("params", name) for name in params}
    return Problem(doc.file, inputs, params, lines, outputs[0], frozen, lr, places, "expression",
                   spans, locations, outputs=outputs,
                   outputs_span=doc.key_span(("output",)) if "output" in data else None,
                   optimizer=optimizer_spec(doc, data), check=scheme_keys(doc, ("check",), data.get("check")))


_DECLARE = "add {name} under `params:` (or under `inputs:` if it is given, not learned), or define it above"


def undefined_hint(used: str, names: list[str]) -> str:
    """What to do about a name that is not declared: declare it, and — when a declared name is
    like it — the name meant.  A new member of a numbered family (w_h2 beside w_h, w3 beside w1)
    is new: declaring it comes first; a misspelling (w_hh for w_h) comes after the suggestion."""
    import re

    from ..errors import closest

    near = closest(used, names)
    if near is None:
        return _DECLARE.format(name="it")
    new = (re.sub(r"\d+", "", used) == re.sub(r"\d+", "", near)
           or (used.startswith(near) and re.match(r"_|\d", used[len(near):]) is not None))
    if new:
        return _DECLARE.format(name=quoted(used)) + f"; or did you mean {quoted(near)}?"
    return f"did you mean {quoted(near)}? If {quoted(used)} is a new name, " + _DECLARE.format(name="it")


def _outputs(doc: Doc, output: Any, taken: dict[str, Path]) -> tuple[str, ...]:
    """`output: loss`, or several, `output: [o1, o2]` (whose Jacobian `grad` gives)."""
    at: list[Path]
    if not isinstance(output, list):
        output, at = [output], [("output",)]
    else:
        at = [("output", i) for i in range(len(output))]
        if not output:
            raise InputError("`output` is an empty list", doc.span(("output",)),
                             "name the output, or several: output: [o1, o2]")
    for name, path in zip(output, at):
        if not isinstance(name, str):
            raise InputError("`output` must be a node's name, or a list of names", doc.span(path),
                             "for example output: loss, or output: [o1, o2]")
        if name not in taken:
            hint = did_you_mean(str(name), list(taken)) or "name a node defined under `define:`"
            raise InputError(f"output {quoted(name)} is not defined", doc.span(path), hint)
        if output.count(name) > 1:
            raise InputError(f"output '{name}' is listed twice", doc.span(at[len(output) - 1 -
                             output[::-1].index(name)]), "list each output once")
    return tuple(output)


def _cycle_through(start: str, block: dict[str, Any], order: dict[str, int]) -> list[str] | None:
    """A cycle that passes through `start`, following forward references, or None."""
    def uses(name: str) -> list[str]:
        src = block[name]
        if not isinstance(src, str):
            return []
        try:
            return [u for u in names_in(parse(src)) if u in order]
        except InputError:
            return []

    stack = [(start, [start])]
    seen = set()
    while stack:
        node, trail = stack.pop()
        for nxt in uses(node):
            if nxt == start:
                return trail + [start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, trail + [nxt]))
    return None
