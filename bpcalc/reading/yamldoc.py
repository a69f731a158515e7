"""Read a file once and its YAML safely, remembering where every value came from.

The text is read once, whatever it is (a file, `-`, /dev/stdin, a named pipe), and decoded here:
UTF-8, or UTF-16/32 with a byte-order mark.  YAML is read from PyYAML's event stream (the C
parser when present) by one loop that builds plain Python values itself, so that

* every later check can point at a line and column (`Doc.span`), and `step -o` can put a new
  number exactly where the old one was written (`parse_yaml(…, positions=True)`);
* limits hold *while* reading: values are counted as they arrive (an alias at its expanded size),
  so a huge file or an alias bomb is refused before it is built;
* duplicate keys, merge keys, tags other than plain data, and numbers that YAML 1.1 reads
  differently from a person (010 is 8, 1:30 is 90, 0x1F, 1_000) are refused with what they mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from io import BufferedReader

from ..errors import InputError, Span, char_name, escape_char, quoted

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_VALUES = 2_000_000  # scalars + collections, aliases at their expanded size; a 200,000-line file has ~0.4M
MAX_ALIAS_VALUES = 100_000  # what aliases may add to the values written out
MAX_DEPTH = 64

Path = tuple[str | int, ...]

#: the text of every file parsed in this process, by the name errors show for it (for the source
#: line under an error message: the text bpcalc read, not whatever is on disk by then)
SOURCES: dict[str, str] = {}


@dataclass(slots=True)
class Doc:
    """Plain data (dicts, lists, str, int, float, bool, None) and where each part came from.

    A part repeated by an alias is the anchored value itself (not a copy); `aliases` maps the
    path of each alias to the path of what it repeats, and every lookup by path goes through it."""

    file: str
    data: Any
    text: str
    spans: dict[Path, tuple[int, int, int]] = field(default_factory=dict)  # value at path: line, column, length
    key_spans: dict[Path, tuple[int, int, int]] = field(default_factory=dict)  # the key that names path
    styles: dict[Path, str] = field(default_factory=dict)  # quoted and block scalars: ' " | >
    texts: frozenset[Path] = frozenset()  # the scalars read as the text written (a variant's label: 07)
    # start and end index in the text: of text scalars not written plainly on one line (with
    # positions=True, of every value)
    extents: dict[Path, tuple[int, int]] = field(default_factory=dict)
    written: dict[Path, str] = field(default_factory=dict)  # scalars not read as text, as written (0.5930, yes)
    aliases: dict[Path, Path] = field(default_factory=dict)  # where an alias stands -> what it repeats
    alias_extents: dict[Path, tuple[int, int]] = field(default_factory=dict)  # the `*name` text (positions=True)
    anchored: set[Path] = field(default_factory=set)  # paths that carry an anchor (&name)

    def origin(self, path: Path, keep_alias: bool = False) -> Path:
        """Where the value at `path` is written: the path inside the anchored original when the
        path runs through an alias.  `keep_alias` leaves a path that is itself an alias as it is."""
        if not self.aliases:
            return path
        for _ in range(MAX_DEPTH * 4):
            for k in range(len(path) - (1 if keep_alias else 0), 0, -1):
                target = self.aliases.get(path[:k])
                if target is not None:
                    path = target + path[k:]
                    break
            else:
                return path
        return path

    def span(self, path: Path) -> Span:
        path = self.origin(path, keep_alias=True)
        while path and path not in self.spans:
            path = self.origin(path[:-1], keep_alias=True)
        place = self.spans.get(path)
        return Span(self.file, *place) if place else Span(self.file, 1, 1)

    def key_span(self, path: Path) -> Span:
        place = self.key_spans.get(self.origin(path, keep_alias=True))
        return Span(self.file, *place) if place else self.span(path)

    def source(self, path: Path, value: Any) -> str:
        """A value that YAML read as something else than text (`yes`, `.inf`, a number) as it is
        written in the file; text as it is."""
        if isinstance(value, str):
            return value
        written = self.written.get(self.origin(path))
        return written if written is not None else repr(value)

    def expression_span(self, path: Path) -> Span:
        """Where an expression string's first character is, and, when the string spans lines or
        has escapes, where each of its characters is (so errors inside it point at the right place)."""
        if self.aliases:
            path = self.origin(path)
        place = self.spans.get(path)
        if place is None:
            return self.span(path)
        extent = self.extents.get(path)
        if extent is None or (extent[1] - extent[0] == place[2] and path not in self.styles
                              and self.text[extent[0]] not in "&!"):
            # plain, on one line, no &anchor or !tag before it (or not text): the text is the value
            # (a Span made without NamedTuple's __new__, a Python call: a file may have 100,000 lines)
            return _new_span(Span, (self.file, *place, None))
        line, column, length = place
        value = self.data_at(path)
        if not isinstance(value, str):
            return Span(self.file, line, column, length)
        start, end = extent
        inside = column
        if self.styles.get(path) in ("'", '"'):
            start, end, inside = start + 1, end - 1, column + 1
        if self.text[start:end] == value:
            return Span(self.file, line, inside, length)
        layout = _layout(self.text, start, end, value, line, inside, self.styles.get(path) == '"')
        return Span(self.file, line, column, length, layout)

    def data_at(self, path: Path) -> Any:
        value = self.data
        for key in path:
            value = value[key]
        return value


_new_span = tuple.__new__


class KeySpans(Mapping[str, Span]):
    """name -> where the key that declares it is, for `paths` (name -> its path in `doc`).  Holds
    the places alone, each made a Span only when an error asks for it (a file may declare 100,000
    names and have no error), so the document itself is freed once the problem is read."""

    __slots__ = ("file", "places")

    def __init__(self, doc: Doc, paths: Mapping[str, Path]):
        self.file = doc.file
        found = doc.key_spans if not doc.aliases else {}
        self.places: dict[str, tuple[int, int, int] | Span] = {
            name: found.get(path) or doc.key_span(path) for name, path in paths.items()}

    def __getitem__(self, name: str) -> Span:
        place = self.places[name]
        return place if isinstance(place, Span) else Span(self.file, *place)

    def __iter__(self) -> Iterator[str]:
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)


def _layout(text: str, start: int, end: int, value: str, line: int, column: int, escapes: bool = False
            ) -> tuple[tuple[int, int], ...] | None:
    """(line, column) in `text` of each character of `value`, the scalar's content between
    `start` and `end` after YAML folded its lines and resolved its escapes (`escapes`: a
    double-quoted scalar, where `\\0` or `\\x41` writes one character); None if it cannot tell."""
    if start < end and text[start] in "|>":  # a block scalar: the content starts on the next line
        while start < end and text[start] != "\n":
            start += 1
            column += 1
    out = []
    j = start
    for ch in value:
        size = 1
        while j < end and text[j] != ch and not (ch == " " and text[j] == "\n"):
            if escapes and text[j] == "\\":
                written = _escape(text, j)
                if written is not None and written[0] == ch:
                    size = written[1]
                    break
            line, column = (line + 1, 1) if text[j] == "\n" else (line, column + 1)
            j += 1
        if j >= end:
            return None
        if escapes and text[j] == "\\" and size == 1:  # a backslash written as two
            size = (_escape(text, j) or ("", 1))[1]
        out.append((line, column))
        line, column = (line + 1, 1) if text[j] == "\n" else (line, column + size)
        j += size
    out.append((line, column))  # the end: "ends too early" points just after the last character
    return tuple(out)


#: YAML's escapes in double quotes: the letter after the backslash -> the character it writes
_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
            "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
            "L": "\u2028", "P": "\u2029"}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}


def _escape(text: str, j: int) -> tuple[str, int] | None:
    """The character the escape at text[j] (a backslash) writes, and the escape's length."""
    letter = text[j + 1:j + 2]
    if letter in _ESCAPES:
        return _ESCAPES[letter], 2
    digits = _HEX_DIGITS.get(letter)
    if digits is None:
        return None
    try:
        return chr(int(text[j + 2:j + 2 + digits], 16)), 2 + digits
    except ValueError:
        return None


def _place(start: Any, end: Any) -> tuple[int, int, int]:
    """(line, column, length) of the text between two marks; length 1 across lines."""
    return (start.line + 1, start.column + 1, (end.index - start.index if end.line == start.line else 1) or 1)


def _mark_span(file: str, start: Any, end: Any) -> Span:
    return Span(file, *_place(start, end))


# --- reading the text, once -------------------------------------------------------------------------

#: YAML's line breaks: what its line numbers count, and so what ours count
LINE_BREAKS = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def line_and_column(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of text[index], lines broken where YAML breaks them."""
    line, start = 1, 0
    for m in LINE_BREAKS.finditer(text, 0, index):
        line, start = line + 1, m.end()
    return line, index - start + 1


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))


class NotAFile(Exception):
    """What `open_regular` found in place of a regular file, as words: "is a named pipe (FIFO),
    not a file"."""


def open_regular(path: str) -> BufferedReader:
    """`path` opened for reading once it is known to be a regular file, without waiting: a named
    pipe, a device or a folder is refused by its kind (NotAFile), and one put in the file's place
    after the check is found by fstat, never read.  OSError for what cannot be opened."""
    import os
    import stat

    from ..outputs import kind_of

    before = os.stat(path)
    kind = kind_of(before.st_mode)
    if kind is not None:
        raise NotAFile(f"is {kind}, not a file")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_CLOEXEC", 0))
    opened = os.fdopen(fd, "rb")
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (before.st_dev, before.st_ino):
        opened.close()
        raise NotAFile("changed while it was opened")
    return opened


def read_text(path: str, *, regular: bool = False) -> tuple[str, str]:
    """The text of a file ('-' is standard input) and the name to show for it.  The input is
    read exactly once, so a pipe, /dev/stdin or a named FIFO gives its whole content and every
    error is about that one read.  `regular`: a file found among someone else's (a class's
    answers) must be a regular file, opened without waiting: a FIFO there is an error, not a wait."""
    import os
    import sys

    if path.startswith("example:") and not os.path.exists(path):
        return _shipped_example(path)
    if path == "-":
        shown = "<stdin>"
        stream = getattr(sys.stdin, "buffer", None) if sys.stdin is not None else None
        if stream is None:
            raise InputError("standard input is closed", Span(shown),
                             "give the problem as a file, or pipe it in: bpcalc grad - < problem.yaml")
        _say_if_terminal(stream)
        data = _read_all(stream, shown)
    else:
        shown = path
        try:
            with open_regular(path) if regular else open(path, "rb") as fh:
                _say_if_terminal(fh)
                data = _read_all(fh, shown)
        except NotAFile as exc:
            raise InputError(f"{path} {exc}", Span(path), "name a regular file; standard input is '-'") from None
        except FileNotFoundError:
            raise InputError(f"no such file: {path}", Span(path), missing_file_hint(path)) from None
        except IsADirectoryError:
            raise InputError(f"{path} is a directory, not a file", Span(path), "name a .yaml file inside it"
                             ) from None
        except OSError as exc:
            if os.path.isdir(path):
                raise InputError(f"{path} is a directory, not a file", Span(path),
                                 "name a .yaml file inside it") from None
            raise InputError(f"cannot read {path}: {exc.strerror}", Span(path), _unreadable_hint(exc)) from None
    return decode(data, shown), shown


def _unreadable_hint(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "it is a link that leads back to itself: point it at a file"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "check the file's permissions"
    return "check the path, and that the file can be read"


#: names looked at in a folder for a did-you-mean (a folder of thousands is not read whole)
_NAMES_LOOKED_AT = 2_000


def missing_file_hint(path: str) -> str:
    """The hint for a file that does not exist: the nearest file name in its folder, as a path
    the way it was given (`did you mean 'net.yaml'?` for nett.yaml beside net.yaml), else what to
    check."""
    import os

    from ..errors import closest, quoted

    folder, name = os.path.split(path)
    found: list[str] = []
    try:
        with os.scandir(folder or ".") as entries:
            for k, entry in enumerate(entries):
                if k >= _NAMES_LOOKED_AT:
                    break
                try:
                    if entry.is_file():
                        found.append(entry.name)
                except OSError:
                    continue
    except OSError:
        if folder and not os.path.isdir(folder):
            return f"the folder {quoted(folder)} does not exist either; check the path and the spelling"
        return "check the path and the spelling"
    near = closest(name, found) if name else None
    if near is None or near == name:
        return "check the path and the spelling"
    return f"did you mean {quoted(os.path.join(folder, near))}?"


def _say_if_terminal(stream: Any) -> None:
    """Someone typing the problem in should know that bpcalc is waiting for them."""
    import sys

    try:
        waiting = stream.isatty()
    except (OSError, ValueError):
        waiting = False
    if waiting and sys.stderr is not None:
        sys.stderr.write("reading the problem from standard input; end with Ctrl-D\n")
        sys.stderr.flush()


def _read_all(stream: Any, shown: str) -> bytes:
    try:
        data: bytes = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {shown}: {exc.strerror}", Span(shown),
                         "check the file's permissions") from None
    if len(data) > MAX_FILE_BYTES:
        limit = (f"{MAX_FILE_BYTES // (1024 * 1024)} MiB" if MAX_FILE_BYTES >= 1024 * 1024
                 else f"{MAX_FILE_BYTES} bytes")
        raise InputError(f"the file is larger than {limit}", Span(shown), "split the problem into smaller files")
    return data


def decode(data: bytes, shown: str) -> str:
    """The text of a file's bytes: UTF-8 (with or without a byte-order mark), or UTF-16/UTF-32
    with one.  Anything else is refused at its first bad byte."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(f"the file starts as {encoding.upper()} but byte {exc.start + len(bom)} is not "
                                 f"{encoding.upper()}", Span(shown, 1, 1), "save it as UTF-8") from None
            if "\0" in text:
                break
            return text
    if b"\0" in data:
        hint = "give the .yaml file that describes the problem"
        if len(data) >= 4 and (data[1::2].count(0) > len(data) // 4 or data[0::2].count(0) > len(data) // 4):
            hint = "this looks like UTF-16 text without a byte-order mark; save it as UTF-8"
        raise InputError("this is a binary file, not YAML text", Span(shown, 1, 1), hint)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # the text up to the bad byte places it; shown with the bad byte replaced, for the caret
        text = data.decode("utf-8", "replace")
        before = data[: exc.start].decode("utf-8", "replace")
        line, column = line_and_column(text, len(before))
        SOURCES[shown] = text
        bad = data[exc.start]
        as_latin = bytes([bad]).decode("cp1252", "replace")
        guess = f"; read as Windows-1252 or Latin-1, byte 0x{bad:02X} is {quoted(as_latin)}" if as_latin.isprintable() \
            and as_latin != "\ufffd" else ""
        raise InputError(f"the file is not UTF-8 text: byte 0x{bad:02X} cannot start or continue a character",
                         Span(shown, line, column), f"save the file as UTF-8{guess}") from None


def _shipped_example(name: str) -> tuple[str, str]:
    """`example:NAME`: one of the examples shipped inside the package (`bpcalc examples`)."""
    from ..shipped import read

    return read(name)


# the characters PyYAML's reader accepts; anything else is a control character to be named
_UNPRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _check_characters(text: str, file: str) -> None:
    m = _UNPRINTABLE.search(text)
    if m is None:
        return
    ch = m.group()
    line, column = line_and_column(text, m.start())
    raise InputError(f"the file holds the control character {escape_char(ch)} ({char_name(ch)})",
                     Span(file, line, column),
                     "a YAML file holds printable text, tabs and line breaks only; delete the character "
                     "(to write one inside a value, use a \"double-quoted\" escape such as \\t)")


# --- YAML events to plain values ---------------------------------------------------------------------

_STR = "tag:yaml.org,2002:str"
_PLAIN_TAGS = {"tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)\Z")
_EXPONENT_FLOAT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+\Z")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+\Z")
_NON_FINITE = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
#: plain words YAML 1.1 does not read as text (PyYAML's resolver: booleans and null)
_WORDS = frozenset(w for word in (*_BOOLS, "null") for w in (word, word.capitalize(), word.upper()))


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


class _Frame:
    """An open mapping or sequence while its events arrive."""

    __slots__ = ("container", "mapping", "path", "key", "key_path", "start", "anchor", "count0")

    def __init__(self, container: Any, path: Path, start: Any, anchor: str | None, count0: int):
        self.container = container
        self.mapping = isinstance(container, dict)
        self.path = path
        self.key: Any = _NO_KEY
        self.key_path: Path = path  # the path of the value under `key`
        self.start = start
        self.anchor = anchor
        self.count0 = count0


_NO_KEY = object()


class _Anchor:
    __slots__ = ("path", "value", "size", "line", "open")

    def __init__(self, path: Path, value: Any, line: int, size: int = 1, open_: bool = False):
        self.path, self.value, self.line, self.size, self.open = path, value, line, size, open_


def parse_yaml(text: str, file: str, *, positions: bool = False, texts: frozenset[Path] = frozenset()) -> Doc:
    """The document in `text` as plain values with their places.  `positions` also keeps, for
    `step -o`, the extent of every scalar and of every alias in the text; the scalars at `texts`
    are the text written, read as nothing else."""
    import yaml

    SOURCES[file] = text
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in LINE_BREAKS.split(text)):
        raise InputError("the file is empty", Span(file, 1, 1),
                         "write `inputs:`, `params:` and `define:` (or `network:`); "
                         "bpcalc examples lists files of both forms")
    _check_characters(text, file)
    doc = Doc(file, None, text, texts=texts)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        data, found = _read_events(loader, doc, positions)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML syntax: {exc}", Span(file), "check the indentation and the colons") from None
    finally:
        loader.dispose()
    if not found:
        raise InputError("the file is empty", Span(file, 1, 1),
                         "write `inputs:`, `params:` and `define:` (or `network:`); "
                         "bpcalc examples lists files of both forms")
    doc.data = data
    return doc


def _read_events(loader: Any, doc: Doc, positions: bool) -> tuple[Any, bool]:
    """One pass over the event stream: values built, counted and placed as they arrive."""
    import yaml

    file = doc.file
    spans, styles, extents, written, key_spans = doc.spans, doc.styles, doc.extents, doc.written, doc.key_spans
    stack: list[_Frame] = []
    anchors: dict[str, _Anchor] = {}
    root: list[Any] = []
    documents = 0
    count = 0  # values so far, aliases at their expanded size
    repeated = 0  # values added by aliases
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    values = (scalar_event, alias_event, map_start, seq_start)
    decimal_int, decimal_float, words = _DECIMAL_INT.match, _DECIMAL_FLOAT.match, _WORDS
    get_event = loader.get_event

    while True:
        event = get_event()
        kind = type(event)
        if kind not in values:
            if kind in ends:
                frame = stack.pop()
                spans[frame.path] = _place(frame.start, event.end_mark)
                if positions:
                    extents[frame.path] = (frame.start.index, event.end_mark.index)
                if frame.anchor is not None:
                    closed = anchors[frame.anchor]
                    closed.size, closed.open = count - frame.count0, False
            elif kind is yaml.StreamEndEvent:
                break
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise InputError("the file holds more than one YAML document",
                                     _mark_span(file, event.start_mark, event.end_mark),
                                     "a problem is one document: remove this '---' and what follows, or put it "
                                     "in a file of its own")
            continue

        start, end = event.start_mark, event.end_mark
        place = (start.line + 1, start.column + 1, (end.index - start.index if end.line == start.line else 1) or 1)
        # where the value goes: a key of the open mapping, a value in it, the next item, the root
        top = stack[-1] if stack else None
        if top is None:
            path: Path = ()
        elif top.mapping:
            if top.key is _NO_KEY:
                key = event.value if kind is scalar_event and event.tag is None else None
                if key is None or key == "<<" or key in top.container:  # checked, and refused, there
                    top.key_path = _key(event, top, doc)
                else:  # a plain name, new in its mapping: the commonest key, placed here directly
                    top.key_path = path = top.path + (key,)
                    key_spans[path] = place
                top.key = top.key_path[-1]
                continue
            path = top.key_path
        else:
            path = top.path + (len(top.container),)

        if kind is scalar_event:
            count += 1
            if count > MAX_VALUES:
                raise InputError(f"the file holds more than {MAX_VALUES:,} values", Span(file, *place),
                                 "split the problem into smaller files")
            text = event.value
            value: Any = text
            if event.tag is None and event.implicit[0]:  # plain: the commonest forms read here directly
                first = text[:1]
                if first.isalpha() or first == "_":  # a word is text, but for YAML's (yes, null, …)
                    if text in words:
                        value = _scalar(event, path, doc, Span(file, *place), loader)
                elif decimal_int(text):
                    value = _whole(text, path, doc)
                elif decimal_float(text):
                    value = float(text)
                else:
                    value = _scalar(event, path, doc, Span(file, *place), loader)
            elif event.tag is not None:
                value = _scalar(event, path, doc, Span(file, *place), loader)
            spans[path] = place
            if value is not text:  # text is its own writing (Doc.source)
                written[path] = text
            if event.style:
                styles[path] = event.style
            # text written plainly on one line, with no &anchor or !tag, is its own value in the file:
            # expression_span needs no extent for it
            if positions or value is text and not (end.line == start.line and not event.style
                                                   and event.anchor is None and event.tag is None):
                extents[path] = (start.index, end.index)
        elif kind is alias_event:
            anchor = anchors.get(event.anchor)
            span = Span(file, *place)
            if anchor is None:
                raise InputError(f"the alias *{event.anchor} refers to no anchor &{event.anchor} above it",
                                 span, f"define it first with &{event.anchor} on the value to repeat, "
                                 "or write the value out")
            if anchor.open:
                raise InputError("an alias refers to the collection that contains it", span,
                                 "a value cannot contain itself; remove the alias")
            count += anchor.size
            repeated += anchor.size
            if repeated > MAX_ALIAS_VALUES:
                raise InputError(f"the file would expand to more than {MAX_ALIAS_VALUES:,} values repeated by "
                                 "aliases", span, "aliases (*name) may repeat a row or a sample, not multiply a "
                                 "file; write the values out")
            if count > MAX_VALUES:
                raise InputError(f"the file would expand to more than {MAX_VALUES:,} values", span,
                                 "split the problem into smaller files")
            value = anchor.value
            spans[path] = place
            doc.aliases[path] = anchor.path
            if anchor.path in written:  # a repeated number keeps its text (answers files read it by path)
                written[path] = written[anchor.path]
            if positions:
                doc.alias_extents[path] = (start.index, end.index)
        else:
            count += 1
            span = Span(file, *place)
            if count > MAX_VALUES:
                raise InputError(f"the file holds more than {MAX_VALUES:,} values", span,
                                 "split the problem into smaller files")
            if len(stack) >= MAX_DEPTH:
                raise InputError("the YAML is nested too deeply", span,
                                 f"at most {MAX_DEPTH} levels of lists and mappings")
            expected = "tag:yaml.org,2002:map" if kind is map_start else "tag:yaml.org,2002:seq"
            if event.tag not in (None, "!", expected):
                raise _tag_error(event.tag, span)
            value = {} if kind is map_start else []
            stack.append(_Frame(value, path, start, event.anchor, count - 1))
            spans[path] = place
        if kind is not alias_event and event.anchor is not None:
            if event.anchor in anchors:
                raise InputError(f"the anchor &{event.anchor} is defined twice (first on line "
                                 f"{anchors[event.anchor].line})", Span(file, *place),
                                 "give each anchor (&name) a name of its own")
            anchors[event.anchor] = _Anchor(path, value, place[0], 1, kind in (map_start, seq_start))
            doc.anchored.add(path)

        if top is None:
            root.append(value)
        elif top.mapping:
            top.container[top.key] = value
            top.key = _NO_KEY
        else:
            top.container.append(value)
    return (root[0] if root else None), bool(root)


def _key(event: Any, frame: _Frame, doc: Doc) -> Path:
    """A mapping key: a plain name, once per mapping.  Returns the path of its value."""
    import yaml

    place = _place(event.start_mark, event.end_mark)
    if type(event) is not yaml.ScalarEvent:
        what = "an alias" if isinstance(event, yaml.AliasEvent) else "a list or a mapping"
        raise InputError(f"a key must be a plain name, not {what}", Span(doc.file, *place),
                         "write `name: value`; lists, mappings and aliases cannot be keys")
    key: str = event.value
    tag = event.tag
    if key == "<<" and tag in (None, "!") and event.implicit[0]:
        raise InputError("merge keys (<<) are not supported", Span(doc.file, *place), "write the keys out")
    if tag is not None and tag != "!" and tag not in _PLAIN_TAGS:
        raise _tag_error(tag, Span(doc.file, *place))
    path = frame.path + (key,)
    if key in frame.container:
        first = doc.key_spans.get(path)
        where = f" (first on line {first[0]})" if first else ""
        raise InputError(f"duplicate key {quoted(key)}{where}", Span(doc.file, *place),
                         "each name may appear once; remove or rename one of them")
    doc.key_spans[path] = place
    return path


def _scalar(event: Any, path: Path, doc: Doc, span: Span, loader: Any) -> Any:
    """A scalar's value, read as a person reads it, or refused where YAML 1.1 reads it otherwise."""
    import yaml

    text: str = event.value
    if path in doc.texts:
        return text
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(yaml.ScalarNode, text, event.implicit) if event.implicit[0] else _STR
    elif tag not in _PLAIN_TAGS:
        raise _tag_error(tag, span)
    if tag == _STR:
        if event.implicit[0]:  # plain text that a person reads as a number
            if _EXPONENT_FLOAT.match(text):
                return float(text)  # YAML 1.1 reads 1e-3 as text; every student means a number
            if _LEADING_ZERO.match(text):
                raise _reading(text, "text (a leading 0 makes YAML 1.1 read 010 as octal and 08 as text)",
                               span, f"write {int(text)} without the leading zero")
        return text
    if tag == "tag:yaml.org,2002:int":
        if _DECIMAL_INT.match(text):
            return _whole(text, path, doc)
        return _int_reading(text, span)
    if tag == "tag:yaml.org,2002:float":
        if _DECIMAL_FLOAT.match(text) or _DECIMAL_INT.match(text):
            return float(text)
        if _NON_FINITE.match(text):
            return float("nan") if "nan" in text.lower() else float(text.replace(".", ""))
        try:
            reading = float(_constructed(loader, "float", text))
        except (ValueError, TypeError, OverflowError):
            raise InputError(f"{quoted(text)} is not a number", span, "write a number such as 0.5 or -2") from None
        if ":" in text:
            raise _reading(text, f"the base-60 number {reading:g}", span,
                           f"write {reading:g}, or quote it if it is text")
        raise _reading(text, f"{reading:g} (the '_' are dropped)", span, f"write {reading:g} without '_'")
    if tag == "tag:yaml.org,2002:bool":
        if text.lower() not in _BOOLS:
            raise InputError(f"{quoted(text)} is not true or false", span, "remove the tag")
        return _BOOLS[text.lower()]
    if tag == "tag:yaml.org,2002:null":
        return None
    # a timestamp: bpcalc has no dates, and 2001-12-14 read as one would be a surprise anywhere
    raise InputError(f"{quoted(text)} is read by YAML as a date", span,
                     "bpcalc has no dates: write a number, or quote the text")


def _whole(text: str, path: Path, doc: Doc) -> int | float:
    try:
        return int(text)
    except ValueError:  # more digits than Python converts: far beyond a float anyway
        return float("inf")


def _int_reading(text: str, span: Span) -> NoReturn:
    body = text.lstrip("+-").replace("_", "")
    sign = -1 if text.startswith("-") else 1
    try:
        _int_forms(text, body, sign, span)
    except ValueError:
        raise InputError(f"{quoted(text)} is not a whole number", span, "write a whole number such as 2") from None
    raise _reading(text, f"{sign * int(body)} (the '_' are dropped)", span, f"write {sign * int(body)} without '_'")


def _int_forms(text: str, body: str, sign: int, span: Span) -> None:
    """Raise the reading of an integer YAML 1.1 writes in another base (ValueError: none)."""
    if ":" in body:
        value = 0
        for part in body.split(":"):
            value = value * 60 + int(part)
        raise _reading(text, f"the base-60 number {sign * value}", span,
                       f"write {sign * value}, or quote it if it is text")
    if body.startswith(("0x", "0X")):
        raise _reading(text, f"the hexadecimal number {sign * int(body[2:], 16)}", span,
                       f"write it in decimal: {sign * int(body[2:], 16)}")
    if body.startswith(("0b", "0B")):
        raise _reading(text, f"the binary number {sign * int(body[2:], 2)}", span,
                       f"write it in decimal: {sign * int(body[2:], 2)}")
    if len(body) > 1 and body.startswith("0"):
        raise _reading(text, f"the octal number {sign * int(body, 8)}", span,
                       f"write {sign * int(body)} without the leading zero (or {sign * int(body, 8)} if you "
                       "meant octal)")
    int(body)  # a decimal number with '_' in it, or not a number at all (ValueError)


def _reading(text: str, reading: str, span: Span, hint: str) -> InputError:
    return InputError(f"{quoted(text)} is read by YAML as {_short(reading)}", span, _short(hint))


def _short(text: str) -> str:
    return text if len(text) <= 100 else f"{text[:60]}…{text[-20:]}"


def _constructed(loader: Any, kind: str, text: str) -> Any:
    import yaml

    node = yaml.ScalarNode(f"tag:yaml.org,2002:{kind}", text)
    return getattr(yaml.constructor.SafeConstructor, f"construct_yaml_{kind}")(loader, node)


def _tag_error(tag: str, span: Span) -> InputError:
    return InputError(f"unsupported YAML tag {_short(_shown_tag(tag))}", span,
                      "bpcalc reads plain data only: numbers, names, lists and mappings; remove the tag")


def _syntax_error(exc: Any, text: str, file: str) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or "invalid YAML"
    context = exc.context_mark
    span = Span(file, mark.line + 1, mark.column + 1) if mark else Span(file)
    if exc.context and "while scanning an anchor" in exc.context:
        return InputError("'&' must be followed by the anchor's name", span,
                          "write &name before the value to repeat, then *name where it repeats")
    if exc.context and "while scanning an alias" in exc.context:
        return InputError("'*' must be followed by the name of an anchor", span,
                          "write *name to repeat the value marked &name above; quote a value that starts with '*'")
    if exc.context and "simple key" in exc.context and context and "':'" in what:
        # `lr 0.5`: YAML notices the missing colon only where the next key begins
        return _missing_colon(file, text, context.line)
    if mark and "mapping values" in what:
        before = _previous_line(text, mark.line)
        if before is not None and _without_colon(text.splitlines()[before]):
            return _missing_colon(file, text, before)
    if exc.context and context and mark and context.line != mark.line:
        # the problem is often noticed lines after its cause (an unclosed bracket)
        what += f" ({exc.context} that starts on line {context.line + 1})"
    at = text[mark.index] if mark and 0 <= mark.index < len(text) else ""
    hint = _yaml_hint(what, at)
    if mark and "mapping values" in what and _indented_past_previous(text, mark.line):
        hint = "this line is indented more than the line above; keys of one block start in the same column"
    return InputError(f"YAML syntax: {what}", span, hint)


def _missing_colon(file: str, text: str, line: int) -> InputError:
    """The line where a key lacks its colon (`lr 0.5`, `z_h w_h * x + b_h`)."""
    written = text.splitlines()[line] if line < len(text.splitlines()) else ""
    column = len(written) - len(written.lstrip(" -")) + 1
    key = written.strip().lstrip("- ").split(" ", 1)[0]
    return InputError("YAML syntax: this line has no ':' after its key", Span(file, line + 1, column, max(1, len(key))),
                      f"write the key, a colon and a space, then the value: `{_short(key)}: …`" if key else
                      "write `key: value`")


def _previous_line(text: str, line: int) -> int | None:
    """The nearest line above `line` with something on it besides a comment."""
    lines = text.splitlines()
    for k in range(min(line, len(lines)) - 1, -1, -1):
        if lines[k].strip() and not lines[k].lstrip().startswith("#"):
            return k
    return None


def _without_colon(line: str) -> bool:
    """A line of a block mapping that holds a key and a value but no colon between them."""
    body = line.split(" #", 1)[0].strip()
    return bool(body) and ":" not in body and not body.startswith(("-", "[", "{", "'", '"', "&", "*")) and " " in body


def _indented_past_previous(text: str, line: int) -> bool:
    """Whether line (0-based) starts further right than the nearest non-blank line above it."""
    lines = LINE_BREAKS.split(text)
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
