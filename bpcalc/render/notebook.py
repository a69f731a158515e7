"""A worked solution, a trace or a check's report shown in Jupyter (docs/api.md): what their
`_repr_html_`, `_repr_markdown_` and `_repr_latex_` return.

    html(trace)       the MathML of `--format html`, without the outer document: its sections in
                      a <div class="bpcalc">, with the page's style scoped to that div (a notebook's
                      own page keeps its look)
    markdown(trace)   `--format markdown` (math in $…$, which Jupyter typesets)
    latex(trace)      the rows of `--format latex` in an align* environment (what nbconvert puts
                      in a LaTeX or PDF export)

A Solution is shown by the trace of all it holds (trace.build), and `of_step` makes the trace of a
check's Grading or ClassGrading alone, for the renderers, which format traces only.  `install()`
gives those four classes their `_repr_*_` methods: bpcalc/__init__.py calls it when bpcalc is
imported where IPython runs (a Jupyter kernel), so the engine and the trace, which sit below the
renderers, never import them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Options, render

if TYPE_CHECKING:
    from ..trace.data import Trace
    from ..trace.steps import ClassGrading, Grading

#: the class of the <div> a notebook shows, and the selector its style is scoped to
SCOPE = "bpcalc"
#: the page's body is centred at a reading width in dark grey; in a notebook's output area the
#: div takes the area's width and the notebook's own text colour (a dark theme stays readable)
_IN_A_NOTEBOOK = "margin: 0; max-width: none; padding: 0; color: inherit;"


def html(trace: Trace, options: Options | None = None) -> str:
    """The sections of `--format html`'s page in a <div>, its style scoped to the div."""
    from .html import _CSS

    page = render(trace, "html", options)
    body = page.split("<body>\n", 1)[1].rsplit("</body>", 1)[0]
    style = scoped(_CSS, "." + SCOPE) + f"\n.{SCOPE} {{ {_IN_A_NOTEBOOK} }}"
    return f'<div class="{SCOPE}">\n<style>\n{style}\n</style>\n{body}</div>\n'


def markdown(trace: Trace, options: Options | None = None) -> str:
    return render(trace, "markdown", options)


def latex(trace: Trace, options: Options | None = None) -> str:
    """The rows of `--format latex` inside \\begin{align*} … \\end{align*}."""
    from .latex import body

    options = options or Options()
    rows = body(trace, options.digits, options.lang)
    return "\\begin{align*}\n" + "\n".join(rows) + "\n\\end{align*}\n"


def scoped(css: str, scope: str) -> str:
    """`css` with every rule applying inside `scope` only: `body` is the scope itself, any other
    selector is prefixed by it; @-blocks (@media print, for a page of its own) are left out."""
    out = []
    at = 0
    while (start := css.find("{", at)) >= 0:
        depth, end = 0, start
        for end in range(start, len(css)):
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            if depth == 0:
                break
        head = css[at:start].strip()
        if not head.startswith("@"):
            chosen = [scope if s.strip() == "body" else f"{scope} {s.strip()}" for s in head.split(",")]
            out.append(f"{', '.join(chosen)} {{{css[start + 1:end]}}}")
        at = end + 1
    return "\n".join(out)




def of_step(step: Grading | ClassGrading) -> Trace:
    """The trace of a check's report alone (one sheet's Grading, or a class's ClassGrading), as
    `check` renders it: the renderers format traces."""
    import math

    from ..trace.data import Result, Trace
    from ..trace.steps import Grading

    if isinstance(step, Grading):
        file = step.answers
    else:
        file = f"{len(step.students)} answers file{'s' if len(step.students) != 1 else ''}"
    return Trace("check", step.output, file, (step,), Result(step.output, math.nan, {}, math.nan, None))


def install() -> None:
    """Give Solution, Trace, Grading and ClassGrading the methods by which Jupyter shows a value:
    a solution as its worked solution, a trace as its format renders it, a check's report as
    `check` prints it."""
    from ..engine import Solution
    from ..trace import build
    from ..trace.data import Trace
    from ..trace.steps import ClassGrading, Grading

    def as_trace(value: object) -> Trace:
        if isinstance(value, Solution):
            return build(value)  # the steps of all it holds
        if isinstance(value, (Grading, ClassGrading)):
            return of_step(value)
        assert isinstance(value, Trace)
        return value

    forms = {"_repr_html_": html, "_repr_markdown_": markdown, "_repr_latex_": latex}
    for cls in (Solution, Trace, Grading, ClassGrading):
        for method, form in forms.items():
            setattr(cls, method, lambda self, form=form: form(as_trace(self)))


__all__ = ["SCOPE", "html", "install", "latex", "markdown", "of_step", "scoped"]
