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

from .errors import InputError, Span

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_VALUES = 2_000_000  # scalars + collections after alias expansion; a 200,000-line file has ~0.4M
MAX_DEPTH = 64

Path = tuple[str | int, ...]

# YAML 1.1 (PyYAML) reads a plain `1e-3` as a string; YAML 1.2 and every user read a number
_EXPONENT_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+\Z")


@dataclass(slots=True)
class Doc:
    """Plain data (dicts, lists, str, int, float, bool, None) and where each part came from."""

    file: str
    data: Any
    text: str
    spans: dict[Path, Span] = field(default_factory=dict)  # value at path
    key_spans: dict[Path, Span] = field(default_factory=dict)  # the key that names path
    styles: dict[Path, str | None] = field(default_factory=dict)  # scalar style (quotes shift columns)

    def span(self, path: Path) -> Span:
        while path and path not in self.spans:
            path = path[:-1]
        return self.spans.get(path, Span(self.file, 1, 1))

    def key_span(self, path: Path) -> Span:
        return self.key_spans.get(path) or self.span(path)

    def expression_span(self, path: Path) -> Span:
        """Where an expression string's first character is (after an opening quote)."""
        s = self.span(path)
        if self.styles.get(path) in ("'", '"') and s.column is not None:
            return Span(s.file, s.line, s.column + 1, s.length)
        return s


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
        raise InputError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
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
        span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file)
        raise InputError(f"YAML syntax: {what}", span, _yaml_hint(what)) from None
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


def _yaml_hint(what: str) -> str:
    if "tab" in what:
        return "indent with spaces, not tabs"
    if "mapping values" in what:
        return "a value that contains ': ' must be quoted, or a colon is misplaced"
    if "expected <block end>" in what or "indent" in what:
        return "check that the lines of one block are indented alike"
    return "check the indentation, the colons and the brackets on this line"


def _build(root: Any, doc: Doc) -> Any:
    """Plain values from composed nodes, iteratively, counting what aliases expand to."""
    import yaml
    from yaml.constructor import ConstructorError, SafeConstructor

    scalar = SafeConstructor()
    count = 0
    result: dict[str, Any] = {}
    # (node, path, container to fill, key in it, depth)
    stack: list[tuple[Any, Path, Any, Any, int]] = [(root, (), result, "root", 0)]
    while stack:
        node, path, into, slot, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise InputError(
                f"the file expands to more than {MAX_VALUES:,} values",
                Span(doc.file, 1, 1),
                "aliases (&name / *name) that repeat each other are refused; write the values out",
            )
        if depth > MAX_DEPTH:
            raise InputError("the YAML is nested too deeply", _mark_span(doc.file, node),
                             f"at most {MAX_DEPTH} levels")
        doc.spans.setdefault(path, _mark_span(doc.file, node))
        if isinstance(node, yaml.MappingNode):
            value: Any = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError("a key must be a plain name", _mark_span(doc.file, key_node))
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise InputError("merge keys (<<) are not supported", _mark_span(doc.file, key_node),
                                     "write the keys out")
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
            value = [None] * len(node.value)
            for i in range(len(node.value) - 1, -1, -1):
                stack.append((node.value[i], path + (i,), value, i, depth + 1))
        else:
            doc.styles[path] = node.style
            try:
                value = scalar.construct_object(node)
            except ConstructorError as exc:
                raise InputError(
                    f"unsupported YAML tag {node.tag}", _mark_span(doc.file, node),
                    "bpcalc reads plain data only: numbers, names, lists and mappings",
                ) from None
            except (ValueError, TypeError):
                value = node.value
            if not node.style and isinstance(value, str) and _EXPONENT_NUMBER.match(value):
                value = float(value)
        into[slot] = value
    return result["root"]
