"""One renderer per output format.  Each formats a trace and computes nothing.

    render(trace, "text", Options(digits=6))

`layout.py` turns a trace into numbered sections of rows with the math written by one format's
printer (`printers.py`); each format module places those rows on its medium.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple

from .. import defaults

if TYPE_CHECKING:
    from ..trace.steps import Trace

#: --format's choices, one module each
FORMATS = ("rich", "text", "markdown", "latex", "json", "html", "page")


class Options(NamedTuple):
    """How a trace is written: significant digits, ASCII symbols, a whole document, and the
    width of the terminal lines (text and rich)."""

    digits: int = defaults.DIGITS
    ascii: bool = False
    standalone: bool = False
    width: int = defaults.WIDTH
    lang: str = defaults.LANG  # en or zh: the language of headings and sentences
    colour: bool = True  # rich: in colour (the environment's NO_COLOR: without)


def render(trace: Trace, fmt: str, options: Options | None = None) -> str:
    module = importlib.import_module(f".{fmt}", __name__)
    return module.render(trace, options or Options())  # type: ignore[no-any-return]


__all__ = ["FORMATS", "Options", "render"]
