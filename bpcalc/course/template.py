"""A teacher's problem file with ranges where numbers go — a template for `bpcalc variants`.

    params:
      w1: {between: [-1, 1], decimals: 2}   # each variant draws a number with 2 decimals
      w2: {one_of: [0.1, 0.5, 0.9]}         # or one of these

The loader never sees a range: each variant is the template's text with every range replaced by
the number drawn for it, character for character, everything else (comments, layout, other
numbers) kept — and a range written over several lines is replaced by the number and as many
line breaks, so every other line keeps its number and the loader's messages about a variant
point at the template's lines.  The ranges' keys are `reading/schema.py`'s RANGE.
"""

from __future__ import annotations

import math
import random
import re
from decimal import Decimal
from typing import Any, NamedTuple

from ..errors import InputError, did_you_mean, printable, quoted
from ..reading.common import check_keys, number, shown
from ..reading.schema import RANGE_KEYS, is_range
from ..reading.yamldoc import Doc, Path, parse_yaml, read_text

MAX_DECIMALS = 6
DEFAULT_DECIMALS = 2
#: the largest number of units (10^-decimals) a range's end may be from 0: 2^53, so every number
#: drawn is exact as a double, and its text short
MAX_UNITS = 2**53


class Range(NamedTuple):
    """Where a range is written in the template's text, and what it draws from."""

    path: Path
    start: int  # character offsets of the range's text in the template
    end: int
    choices: tuple[str, ...] | None  # one_of: each number as it is written
    low: int = 0  # between: the smallest and largest numbers drawn, in units of 10^-decimals
    high: int = 0
    decimals: int = DEFAULT_DECIMALS

    def draw(self, rng: random.Random) -> str:
        """A number from the range, as the variant's text writes it."""
        if self.choices is not None:
            return rng.choice(self.choices)
        return str(Decimal(rng.randint(self.low, self.high)).scaleb(-self.decimals))

    def holds(self, value: float) -> bool:
        """Whether `value` is one the range can give."""
        if self.choices is not None:
            return any(float(c) == value for c in self.choices)
        scaled = value * 10 ** self.decimals
        return bool(abs(scaled - round(scaled)) < 1e-6 and self.low <= round(scaled) <= self.high)


class Template(NamedTuple):
    file: str  # the name shown for it
    text: str
    ranges: tuple[Range, ...]

    def variant(self, numbers: list[str]) -> str:
        """The template's text with each range replaced by its number (in the ranges' order)."""
        out, at = [], 0
        for r, text in zip(self.ranges, numbers):
            out += [self.text[at:r.start], text, "\n" * self.text.count("\n", r.start, r.end)]
            at = r.end
        out.append(self.text[at:])
        return "".join(out)

    def draw(self, rng: random.Random) -> list[str]:
        return [r.draw(rng) for r in self.ranges]


def read_template(source: str) -> Template:
    """The template at `source` (a path, '-' or example:NAME) and its ranges, each checked."""
    text, shown = read_text(source)
    doc = parse_yaml(text, shown)  # refuses what the loader refuses: a bad file fails here, once
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(text, Loader=loader)
    ranges = []
    # the composed nodes (for the text's offsets) beside the values read from them (for the keys);
    # a node met again is an alias (`*name`): it repeats what its anchor draws, and is not drawn again
    seen: set[int] = set()
    stack: list[tuple[Any, Any, Path]] = [(root, doc.data, ())]
    while stack:
        node, data, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
            if is_range(data):
                ranges.append(_range(doc, path, node))
                continue
            _misspelt_range(doc, path, data)
            stack.extend((value, data[key], path + (key,)) for (_, value), key in zip(node.value, data))
        elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
            stack.extend((item, data[i], path + (i,)) for i, item in enumerate(node.value))
    ranges.sort(key=lambda r: r.start)
    return Template(shown, text, tuple(ranges))


#: an anchor or a tag before a node's own text (`&r {between: [0, 1]}`): kept in each variant, so
#: an alias of the range (`*r`) repeats the number drawn for it
_PROPERTIES = re.compile(r"(?:[&!][^\s,\[\]{}]*\s+)*")


def _misspelt_range(doc: Doc, path: Path, data: dict[Any, Any]) -> None:
    """A mapping whose every key is a range's key or close to one (`betwen:`, `decimal:`) is a
    range written wrong: its key is unknown, not a number that no variant draws."""
    if not data or not all(isinstance(k, str) and (k in RANGE_KEYS or did_you_mean(k, RANGE_KEYS)) for k in data):
        return
    for key in data:
        if key not in RANGE_KEYS:
            raise InputError(f"unknown key {quoted(key)} in the range of {_where(path)}",
                             doc.key_span(path + (key,)), did_you_mean(key, RANGE_KEYS))
    raise InputError(f"the range of {_where(path)} has neither `between` nor `one_of`", doc.span(path),
                     "a range is {between: [low, high], decimals: 2} or {one_of: [0.1, 0.5]}")


def _range(doc: Doc, path: Path, node: Any) -> Range:
    value = doc.data_at(path)
    check_keys(doc, path, value, RANGE_KEYS, "a range")
    span = doc.span(path)
    where = _where(path)
    last = node.value[-1][1]
    start = _PROPERTIES.match(doc.text, node.start_mark.index).end()  # type: ignore[union-attr]
    end = node.end_mark.index if node.flow_style else last.end_mark.index
    if "between" in value and "one_of" in value:
        raise InputError(f"the range of {where} has both `between` and `one_of`", span,
                         "a range is {between: [low, high], decimals: 2} or {one_of: [0.1, 0.5]}: keep one")
    if "one_of" in value:
        if "decimals" in value:
            raise InputError(f"the range of {where}: `decimals` goes with `between`, not `one_of`",
                             doc.key_span(path + ("decimals",)), "write each choice as you want it shown")
        choices = value["one_of"]
        if not isinstance(choices, list) or not choices:
            raise InputError(f"`one_of` of {where} must be a list of numbers", doc.span(path + ("one_of",)),
                             "for example: {one_of: [0.1, 0.5, 0.9]}")
        written = tuple(_written(doc, path + ("one_of", i), c, f"a choice of {where}") for i, c in enumerate(choices))
        return Range(path, start, end, written)
    bounds = value["between"]
    bpath = path + ("between",)
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise InputError(f"`between` of {where} must be two numbers, [low, high]", doc.span(bpath),
                         "for example: {between: [-1, 1], decimals: 2}")
    low, high = (number(doc, bpath + (i,), b, f"the {('low', 'high')[i]} end of {where}")
                 for i, b in enumerate(bounds))
    decimals = value.get("decimals", DEFAULT_DECIMALS)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= MAX_DECIMALS:
        raise InputError(f"`decimals` of {where} must be a whole number from 0 to {MAX_DECIMALS}",
                         doc.span(path + ("decimals",)), "for example: decimals: 2")
    scale = 10 ** decimals
    for i, end_value in enumerate((low, high)):
        if abs(end_value) * scale > MAX_UNITS:  # each number drawn must be exact, and finite
            raise InputError(f"the {('low', 'high')[i]} end of {where}, {shown(doc, bpath + (i,), bounds[i])}, is too "
                             f"large for a range with {decimals} decimals", doc.span(bpath + (i,)),
                             f"a range's ends lie within ±{MAX_UNITS / scale:,.{decimals}f}, so that every number "
                             "drawn is exact")
    first, last_unit = math.ceil(round(low * scale, 6)), math.floor(round(high * scale, 6))
    if low > high or first > last_unit:
        ends = ", ".join(printable(doc.source(bpath + (i,), b)) for i, b in enumerate(bounds))
        raise InputError(f"the range of {where} holds no number with {decimals} decimals: [{ends}]",
                         doc.span(bpath), "write [low, high] with low ≤ high, or allow more decimals")
    return Range(path, start, end, None, first, last_unit, decimals)


def _written(doc: Doc, path: Path, value: Any, what: str) -> str:
    x = number(doc, path, value, what)
    return str(value) if isinstance(value, int) else repr(x)


def _where(path: Path) -> str:
    """`params.w1`, `network.layers[0].weights[1][0]`: where a range is, as a person reads it."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return f"`{out}`" if out else "the file"


__all__ = ["Range", "Template", "read_template"]
