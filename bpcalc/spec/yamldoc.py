"""Read YAML safely and remember where every value came from.

PyYAML's composer gives nodes with source marks; we build plain Python values from them ourselves,
so that every later check can point at a line and column, duplicate keys are caught (PyYAML would
silently keep the last one), aliases cannot expand a small file into a huge one, and no tag can
construct anything but plain data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError, Span

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_VALUES = 2_000_000  # scalars + collections after alias expansion; a 200,000-line file has ~0.4M
MAX_DEPTH = 64

Path = tuple[str | int, ...]

#: the text of every file parsed in this process, by the name errors show for it (for the source
#: line under an error message: the text bpcalc read, not whatever is on disk by then)
SOURCES: dict[str, str] = {}


@dataclass(slots=True)
class Doc:
    """Plain data (dicts, lists, str, int, float, bool, None) and where each part came from."""

    file: str
    data: Any
    text: str
    spans: dict[Path, Span] = field(default_factory=dict)  # value at path
    key_spans: dict[Path, Span] = field(default_factory=dict)  # the key that names path
    styles: dict[Path, str | None] = field(default_factory=dict)  # scalar style (quotes shift columns)
    extents: dict[Path, tuple[int, int]] = field(default_factory=dict)  # string scalars: start, end index
    written: dict[Path, str] = field(default_factory=dict)  # each scalar as written (0.5930, 8.2e-2)

    def span(self, path: Path) -> Span:
        while path and path not in self.spans:
            path = path[:-1]
        return self.spans.get(path, Span(self.file, 1, 1))

    def key_span(self, path: Path) -> Span:
        return self.key_spans.get(path) or self.span(path)

    def expression_span(self, path: Path) -> Span:
        """Where an expression string's first character is, and, when the string spans lines or
        has escapes, where each of its characters is (so errors inside it point at the right place)."""
        s = self.span(path)
        value = self.data_at(path)
        extent = self.extents.get(path)
        if s.column is None or s.line is None or extent is None or not isinstance(value, str):
            return s
        start, end = extent
        quoted = self.styles.get(path) in ("'", '"')
        if quoted:
            start, end = start + 1, end - 1
        if self.text[start:end] == value:
            return Span(s.file, s.line, s.column + (1 if quoted else 0), s.length)
        layout = _layout(self.text, start, end, value, s.line, s.column + (1 if quoted else 0))
        return Span(s.file, s.line, s.column, s.length, layout)

    def data_at(self, path: Path) -> Any:
        value = self.data
        for key in path:
            value = value[key]
        return value


def _layout(text: str, start: int, end: int, value: str, line: int, column: int
            ) -> tuple[tuple[int, int], ...] | None:
    """(line, column) in `text` of each character of `value`, the scalar's content between
    `start` and `end` after YAML folded its lines and resolved its escapes; None if it cannot tell."""
    if start < end and text[start] in "|>":  # a block scalar: the content starts on the next line
        while start < end and text[start] != "\n":
            start += 1
            column += 1
    out = []
    j = start
    for ch in value:
        while j < end and text[j] != ch and not (ch == " " and text[j] == "\n"):
            line, column = (line + 1, 1) if text[j] == "\n" else (line, column + 1)
            j += 1
        if j >= end:
            return None
        out.append((line, column))
        line, column = (line + 1, 1) if text[j] == "\n" else (line, column + 1)
        j += 1
    out.append((line, column))  # the end: "ends too early" points just after the last character
    return tuple(out)


def _mark_span(file: str, node: Any) -> Span:
    m, e = node.start_mark, node.end_mark
    length = e.index - m.index if e.line == m.line else 1
    return Span(file, m.line + 1, m.column + 1, max(1, length))


def read_text(path: str) -> tuple[str, str]:
    """The text of a file ('-' is standard input) and the name to show for it."""
    import os
    import sys

    if path == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        shown = "<stdin>"
    else:
        shown = path
        if not os.path.exists(path):
            raise InputError(f"no such file: {path}", Span(path), "check the path and the spelling")
        if os.path.isdir(path):
            raise InputError(f"{path} is a directory, not a file", Span(path),
                             "name a .yaml file inside it")
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}", Span(path),
                             "check the file's permissions") from None
    if len(data) > MAX_FILE_BYTES:
        limit = (f"{MAX_FILE_BYTES // (1024 * 1024)} MiB" if MAX_FILE_BYTES >= 1024 * 1024
                 else f"{MAX_FILE_BYTES} bytes")
        raise InputError(f"the file is larger than {limit}",
                         Span(shown), "split the problem into smaller files")
    if b"\0" in data:
        raise InputError("this is a binary file, not YAML text", Span(shown, 1, 1),
                         "give the .yaml file that describes the problem")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the file is not UTF-8 text", Span(shown, 1, 1),
                         f"save it as UTF-8 (byte {exc.start} is not valid UTF-8)") from None
    return text, shown


def parse_yaml(text: str, file: str) -> Doc:
    import yaml

    SOURCES[file] = text
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise InputError("the file is empty", Span(file, 1, 1),
                         "write `inputs:`, `params:` and `define:` (or `network:`); see examples/")
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader_cls)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        context = exc.context_mark
        if exc.context and context and mark and context.line != mark.line:
            # the problem is often noticed lines after its cause (an unclosed bracket)
            what += f" ({exc.context} that starts on line {context.line + 1})"
        span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file)
        at = text[mark.index] if mark and 0 <= mark.index < len(text) else ""
        hint = _yaml_hint(what, at)
        if mark and "mapping values" in what and _indented_past_previous(text, mark.line):
            hint = "this line is indented more than the line above; keys of one block start in the same column"
        raise InputError(f"YAML syntax: {what}", span, hint) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML syntax: {exc}", Span(file), "check the indentation and the colons"
                         ) from None
    except RecursionError:
        raise InputError("the YAML is nested too deeply", Span(file), f"at most {MAX_DEPTH} levels"
                         ) from None
    if node is None:
        raise InputError("the file is empty", Span(file, 1, 1),
                         "write `inputs:`, `params:` and `define:` (or `network:`); see examples/")
    doc = Doc(file, None, text)
    doc.data = _build(node, doc)
    return doc


def _indented_past_previous(text: str, line: int) -> bool:
    """Whether line (0-based) starts further right than the nearest non-blank line above it."""
    lines = text.splitlines()
    if not 0 < line < len(lines):
        return False
    indent = len(lines[line]) - len(lines[line].lstrip(" "))
    for above in reversed(lines[:line]):
        if above.strip() and not above.lstrip().startswith("#"):
            return indent > len(above) - len(above.lstrip(" ")) and not above.rstrip().endswith(":")
    return False


def _yaml_hint(what: str, at: str) -> str:
    if "tab" in what or at == "\t":
        return "indent with spaces, not tabs"
    if "expected ',' or" in what:
        return "a '{' or '[' is not closed, or a comma is missing between two items"
    if "mapping values" in what:
        return "a value that contains ': ' must be quoted, or a colon is misplaced"
    if "nesting depth" in what:
        return "the lists and mappings are nested too deeply; a problem file needs only a few levels"
    if "expected <block end>" in what or "expected key" in what or "indent" in what:
        return "check that the lines of one block are indented alike"
    return "check the indentation, the colons and the brackets on this line"


_EXPONENT_FLOAT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+\Z")
_PLAIN_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp")}


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [value for _, value in node.value]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expanded_size(root: Any, file: str) -> None:
    """Refuse alias bombs and self-referring aliases before anything is expanded: the size each
    node would expand to is summed once per distinct node, so this costs the size of the file."""
    size: dict[int, int] = {}
    visiting: set[int] = set()  # the nodes on the current path from the root
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            visiting.discard(key)
            total = 1 + sum(size[id(child)] for child in _children(node))
            if total > MAX_VALUES:
                raise InputError(
                    f"the file would expand to more than {MAX_VALUES:,} values",
                    _mark_span(file, node),
                    "aliases (&name / *name) that repeat each other are refused; write the values out",
                )
            size[key] = total
            continue
        if key in size:
            continue
        if key in visiting:
            raise InputError("an alias refers to the collection that contains it",
                             _mark_span(file, node), "a value cannot contain itself; remove the alias")
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in size)


def _build(root: Any, doc: Doc) -> Any:
    """Plain values from composed nodes, iteratively; only plain data tags are accepted."""
    import yaml
    from yaml.constructor import SafeConstructor

    _check_expanded_size(root, doc.file)
    scalar = SafeConstructor()
    result: dict[str, Any] = {}
    # (node, path, container to fill, key in it, depth)
    stack: list[tuple[Any, Path, Any, Any, int]] = [(root, (), result, "root", 0)]
    while stack:
        node, path, into, slot, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError("the YAML is nested too deeply", _mark_span(doc.file, node),
                             f"at most {MAX_DEPTH} levels of lists and mappings")
        doc.spans.setdefault(path, _mark_span(doc.file, node))
        if isinstance(node, yaml.MappingNode):
            _check_tag(doc, node, "tag:yaml.org,2002:map")
            value: Any = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError("a key must be a plain name", _mark_span(doc.file, key_node),
                                     "write `name: value`; lists and mappings cannot be keys")
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise InputError("merge keys (<<) are not supported", _mark_span(doc.file, key_node),
                                     "write the keys out")
                _check_tag(doc, key_node, *_PLAIN_TAGS)
                key = key_node.value
                if key in value:
                    first = doc.key_spans.get(path + (key,))
                    where = f" (first on line {first.line})" if first else ""
                    raise InputError(f"duplicate key '{key}'{where}", _mark_span(doc.file, key_node),
                                     "each name may appear once; remove or rename one of them")
                value[key] = None
                doc.key_spans[path + (key,)] = _mark_span(doc.file, key_node)
                stack.append((value_node, path + (key,), value, key, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            _check_tag(doc, node, "tag:yaml.org,2002:seq")
            value = [None] * len(node.value)
            for i in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[i], path + (i,), value, i, depth + 1))
        else:
            _check_tag(doc, node, *_PLAIN_TAGS)
            doc.styles[path] = node.style
            doc.written[path] = node.value
            try:
                value = scalar.construct_object(node)
            except (ValueError, TypeError, yaml.YAMLError):
                value = node.value
            if isinstance(value, str) and not node.style and _EXPONENT_FLOAT.match(value):
                value = float(value)  # YAML 1.1 reads 1e-3 as text; every student means a number
            if isinstance(value, str):
                doc.extents[path] = (node.start_mark.index, node.end_mark.index)
        into[slot] = value
    return result["root"]


def _check_tag(doc: Doc, node: Any, *allowed: str) -> None:
    if node.tag not in allowed:
        raise InputError(f"unsupported YAML tag {_shown_tag(node.tag)}", _mark_span(doc.file, node),
                         "bpcalc reads plain data only: numbers, names, lists and mappings; remove the tag")
