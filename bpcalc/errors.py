"""One exception family for everything a user can get wrong.

Every error carries where it happened (a `Span`) and how to fix it (a hint).  Only the CLI turns
these into text on standard error and exit code 2; the library just raises them.
"""

from __future__ import annotations

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


class InputError(BpcalcError):
    """The file cannot be read, parsed or understood."""


class MathError(BpcalcError):
    """A value cannot be computed: division by zero, log of a non-positive number, overflow."""


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str | None:
    """'did you mean 'x'?' for the closest choice, or None when nothing is close."""
    import difflib

    by_case = {c.lower(): c for c in sorted(choices, reverse=True)}
    if word.lower() in by_case:  # MSE for mse: the same word in other capitals
        return f"did you mean '{by_case[word.lower()]}'?"
    close = difflib.get_close_matches(word.lower(), list(by_case), n=1, cutoff=0.6)
    return f"did you mean '{by_case[close[0]]}'?" if close else None


def printable(text: str) -> str:
    """A user's text as a message may show it: control and other unprintable characters as '?',
    so nothing a file or an argument holds can drive the terminal."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
