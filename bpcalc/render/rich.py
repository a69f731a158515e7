"""`--format rich`: the text layout with bold step headings and colour — values cyan, gradients
magenta, local derivatives yellow, updates green.  No boxes or rules, and long rows are not
re-wrapped, so a copied line pastes as the same text.  rich is imported only here, on use."""

from __future__ import annotations

import io
import os

from ..trace.steps import Trace
from . import Options
from .layout import layout
from .printers import printer_for
from .text import lines

STYLES = {"heading": "bold", "value": "cyan", "gradient": "magenta", "local": "yellow",
          "update": "bold green", "note": "dim"}


def render(trace: Trace, options: Options) -> str:
    from rich.console import Console
    from rich.text import Text

    sections = layout(trace, printer_for("rich", options.digits, options.ascii, options.lang))
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, no_color=bool(os.environ.get("NO_COLOR")),
                      highlight=False, markup=False, emoji=False, soft_wrap=True, width=100_000)
    for line in lines(sections, options.ascii, options.width, options.lang):
        text = Text()
        for chunk, style in line:
            text.append(chunk, style=STYLES.get(style or "", ""))
        text.rstrip()
        console.print(text)
    return buffer.getvalue()
