"""`graph`: the computational graph with every value and gradient on it — drawn in the terminal
(text, rich), written as Graphviz DOT, or drawn by Graphviz's `dot` program as svg, png or pdf.

Whether `dot` is there is checked before any work, and its absence is one message with the
install command; so is the target (bpcalc/outputs.py).  A graph too large for Graphviz to draw in
a few seconds is refused before it is given to `dot` (render/dot.py).  The image `dot` draws is
written through a temporary file renamed into place, so a failed run leaves no half-written file.
"""

from __future__ import annotations

import os
import sys

from ..cli.options import Invocation
from ..errors import UsageError, printable
from ..render.dot import IMAGES, draw_image, find_dot

#: -o's extension -> the format, when --format is not given
EXTENSIONS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot", ".txt": "text"}


def run(invocation: Invocation) -> int:
    v = invocation.values
    file = str(v["file"])
    target = v.get("output")
    fmt = _format(v.get("format"), None if target is None else str(target), invocation)
    _, options = invocation.output(fmt=fmt)  # (refuses --ascii outside text and rich)
    dot = None
    if fmt in IMAGES:  # before any work: the program, and somewhere to put the picture
        dot = find_dot(fmt)
        if target is None:
            raise UsageError(f"--format {fmt} writes a picture file: name it with -o", None,
                             f"for example -o graph.{fmt}")
    out = None
    if target is not None:  # checked, and its temporary file made, before any work (bpcalc/outputs.py)
        from ..outputs import GRAPH, Inputs, Output

        out = Output(str(target), GRAPH, Inputs((file,)))
    try:
        from ..engine import solve
        from ..reading import load
        from ..trace.graph import graph_view

        problem = load(file)
        solution = solve(problem, round=v["round"])
        view = graph_view(solution, only=v["only"], backward=bool(v["backward"]))
        if fmt in ("text", "rich"):
            from ..render.rich import coloured
            from ..render.tree import draw, plain

            lines = draw(view, width=options.width, digits=options.digits, ascii=options.ascii)
            text = coloured(lines, options.colour) if fmt == "rich" else plain(lines)
        else:
            from ..render.dot import render_dot

            text = render_dot(view, options.digits)
        if out is None:
            sys.stdout.write(text)
        else:
            if dot is not None:
                out.write_bytes(draw_image(dot, fmt, text, view))
            else:
                out.write_text(text)
            print(f"wrote {printable(str(target))} ({fmt}, {len(view.nodes)} nodes)", file=sys.stderr)
    finally:
        if out is not None:
            out.close()
    return 0


def _format(chosen: object, target: str | None, invocation: Invocation) -> str:
    """--format, else -o's extension, else rich on a terminal and text when piped."""
    if chosen is not None:
        return str(chosen)
    if target is not None:
        ext = os.path.splitext(target)[1].lower()
        if ext in EXTENSIONS:
            return EXTENSIONS[ext]
        # a picture named .jpg must not quietly hold DOT text: say which names bpcalc draws
        why = (f"bpcalc does not write '{printable(ext)}' files" if ext
               else "its name has no extension to tell the format")
        raise UsageError(f"-o {printable(target)}: {why}", None,
                         "name the file .svg, .png or .pdf (a picture drawn by Graphviz), .dot or .gv "
                         "(Graphviz's text) or .txt (the terminal drawing), or give --format")
    return invocation.env.format(None)


