"""The process's surroundings, read once: whether standard output and standard error are
terminals, whether colour is wanted, how wide the terminal is, and the language asked for.

Made in `cli/` when bpcalc starts and handed to the command with its invocation, so no command
reads `os.environ` or asks a stream whether it is a terminal (and a test gives any environment it
wants).  COLUMNS is taken as --width would take it: a whole number in `defaults.WIDTH_RANGE`;
anything else (`²`, 99999999999999999999) is not a width and is ignored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import NamedTuple

from .. import defaults


class Environment(NamedTuple):
    stdout_terminal: bool = False  # standard output is a terminal: rich by default, its width
    progress: bool = False  # standard error is a terminal that can draw a progress bar
    colour: bool = True  # NO_COLOR is not set
    columns: int | None = None  # COLUMNS, or the terminal's width; None: neither
    lang: str = defaults.LANG  # from LC_ALL, LC_MESSAGES or LANG

    def format(self, chosen: object) -> str:
        """The format of a run: the one chosen, else rich on a terminal (plain text without colour)
        and text when piped."""
        if chosen is not None:
            return str(chosen)
        return "rich" if self.stdout_terminal and self.colour else "text"

    def width(self, chosen: int | None) -> int:
        """--width, else COLUMNS or the terminal's width, else 80 (piped)."""
        if chosen is not None:
            return chosen
        return self.columns if self.columns is not None else defaults.WIDTH

    def language(self, chosen: object) -> str:
        return str(chosen) if chosen else self.lang


def width_of(text: str) -> int | None:
    """A COLUMNS value as --width takes it, or None."""
    low, high = defaults.WIDTH_RANGE
    if text.isascii() and text.isdigit() and len(text) <= 6 and low <= int(text) <= high:
        return int(text)
    return None


def language_of(environ: Mapping[str, str]) -> str:
    """From LC_ALL, LC_MESSAGES or LANG: Chinese when it starts with zh, else English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return defaults.LANG


def current() -> Environment:
    """This process's environment."""
    environ = os.environ
    out_terminal = _terminal(sys.stdout)
    columns = width_of(environ.get("COLUMNS", ""))
    if columns is None and out_terminal:
        import shutil

        low, high = defaults.WIDTH_RANGE
        columns = min(high, max(low, shutil.get_terminal_size((defaults.WIDTH, 24)).columns))
    return Environment(
        stdout_terminal=out_terminal,
        progress=_terminal(sys.stderr) and environ.get("TERM") != "dumb",
        colour=not environ.get("NO_COLOR"),
        columns=columns,
        lang=language_of(environ),
    )


def _terminal(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (ValueError, OSError):  # a closed stream
        return False
