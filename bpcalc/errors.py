"""One exception family for everything a user can get wrong.

Every error carries where it happened (a `Span`) and how to fix it (a hint).  Only the CLI turns
these into text on standard error and exit code 2; the library just raises them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple


class Span(NamedTuple):
    """A place in a source file: 1-based line and column, length in characters.

    `layout`, for a YAML string that spans several lines or contains escapes, gives the
    (line, column) in the file of each character of the string's value."""

    file: str
    line: int | None = None
    column: int | None = None
    length: int = 1
    layout: tuple[tuple[int, int], ...] | None = None

    def shifted(self, columns: int, length: int = 1) -> Span:
        """Where the character `columns` into this span's text is (for a part of an expression)."""
        if self.column is None:
            return self
        if self.layout:
            line, column = self.layout[max(0, min(columns, len(self.layout) - 1))]
            return Span(self.file, line, column, max(1, length))
        return Span(self.file, self.line, self.column + columns, max(1, length))


class BpcalcError(Exception):
    """Bad input: the message says what is wrong, the hint how to fix it."""

    def __init__(self, message: str, span: Span | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def __str__(self) -> str:
        return self.message


_MESSAGE = 400  # longest message shown whole: a value of thousands of characters is cut in its middle


def headline(err: BpcalcError) -> str:
    """`FILE:LINE:COL: error: what`, everything from outside bpcalc escaped, a very long message cut
    in its middle: the first line of what the command line prints (cli/exits.py)."""
    message = escaped(err.message)
    if len(message) > _MESSAGE:
        message = f"{message[:_MESSAGE - 100]}…{message[-80:]} ({len(message):,} characters)"
    span = err.span
    if span is None:
        return f"error: {message}"
    where = escaped(span.file)
    if span.line is not None:
        where += f":{span.line}"
        if span.column is not None:
            where += f":{span.column}"
    return f"{where}: error: {message}"


def one_line(err: BpcalcError) -> str:
    """The headline with its hint in parentheses (a hint of several lines joined by "; "): an
    error as a row of a table shows it."""
    return headline(err) + (f" ({escaped('; '.join(err.hint.splitlines()))})" if err.hint else "")


class InputError(BpcalcError):
    """The file cannot be read, parsed or understood."""


class MathError(BpcalcError):
    """A value cannot be computed: division by zero, log of a non-positive number, overflow."""


class UsageError(BpcalcError):
    """An option's value is not one it can take, or options that cannot go together (exit 2, with a
    hint)."""


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str],
                 aliases: Mapping[str, str] | None = None) -> str | None:
    """'did you mean 'x'?' for the closest choice, or None when nothing is close.  `aliases`: other
    words for some choices (a former name -> the name now): one close to an alias suggests its choice."""
    aliases = aliases or {}
    found = closest(word, [*choices, *aliases])
    if found is None:
        return None
    return f"did you mean {quoted(aliases.get(found, found))}?"


def closest(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """The choice nearest to `word` (the same word in other capitals first), or None when nothing
    is close."""
    import difflib

    by_case = {c.lower(): c for c in sorted(choices, reverse=True)}
    if word.lower() in by_case:  # MSE for mse: the same word in other capitals
        return by_case[word.lower()]
    close = difflib.get_close_matches(word.lower(), list(by_case), n=1, cutoff=0.6)
    return by_case[close[0]] if close else None


# --- text from a file, safe to show on a terminal -------------------------------------------------------

#: names of the control characters a file is likeliest to hold (unicodedata has none for them)
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BELL", 0x08: "BACKSPACE", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED",
                  0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE", 0x9B: "CONTROL SEQUENCE INTRODUCER"}
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _hidden(ch: str) -> bool:
    """A character that a terminal acts on or does not show: controls (escape sequences start
    with one), bidi and other format characters, line and paragraph separators, surrogates,
    unassigned code points, and every space but the plain one."""
    import unicodedata

    if " " <= ch <= "~":
        return False
    category = unicodedata.category(ch)
    return category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or (category == "Zs" and ch != " ")


def escape_char(ch: str) -> str:
    """How one hidden character is written: \\t, \\x1b, \\u200b, \\U000e0001."""
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def char_name(ch: str) -> str:
    """U+200B ZERO WIDTH SPACE, U+001B ESCAPE."""
    import unicodedata

    code = ord(ch)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "")
    if not name:
        name = "a control character" if unicodedata.category(ch) == "Cc" else "an unnamed character"
    return f"U+{code:04X} {name}"


def escaped(text: str, keep: str = "") -> str:
    """`text` with every hidden character written as an escape (`\\x1b`), so that nothing read
    from a file can move the cursor, retitle or clear the terminal, or reorder what is shown.
    Characters in `keep` (a hint's newlines) stay as they are.  This is the one place text from
    outside bpcalc is made safe to print."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(escape_char(ch) if ch not in keep and _hidden(ch) else ch for ch in text)


_QUOTE_LIMIT = 60


def quoted(value: object, limit: int = _QUOTE_LIMIT) -> str:
    """A value from a file, quoted for a message: 'text' with hidden characters escaped and named,
    and a long text shortened to its ends and its length ('1111…1111' (5,000 characters))."""
    text = value if isinstance(value, str) else repr(value)
    hidden: list[str] = []
    for ch in dict.fromkeys(text):
        if _hidden(ch) and ch not in "\t\n\r" and len(hidden) < 3:
            hidden.append(ch)
    length = len(text)
    if length > limit:
        text = text[: limit * 2 // 3] + "…" + text[-(limit // 4):]
    out = "'" + escaped(text) + "'"
    notes = [f"{escape_char(ch)} is {char_name(ch)}" for ch in hidden]
    if length > limit:
        notes.insert(0, f"{length:,} characters")
    return out + (f" ({'; '.join(notes)})" if notes else "")


def printable(text: str) -> str:
    """A user's text as a message may show it: `escaped` (nothing a file or an argument holds can
    drive the terminal)."""
    return escaped(text)
