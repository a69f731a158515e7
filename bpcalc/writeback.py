"""`step -o`: the same file with each updated param written where its old number stood.

The file is read again by the very reader that read it (`reading.yamldoc`, with the place of every
value), and each new number replaces the text of the old one: comments, layout, quoting and key
order are the user's, untouched.  Where a number is shared through YAML aliases (`&row` …
`*row`), each alias that must now say something else is written out in its place, so no param's
update overwrites another's.  The new text is then read back, and it is written only if it reads
as the old problem with exactly the new values; otherwise nothing is written and the run fails.

The target is checked before any work and written by the one output policy of every command
(bpcalc/outputs.py): never a link, a hard link, a pipe or a device, never the input however it
is reached, through a temporary file made when the run starts (so an unwritable folder is
reported first) and renamed over the target at the end, with the target's permissions.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import InputError, Span, escaped
from .outputs import UPDATED, Inputs, Output, Role, write_file
from .problem import Problem

Path = tuple[str | int, ...]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PROPERTIES = re.compile(r"(?:[&!][^\s,\[\]{}]*\s+)*")  # an anchor or tag before a scalar's own text


# --- the new text ----------------------------------------------------------------------------------


def updated_text(problem: Problem, updated: dict[str, float]) -> str:
    """The problem's text with each updated param's number replaced, checked by reading it back."""
    from .reading.yamldoc import parse_yaml

    doc = parse_yaml(problem.text, problem.file, positions=True)
    updated = {name: as_shown(value) for name, value in updated.items()}
    edits: dict[tuple[int, int], str] = {}
    under_alias: dict[Path, dict[Path, float]] = {}  # alias written out -> new values beneath it
    for name, value in updated.items():
        path = problem.locations.get(name)
        if path is None:
            continue
        alias = next((path[:k] for k in range(1, len(path) + 1) if path[:k] in doc.aliases), None)
        if alias is not None:
            under_alias.setdefault(alias, {})[path] = value
            continue
        extent = doc.extents.get(path)
        if extent is None or isinstance(doc.data_at(path), (dict, list)):
            raise _unfaithful(problem, f"the value of {name} is not one number in the file")
        start, end = extent
        start = _PROPERTIES.match(problem.text, start, end).end()  # type: ignore[union-attr]
        edits[(start, end)] = _number(value)

    # An alias repeats its anchor's text as it stands: when that text changes, every alias of it
    # is written out with what it held (or its own new values), until nothing more changes.
    changed = list(edits) + [doc.alias_extents[a] for a in under_alias]
    spread = True
    while spread:
        spread = False
        for alias, anchor in doc.aliases.items():
            if alias in under_alias or alias not in doc.alias_extents:
                continue
            first, last = doc.extents[anchor]
            if any(first <= start and end <= last for start, end in changed):
                under_alias[alias] = {}
                changed.append(doc.alias_extents[alias])
                spread = True
    for alias, values in under_alias.items():
        edits[doc.alias_extents[alias]] = _flow(doc.data_at(alias), alias, values)

    text = problem.text
    pieces, at = [], 0
    for (start, end), new in sorted(edits.items()):
        pieces.append(text[at:start])
        pieces.append(new)
        at = end
    pieces.append(text[at:])
    written = "".join(pieces)
    _check_round_trip(problem, doc.data, written, updated)
    return written


def as_shown(value: float) -> float:
    """The value as -o writes it: a short decimal carrying float noise is that decimal, as the
    screen shows it (0.2 − 0.5 × (−0.050799) = 0.22539950000000003 → 0.2253995: the nearest
    decimal of at most 12 significant digits, when it is within 4 units in the last place);
    any other value is kept in full, to the last bit."""
    if not math.isfinite(value) or value == 0.0:
        return value
    noise = 4 * math.ulp(value)
    for digits in range(1, 13):
        candidate = float(f"{value:.{digits}g}")
        if abs(candidate - value) <= noise:
            return candidate
    return value


def _number(value: float) -> str:
    """A float as YAML and Python read back to the same bits: 0.314477715, 1e-05."""
    return repr(float(value))


def _flow(value: Any, path: Path, new: dict[Path, float]) -> str:
    """Plain data written as one line of flow YAML, with the new values where they go."""
    if path in new:
        return _number(new[path])
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_text(k)}: {_flow(v, path + (k,), new)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, path + (i,), new) for i, v in enumerate(value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int):
        return str(value)
    return _text(str(value))


def _text(s: str) -> str:
    from .reading.yamldoc import _WORDS

    if _NAME.match(s) and s not in _WORDS:
        return s
    return json.dumps(s, ensure_ascii=False)  # JSON's escapes are YAML's double-quoted ones


def _check_round_trip(problem: Problem, data: Any, written: str, updated: dict[str, float]) -> None:
    """The written text must read back as the same document with exactly the new values."""
    from .reading import problem_from_doc
    from .reading.yamldoc import SOURCES, parse_yaml

    expected = json.loads(json.dumps(data))  # a copy in which nothing is shared
    for name, value in updated.items():
        path = problem.locations.get(name)
        if path is not None:
            parent = expected
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = float(value)
    shown = f"{problem.file} (as -o writes it)"
    try:
        doc = parse_yaml(written, shown)
        difference = _difference(expected, doc.data, ())
        again = problem_from_doc(doc, unshown=True, graph=bool(problem.lines)) if difference is None else None
    except InputError as exc:
        difference, again = f"it reads as invalid: {exc.message}", None
    finally:
        SOURCES.pop(shown, None)
    if again is not None:
        leaves = {**problem.leaves, **{k: float(v) for k, v in updated.items()}}
        if again.leaves != leaves or [(ln.name, ln.source) for ln in again.lines] != \
                [(ln.name, ln.source) for ln in problem.lines]:
            difference = "its params or lines read back differently"
    if difference is not None:
        raise _unfaithful(problem, difference)


def _unfaithful(problem: Problem, difference: str) -> InputError:
    return InputError(f"-o cannot write the updated file faithfully: {difference}", Span(problem.file),
                      "nothing was written; the file uses YAML that bpcalc cannot rewrite in place "
                      "(write the params out as plain numbers), and please report it")


def _difference(expected: Any, got: Any, path: Path) -> str | None:
    stack = [(expected, got, path)]
    while stack:
        a, b, at = stack.pop()
        if type(a) is not type(b) or (not isinstance(a, (dict, list)) and a != b):
            where = "/".join(str(k) for k in at) or "the document"
            return f"{where} would read {escaped(repr(b))[:60]}, not {escaped(repr(a))[:60]}"
        if isinstance(a, dict):
            if list(a) != list(b):
                return f"the keys under {'/'.join(str(k) for k in at) or 'the top'} would change"
            stack.extend((a[k], b[k], at + (k,)) for k in a)
        elif isinstance(a, list):
            if len(a) != len(b):
                return f"{'/'.join(str(k) for k in at)} would change length"
            stack.extend((x, y, at + (i,)) for i, (x, y) in enumerate(zip(a, b)))
    return None


# --- the target file: the one output policy of bpcalc/outputs.py ----------------------------------------


class Target(Output):
    """A `step -o` / `train -o` path: checked and its temporary file made when constructed (before
    any work), written by `write`, the temporary removed by `close` if it was not renamed into
    place (bpcalc/outputs.py)."""

    def __init__(self, path: str, source: str | None):
        super().__init__(path, UPDATED, Inputs(() if source is None else (source,)), mode_from=source)
        self.source = source

    def write(self, problem: Problem, updated: dict[str, float]) -> None:
        """The updated problem into the temporary file, then renamed over the target."""
        self.write_text(updated_text(problem, updated))


def write_updated(problem: Problem, updated: dict[str, float], target: str, source: str) -> None:
    """`problem` with the `updated` params written to `target` at once: the checks, the temporary
    file and the renaming of `Target`, for a command that has its results before it writes."""
    out = Target(target, source)
    try:
        out.write(problem, updated)
    finally:
        out.close()


def check_target(target: str, source: str, role: Role = UPDATED) -> None:
    """Refuse an output path that bpcalc/outputs.py would not write, before any work."""
    Output(target, role, Inputs((source,))).close()


def replace_text(target: str, text: str, role: Role = UPDATED) -> None:
    """`text` written to `target` by the policy of bpcalc/outputs.py."""
    write_file(target, text, role)
