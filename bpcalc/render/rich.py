"""`--format rich`: the text layout with bold step headings and colour — values cyan, gradients
magenta, local derivatives yellow, updates green.  No boxes or rules, and long rows are not
re-wrapped, so a copied line pastes as the same text.  rich is imported only here, on use."""

from __future__ import annotations

import io
from collections.abc import Iterable

from ..trace.steps import Trace
from . import Options
from .layout import layout
from .printers import printer_for
from .text import Span, lines

STYLES = {"heading": "bold", "value": "cyan", "gradient": "magenta", "local": "yellow",
          "update": "bold green", "note": "dim"}


def render(trace: Trace, options: Options) -> str:
    sections = layout(trace, printer_for("rich", options.digits, options.ascii, options.lang))
    return coloured(lines(sections, options.ascii, options.width, options.lang), options.colour)


def coloured(rows: Iterable[list[Span]], colour: bool = True) -> str:
    """Rows of the text layout (text, style), in colour unless `colour` is off (the environment's
    NO_COLOR); `bpcalc graph` uses it too."""
    from rich.console import Console
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, no_color=not colour,
                      highlight=False, markup=False, emoji=False, soft_wrap=True, width=100_000)
    for row in rows:
        text = Text()
        for chunk, style in row:
            text.append(chunk, style=STYLES.get(style or "", ""))
        text.rstrip()
        console.print(text)
    return buffer.getvalue()
