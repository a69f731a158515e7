"""`graph`: the computational graph with every value and gradient on it — drawn in the terminal
(text, rich), written as Graphviz DOT, or drawn by Graphviz's `dot` program as svg, png or pdf.

Whether `dot` is there is checked before any work, and its absence is one message with the
install command.  An image is written by `dot` to a temporary file beside the target and
renamed into place, so a failed run leaves no half-written file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from ..cli.options import Invocation, UsageError
from ..errors import BpcalcError, printable

#: formats Graphviz's dot draws
IMAGES = ("svg", "png", "pdf")
#: -o's extension -> the format, when --format is not given
EXTENSIONS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot", ".txt": "text"}
#: seconds dot may take before bpcalc gives up on it
DOT_TIMEOUT = 120

INSTALL = ("install Graphviz — Debian/Ubuntu: sudo apt-get install graphviz · Fedora: sudo dnf install "
           "graphviz · macOS: brew install graphviz · Windows: winget install graphviz (or choco install "
           "graphviz) · conda: conda install -c conda-forge graphviz; or write the DOT text with --format dot "
           "and draw it elsewhere")


def run(invocation: Invocation) -> int:
    v = invocation.values
    file = str(v["file"])
    target = v.get("output")
    fmt = _format(v.get("format"), None if target is None else str(target))
    from .solve import line_width, refuse_meaningless

    refuse_meaningless(fmt, {"ascii": v["ascii"]})
    dot = None
    if fmt in IMAGES:  # before any work: the program, and somewhere to put the picture
        import shutil

        dot = shutil.which("dot")
        if dot is None:
            raise BpcalcError(f"--format {fmt} needs Graphviz's `dot` program, which is not installed "
                              "(no `dot` on PATH)", None, INSTALL)
        if target is None:
            raise UsageError(f"--format {fmt} writes a picture file: name it with -o", None,
                             f"for example -o graph.{fmt}")
    if target is not None:
        from ..writeback import check_target

        check_target(str(target), file)

    from ..engine import solve
    from ..reading import load
    from ..render.graphview import graph_view

    problem = load(file)
    solution = solve(problem, round=v["round"])
    view = graph_view(solution, only=v["only"], backward=bool(v["backward"]))
    if fmt in ("text", "rich"):
        from ..render.rich import coloured
        from ..render.tree import draw, plain

        lines = draw(view, width=line_width(v["width"]), digits=v["digits"], ascii=bool(v["ascii"]))
        text = coloured(lines) if fmt == "rich" else plain(lines)
    else:
        from ..render.dot import render_dot

        text = render_dot(view, v["digits"])
    if target is None:
        sys.stdout.write(text)
    elif dot is not None:
        _draw(dot, fmt, text, str(target))
        print(f"wrote {printable(str(target))} ({fmt}, {len(view.nodes)} nodes)", file=sys.stderr)
    else:
        _replace(str(target), lambda tmp: _write_text(tmp, text))
    return 0


def _format(chosen: object, target: str | None) -> str:
    """--format, else -o's extension, else rich on a terminal and text when piped."""
    if chosen is not None:
        return str(chosen)
    if target is not None:
        ext = os.path.splitext(target)[1].lower()
        if ext in EXTENSIONS:
            return EXTENSIONS[ext]
        return "dot"
    from .solve import format_name

    return format_name(None)


def _draw(dot: str, fmt: str, text: str, target: str) -> None:
    import subprocess

    def run_dot(tmp: str) -> None:
        try:
            done = subprocess.run([dot, f"-T{fmt}", "-o", tmp], input=text.encode("utf-8"), capture_output=True,
                                  timeout=DOT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise BpcalcError(f"Graphviz's dot took more than {DOT_TIMEOUT} s to draw the graph", None,
                              "draw a part of it with --only NAME, or write the DOT text with --format dot") from None
        except OSError as exc:
            raise BpcalcError(f"Graphviz's dot could not be run: {exc.strerror}", None, INSTALL) from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise BpcalcError(f"Graphviz's dot failed (exit {done.returncode})"
                              + (f": {printable(said[0])[:300]}" if said else ""), None,
                              "write the DOT text with --format dot to see what it was given")

    _replace(target, run_dot)


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def _replace(target: str, write: Callable[[str], None]) -> None:
    """`write(tmp)` makes a temporary file beside the target, which is then renamed over it
    (writeback.replace_file: the same checks, permissions and clean-up as `step -o`)."""
    from ..writeback import replace_file

    replace_file(target, write)
