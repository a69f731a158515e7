"""From a YAML document to a checked `Problem` (expression files; networks go through network.py)."""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import InputError, Span, did_you_mean
from .expr import FUNCTIONS, Num, name_positions, names_in, parse
from .problem import Line, Problem
from .yamldoc import Doc, Path, parse_yaml, read_text

EXPRESSION_KEYS = ("inputs", "params", "frozen", "define", "output", "lr", "round")
NETWORK_KEYS = ("network", "params", "frozen", "sample", "samples", "reduction", "loss", "naming",
                "lr", "round")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def load(source: str, *, text: str | None = None) -> Problem:
    """Load a problem from a path ('-' for standard input), or from `text` shown as `source`."""
    if text is None:
        text, shown = read_text(source)
    else:
        shown = source
    doc = parse_yaml(text, shown)
    return problem_from_doc(doc)


def problem_from_doc(doc: Doc) -> Problem:
    data = doc.data
    if not isinstance(data, dict):
        raise InputError(
            "the file must be a mapping of keys (inputs:, params:, define: … or network: …)",
            doc.span(()), "see examples/ for both file forms",
        )
    if "network" in data:
        from .network import network_problem

        problem = network_problem(doc)
    else:
        problem = expression_problem(doc)
    problem.text = doc.text
    return problem


# --- shared checks -----------------------------------------------------------------------------------


def check_keys(doc: Doc, path: Path, mapping: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    for key in mapping:
        if key not in allowed:
            hint = did_you_mean(str(key), allowed) or ("allowed keys: " + ", ".join(allowed))
            raise InputError(f"unknown key '{key}' in {what}", doc.key_span(path + (key,)), hint)


def number(doc: Doc, path: Path, value: Any, what: str) -> float:
    """A finite number, or a clear error pointing at the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = "nothing" if value is None else repr(value)
        raise InputError(f"{what} must be a number, not {shown}", doc.span(path),
                         "write a number such as 0.5 or -2 (no quotes)")
    x = float(value)
    if not math.isfinite(x):
        raise InputError(f"{what} is {value}; bpcalc needs a finite number", doc.span(path),
                         "write a finite number")
    return x


def check_name(doc: Doc, path: Path, name: Any, what: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        span = doc.key_span(path)
        hint = _decimal_comma_hint(doc, span, name) or \
            "a name is letters, digits and '_', starting with a letter or '_'"
        raise InputError(f"{what} {name!r} is not a valid name", span, hint)
    if name.startswith("__"):
        raise InputError(f"{what} '{name}' starts with '__'", doc.key_span(path),
                         "names starting with '__' are reserved")
    return name


def _decimal_comma_hint(doc: Doc, span: Span, name: Any) -> str | None:
    """`b: 0,5` reads as b: 0 and a key '5': a decimal comma, which deserves to be named."""
    if not str(name).isdigit() or span.line is None or span.column is None:
        return None
    lines = (doc.text or "").splitlines()
    if span.line > len(lines):
        return None
    before = re.search(r"(-?\d+)\s*,\s*$", lines[span.line - 1][: span.column - 1])
    if before is None:
        return None
    return (f"a comma separates entries; if you meant a number, write {before.group(1)}.{name} "
            "with a decimal point")


def mapping(doc: Doc, path: Path, value: Any, what: str, example: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"`{path[-1]}` must be a mapping of {what}", doc.span(path),
                         f"for example: {example}")
    return value


def leaves(doc: Doc, data: dict[str, Any], key: str, taken: dict[str, Path]) -> dict[str, float]:
    out: dict[str, float] = {}
    block = mapping(doc, (key,), data.get(key), "names to numbers", f"{key}: {{x: 1, w: 0.5}}")
    for name, value in block.items():
        path = (key, name)
        check_name(doc, path, name, "the name")
        if name in taken:
            other = taken[name][0]
            raise InputError(f"'{name}' is declared twice: in `{other}` and in `{key}`",
                             doc.key_span(path), "a name is either an input or a param, once")
        out[name] = number(doc, path, value, f"'{name}'")
        taken[name] = path
    return out


def frozen_names(doc: Doc, data: dict[str, Any], params: dict[str, float]) -> set[str]:
    value = data.get("frozen")
    if value is None:
        return set()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InputError("`frozen` must be a list of param names", doc.span(("frozen",)),
                         "for example: frozen: [b1, b2]")
    out = set()
    for i, name in enumerate(value):
        if not isinstance(name, str) or name not in params:
            hint = did_you_mean(str(name), list(params)) or "only params can be frozen"
            raise InputError(f"frozen name '{name}' is not a param", doc.span(("frozen", i)), hint)
        out.add(name)
    return out


def lr_and_round(doc: Doc, data: dict[str, Any]) -> tuple[float | None, int | None]:
    lr = None
    if data.get("lr") is not None:
        lr = number(doc, ("lr",), data["lr"], "`lr`")
        if lr <= 0:
            raise InputError("`lr` must be positive", doc.span(("lr",)), "for example: lr: 0.5")
    places = None
    if data.get("round") is not None:
        r = data["round"]
        if isinstance(r, bool) or not isinstance(r, int) or not 0 <= r <= 15:
            raise InputError("`round` must be a whole number of decimal places from 0 to 15",
                             doc.span(("round",)), "for example: round: 2")
        places = r
    return lr, places


# --- expression files --------------------------------------------------------------------------------


def expression_problem(doc: Doc) -> Problem:
    data = doc.data
    if "define" not in data:
        # `y: sigmoid(x)` at the top level: a line of the computation without its `define:`
        stray = next((k for k, v in data.items() if k not in EXPRESSION_KEYS and isinstance(v, str)
                      and did_you_mean(str(k), EXPRESSION_KEYS) is None), None)
        if stray is not None:
            raise InputError(f"unknown key '{stray}' in an expression file", doc.key_span((stray,)),
                             f"'{stray}: {data[stray]}' looks like a line of the computation: put the "
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
        raise InputError("`define` must be a mapping of names to expressions", doc.span(("define",)),
                         "for example:\n  define:\n    z: w * x + b\n    y: sigmoid(z)")
    order = {name: i for i, name in enumerate(block)}
    lines: list[Line] = []
    parsed: dict[str, Any] = {}
    for name, source in block.items():
        path: Path = ("define", name)
        check_name(doc, path, name, "the name")
        if name in taken:
            raise InputError(f"'{name}' is declared twice: in `{taken[name][0]}` and in `define`",
                             doc.key_span(path), "give the defined node another name")
        if isinstance(source, bool) or source is None or not isinstance(source, (str, int, float)):
            raise InputError(f"'{name}' must be an expression such as `w * x + b`",
                             doc.span(path), "write the formula after the colon")
        span = doc.expression_span(path)
        if isinstance(source, str):
            expr = parse(source, span)
        else:
            expr = Num(number(doc, path, source, f"'{name}'"))
            source = str(source)
        parsed[name] = expr
        positions = name_positions(expr)
        for used in names_in(expr):
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
            if used in FUNCTIONS:
                raise InputError(f"'{used}' is a function; call it as {used}(…)", where)
            hint = did_you_mean(used, list(taken)) or "declare it under `inputs:` or `params:`, or define it above"
            raise InputError(f"'{used}' is not defined", where, hint)
        taken[name] = path
        lines.append(Line(name, expr, source, span))

    output = data.get("output", lines[-1].name)
    if not isinstance(output, str) or output not in taken:
        hint = did_you_mean(str(output), list(taken)) or "name a node defined under `define:`"
        raise InputError(f"output '{output}' is not defined", doc.span(("output",)), hint)

    spans = {name: doc.key_span(path) for name, path in taken.items()}
    locations = {name: ("params", name) for name in params}
    return Problem(doc.file, inputs, params, lines, output, frozen, lr, places, "expression",
                   spans, locations)


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


__all__ = ["load", "problem_from_doc", "Span"]
