"""`--format html`: one self-contained page (inline CSS, no script, no external URL): a table
per step, names in <var> with subscripts, values and gradients coloured as in `rich`."""

from __future__ import annotations

import html

from ..trace.steps import Trace
from . import Options
from .layout import Eq, Math, Segment, Table, layout
from .printers import HtmlPrinter

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; line-height: 1.5; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
td { padding: 0.1em 0.4em; vertical-align: top; white-space: nowrap; }
td.lhs { text-align: right; } td.say { white-space: normal; font-family: system-ui, sans-serif; }
var { font-style: italic; } .note { color: #666; font-family: system-ui, sans-serif; }
.value { color: #006d8f; font-weight: bold; } .gradient { color: #a0157d; font-weight: bold; }
.local { color: #8a6100; font-weight: bold; } .update { color: #17751e; font-weight: bold; }
table.grid th, table.grid td { border-bottom: 1px solid #ddd; } .num { text-align: right; }
""".strip()


def _segments(segs: list[Segment]) -> str:
    return "".join(s.text if isinstance(s, Math) else html.escape(s) for s in segs)


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
    title = html.escape(f"bpcalc {trace.command} {trace.file}")
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{title}</title>", f"<style>\n{_CSS}\n</style>", "</head>", "<body>",
           f"<h1>{title}</h1>"]
    for sec in layout(trace, HtmlPrinter(options.digits)):
        out.append(f'<section class="{sec.kind.lower()}">')
        out.append(f"<h2>Step {sec.number}. {_segments(sec.title)}</h2>")
        out.append("<table>")
        for row in sec.rows:
            if isinstance(row, Eq):
                rel = "←" if row.relation != "=" else "="
                cells = [f'<td class="lhs">{row.lhs}</td>']
                for i, part in enumerate(row.parts):
                    sign = rel if i == 0 else "="
                    cls = f' class="{row.kind}"' if i == len(row.parts) - 1 else ""
                    cells.append(f"<td{cls}>{sign} {part}</td>")
                cells.append(f'<td class="note">{_segments(row.note)}</td>')
                out.append("<tr>" + "".join(cells) + "</tr>")
            elif isinstance(row, Table):
                out.append(f'<tr><td colspan="5">{_table(row)}</td></tr>')
            else:
                out.append(f'<tr><td class="say" colspan="5">{_segments(row.segments)}</td></tr>')
        out.append("</table>")
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
