"""`--format html`: one self-contained page (inline CSS, no script, no external URL), the
mathematics in MathML, which current browsers render natively.

The page flows to the window's width and prints on A4 or Letter with nothing cut: a row is a
paragraph with a hanging indent, and each piece of a formula between its top-level operators
(the printer's break marks) is its own unbreakable <math> element, so a long row wraps between
pieces, never inside a number.  Values, gradients, local derivatives and updates are coloured as
in `rich`.
"""

from __future__ import annotations

import html

from .. import markup
from ..trace.steps import Trace
from . import Options
from .layout import Eq, Grid, Math, MatrixEq, Segment, Table, heading, layout
from .printers import BREAK, BREAK2, MathMLPrinter, pieces

_CSS = """
body { font-family: system-ui, "DejaVu Sans", sans-serif; margin: 1.5em auto; max-width: 62em;
       padding: 0 1.5em; line-height: 1.7; color: #222; }
h1 { font-size: 1.3em; overflow-wrap: anywhere; } h2 { font-size: 1.1em; margin: 1.4em 0 0.4em; }
math { font-size: 1.08em; math-style: normal; white-space: nowrap; }
p { margin: 0.15em 0; }
.eq { padding-left: 3em; text-indent: -3em; margin: 0.45em 0; }
.piece { display: inline-block; text-indent: 0; white-space: nowrap; }
.say { overflow-wrap: anywhere; }
.note { color: #666; font-size: 0.95em; }
.value { color: #006d8f; } .gradient { color: #a0157d; } .local { color: #8a6100; } .update { color: #17751e; }
table.grid { border-collapse: collapse; margin: 0.4em 0; }
table.grid th, table.grid td { border-bottom: 1px solid #ddd; padding: 0.1em 0.6em; text-align: left; }
table.grid .num { text-align: right; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  .eq, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  @page { margin: 1.5cm; }
}
""".strip()


def _math(markup: str) -> str:
    return f"<math>{markup.replace(BREAK, '').replace(BREAK2, '')}</math>"


def _segments(segs: list[Segment]) -> str:
    return "".join(_math(s.text) if isinstance(s, Math) else html.escape(s) for s in segs)


def _eq(row: Eq, p: MathMLPrinter, tagged: bool = False) -> str:
    """lhs = part = … = value: each piece of each part an inline block, so the row wraps there.
    `tagged`: the row says which node it works out, in which phase (data-node, data-phase), for
    `--format page`'s walk through the solution."""
    relation = p.binary("←" if row.relation != "=" else "=")
    out = [f'<span class="piece">{_math(row.lhs)}</span>']
    for i, part in enumerate(row.parts):
        last = i == len(row.parts) - 1
        for k, piece in enumerate(pieces(part)):
            head = (relation if i == 0 else p.binary("=")) if k == 0 else ""
            cls = f"piece {row.kind}" if last else "piece"
            out.append(f'<span class="{cls}">{_math(head + piece)}</span>')
    note = f' <span class="note">{_segments(row.note)}</span>' if row.note else ""
    tags = f' data-node="{html.escape(row.node)}" data-phase="{row.phase}"' if tagged and row.node else ""
    # the pieces side by side with nothing between them: each begins with its operator, whose own
    # spacing is the space on either side (a word space as well would double it on the left); a
    # line may still break between two pieces, as between any two inline blocks
    return f'<p class="eq"{tags}>' + "".join(out) + note + "</p>"


def _matrix_eq(row: MatrixEq, p: MathMLPrinter) -> str:
    """lhs = part = …, each part one unbreakable piece with its matrices as MathML tables."""
    out = [f'<span class="piece">{_math(row.lhs)}</span>']
    for i, part in enumerate(row.parts):
        markup = "".join(p.matrix(x.rows) if isinstance(x, Grid) else x for x in part)
        cls = f"piece {row.kind}" if i == len(row.parts) - 1 else "piece"
        out.append(f'<span class="{cls}">{_math(p.binary("=") + markup)}</span>')
    note = f' <span class="note">{_segments(row.note)}</span>' if row.note else ""
    return '<p class="eq">' + "".join(out) + note + "</p>"


def _table(table: Table) -> str:
    n = len(table.header)
    align = (table.align or "l" * n).ljust(n, "l")
    kinds = [*table.kinds, *[None] * n][:n]

    def cell(tag: str, i: int, segs: list[Segment], styled: bool) -> str:
        kind = kinds[i]
        cls = [*(["num"] if align[i] == "r" else []), *([kind] if styled and kind else [])]
        attr = f' class="{" ".join(cls)}"' if cls else ""
        return f"<{tag}{attr}>{_segments(segs)}</{tag}>"

    head = "<tr>" + "".join(cell("th", i, c, False) for i, c in enumerate(table.header)) + "</tr>"
    body = ["<tr>" + "".join(cell("td", i, c, True) for i, c in enumerate(row)) + "</tr>" for row in table.rows]
    return '<table class="grid">' + head + "".join(body) + "</table>"


def render(trace: Trace, options: Options) -> str:
    title = f"bpcalc {trace.command} {markup.html(trace.file)}"  # a file's name as bpcalc/markup.py writes it
    out = ["<!DOCTYPE html>", f'<html lang="{options.lang}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{title}</title>", f"<style>\n{_CSS}\n</style>", "</head>", "<body>",
           f"<h1>{title}</h1>"]
    printer = MathMLPrinter(options.digits, breaks=True, lang=options.lang)
    for sec in layout(trace, printer):
        out.append(f'<section class="{sec.kind.lower()}">')
        out.append(f"<h2>{heading(sec, '. ', _segments(sec.title), options.lang)}</h2>")
        for row in sec.rows:
            if isinstance(row, Eq):
                out.append(_eq(row, printer))
            elif isinstance(row, Table):
                out.append(_table(row))
            elif isinstance(row, MatrixEq):
                out.append(_matrix_eq(row, printer))
            else:
                out.append(f'<p class="say">{_segments(row.segments)}</p>')
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
