"""Checks shared by both file forms: keys, numbers, names, leaves, frozen, lr and round."""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import InputError, Span, did_you_mean, escaped, quoted
from .yamldoc import Doc, Path

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def check_keys(doc: Doc, path: Path, mapping: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    for key in mapping:
        if key not in allowed:
            hint = did_you_mean(str(key), allowed) or ("allowed keys: " + ", ".join(allowed))
            raise InputError(f"unknown key {quoted(key)} in {what}", doc.key_span(path + (key,)), hint)


def shown(doc: Doc, path: Path, value: Any) -> str:
    """A value as the file writes it, quoted for a message: 'yes', '2001-12-14', '1111…1111'."""
    if value is None:
        return "nothing"
    if isinstance(value, (dict, list)):  # as written when it is written on one line ({between: [0, 1]})
        span = doc.span(path)
        lines = doc.text.splitlines() if doc.text and span.line is not None and span.column is not None else []
        if span.line is not None and span.column is not None and 0 < span.line <= len(lines):
            written = lines[span.line - 1][span.column - 1: span.column - 1 + span.length]
            if written[:1] in "{[" and written[-1:] in "}]":
                return quoted(written)
        if isinstance(value, dict):
            return "a mapping"
        return f"a list of {len(value):,} item{'s' if len(value) != 1 else ''}"
    return quoted(doc.source(path, value))


def _reading_hint(doc: Doc, path: Path, value: Any) -> str | None:
    """What YAML made of a word that is not text: yes/no/on/off are booleans, ~ and null nothing."""
    written = doc.written.get(doc.origin(path))
    if not written:
        return None
    if isinstance(value, bool):
        return f"YAML reads {written} as {str(value).lower()}; "
    if value is None:
        return f"YAML reads {written} as nothing (null); "
    return None


def number(doc: Doc, path: Path, value: Any, what: str) -> float:
    """A finite number, or a clear error pointing at the value."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        read = _reading_hint(doc, path, value) or ""
        raise InputError(f"{what} must be a number, not {shown(doc, path, value)}", doc.span(path),
                         read + "write a number such as 0.5 or -2 (no quotes)")
    try:
        x = float(value)
    except OverflowError:  # an integer of hundreds of digits
        x = math.inf
    if not math.isfinite(x):
        written = doc.source(path, value)
        if isinstance(value, int) or written.lstrip("+-")[:1].isdigit():
            raise InputError(f"{what} is {quoted(written)}, too large for bpcalc's numbers", doc.span(path),
                             "numbers are IEEE doubles: at most about 1.8e308 in size")
        meaning = "not a number" if math.isnan(x) else "infinite"
        raise InputError(f"{what} is {escaped(written)} ({meaning}); bpcalc needs a finite number",
                         doc.span(path), "write a finite number")
    return x


def check_name(doc: Doc, path: Path, name: Any, what: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        span = doc.key_span(path)
        read = _reading_hint(doc, path, name)
        hint = _decimal_comma_hint(doc, span, name) or (read + "quote it, or choose another name" if read else
                                                         "a name is letters, digits and '_', starting with a "
                                                         "letter or '_'")
        raise InputError(f"{what} {shown(doc, path, name)} is not a valid name", span, hint)
    if name.startswith("__"):
        raise InputError(f"{what} {quoted(name)} starts with '__'", doc.key_span(path),
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
            raise InputError(f"{quoted(name)} is declared twice: in `{other}` and in `{key}`",
                             doc.key_span(path), "a name is either an input or a param, once")
        out[name] = number(doc, path, value, quoted(name))
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
            raise InputError(f"frozen name {shown(doc, ('frozen', i), name)} is not a param", doc.span(("frozen", i)),
                             hint)
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


# --- how large a problem a file may make ------------------------------------------------------------

#: the operations (each +, −, ×, ÷, power and function the engine runs) a problem may have:
#: OPERATIONS_FLOOR, or OPERATIONS_PER_BYTE for each byte of a larger file.  A file written out
#: line by line stays far below it; what it stops is a small file that makes an enormous problem
#: (a network over many samples, aliases repeating long expressions), whose step-by-step solution
#: could not be shown in reasonable time (5,000 operations take up to about 3.5 s of CPU time in text).
OPERATIONS_FLOOR = 5_000
OPERATIONS_PER_BYTE = 1
#: a network whose samples are rows of a CSV file (`data:`, for `bpcalc train`), or a problem that
#: will not be worked step by step (`bpcalc train`, the Python API): the limit is what memory
#: allows (about 1 kB an operation)
DATA_OPERATIONS = 200_000


class Budget:
    """Operations counted as the problem is built, and refused before the limit is passed."""

    def __init__(self, doc: Doc, data: bool = False, unshown: bool = False):
        self.doc = doc
        self.size = len(doc.text.encode("utf-8", "surrogatepass"))
        self.limit = max(OPERATIONS_FLOOR, OPERATIONS_PER_BYTE * self.size, DATA_OPERATIONS if data or unshown else 0)
        self.used = 0

    def spend(self, operations: int, path: Path, what: str, name: str | None = None) -> None:
        """Count `operations` that `what` (followed by `name`, quoted, if given) makes, refusing
        them if they pass the limit.  The name is quoted only then: a file has 100,000 of them."""
        self.used += operations
        if self.used > self.limit:
            if name is not None:
                what = f"{what} {quoted(name)}"
            raise InputError(f"{what}: more than the {self.limit:,} operations a problem may have",
                             self.doc.span(path), self.hint())

    def hint(self) -> str:
        return (f"a problem may have {OPERATIONS_FLOOR:,} operations, or one per byte of a larger file "
                f"(this one has {self.size:,} bytes), so that every step can be shown; "
                "use fewer samples or smaller layers")


def operations(expr: Any) -> int:
    """The engine's operations in one expression (expr.tree.census)."""
    from ..expr.tree import census

    return census(expr)[0]
