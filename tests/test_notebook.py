"""Jupyter: a solution, a trace and a check's report show themselves (`_repr_html_`,
`_repr_markdown_`, `_repr_latex_`), and the shipped notebook runs.

The notebook's code cells are executed here, in order, in one namespace, and the value of each
cell's last expression is shown as Jupyter would show it: by its `_repr_*_` methods.  A kernel
(nbclient, ipykernel) would add jupyter_client, pyzmq, tornado and a process per run to the test
extra, to check Jupyter's own display machinery rather than bpcalc's; the cells and every output
bpcalc makes are checked just as well in-process."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from html.parser import HTMLParser

import pytest

import bpcalc
from bpcalc import shipped
from bpcalc.check.grade import summarise
from bpcalc.check.sheets import Checkers, grade_files
from bpcalc.render import Options, render
from bpcalc.render.notebook import SCOPE, install, scoped

install()  # what importing bpcalc in a Jupyter kernel does (where IPython is loaded)

NOTEBOOK = shipped.FOLDER / "notebook.ipynb"


class _Tags(HTMLParser):
    """The tags of an HTML fragment, checking that each one closed is the one open."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.seen.add(tag)
        if tag not in ("meta", "br", "hr", "img", "input", "mspace", "none", "mprescripts"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()


def assert_shows_itself(value, title: str) -> dict[str, str]:
    """`value`'s three representations: an HTML fragment (no document around it, its style scoped
    to its div), Markdown and LaTeX, each under `title`."""
    shown = {"html": value._repr_html_(), "markdown": value._repr_markdown_(), "latex": value._repr_latex_()}
    page = shown["html"]
    assert page.startswith(f'<div class="{SCOPE}">\n<style>\n') and page.endswith("</div>\n")
    tags = _Tags()
    tags.feed(page)
    tags.close()
    assert tags.open == [] and not tags.seen & {"html", "head", "body", "title"}
    assert "<!DOCTYPE" not in page and f"<h1>{title}</h1>" in page
    style = page.split("<style>\n", 1)[1].split("</style>", 1)[0]
    assert all(rule.startswith(f".{SCOPE}") for rule in style.splitlines() if "{" in rule), style
    assert shown["markdown"].startswith("## bpcalc ")
    assert shown["latex"].startswith("\\begin{align*}\n") and shown["latex"].endswith("\\end{align*}\n")
    return shown


def test_a_solution_shows_its_worked_solution(capsys):
    problem = bpcalc.load("example:slides_1_1_1")
    stepped = assert_shows_itself(bpcalc.solve(problem, round=2, step=True), "bpcalc step example:slides_1_1_1")
    trace = bpcalc.trace_of(bpcalc.solve(problem, round=2, step=True), "step")
    assert stepped["markdown"] == render(trace, "markdown")  # the very text of --format markdown
    body = render(trace, "html").split("<body>\n", 1)[1].split("</body>", 1)[0]
    assert stepped["html"].endswith(f"</style>\n{body}</div>\n")  # the page's sections, as they are
    assert "<math>" in stepped["html"] and "0.314477715" in stepped["html"]
    assert "\\intertext" in stepped["latex"] and "0.314477715" in stepped["latex"]
    graded = assert_shows_itself(bpcalc.solve(problem), "bpcalc grad example:slides_1_1_1")
    assert "SGD" not in graded["markdown"] and "Backward" in graded["markdown"]
    forward = bpcalc.solve(problem, backward=False)
    assert "Backward" not in assert_shows_itself(forward, "bpcalc forward example:slides_1_1_1")["markdown"]


def test_a_trace_shows_itself_as_its_format_renders_it():
    solution = bpcalc.solve(bpcalc.load("example:blog_2_2_2"), step=True)
    trace = bpcalc.trace_of(solution, "grad", only=["w1"])
    shown = assert_shows_itself(trace, "bpcalc grad example:blog_2_2_2")
    assert shown["markdown"] == render(trace, "markdown", Options())
    assert "w_{1}" in shown["latex"] and "\\begin{align*}" not in shown["latex"][1:]


def test_a_checks_report_shows_itself():
    checkers = Checkers("example:blog_2_2_2")
    gradings = grade_files(checkers, ["example:answers/blog_2_2_2_student"])
    one = assert_shows_itself(gradings[0], "bpcalc check example:answers/blog_2_2_2_student")
    assert "missing\\_path" in one["markdown"] and "<table" in one["html"]
    two = grade_files(checkers, ["example:answers/blog_2_2_2_student"] * 2)
    assert_shows_itself(summarise(checkers.first, two), "bpcalc check 2 answers files")


def test_scoped_style_keeps_a_notebook_page_its_own_look():
    css = ("body { color: red; }\nh1, p.x { margin: 0; }\n@media print {\n  body { margin: 0; }\n  h2 { a: b; }\n}\n"
           ".y { z: 1; }")
    assert scoped(css, ".s") == ".s { color: red; }\n.s h1, .s p.x { margin: 0; }\n.s .y { z: 1; }"


def test_showing_is_imported_only_when_a_notebook_asks():
    done = subprocess.run([sys.executable, "-c", "import sys, bpcalc; s = bpcalc.solve(bpcalc.load('example:apples')); "
                           "print(any(m.startswith(('bpcalc.render', 'bpcalc.trace')) for m in sys.modules), "
                           "hasattr(s, '_repr_html_'))"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["False", "False"], done.stderr
    # where IPython is loaded (a kernel), importing bpcalc gives its values their notebook forms
    done = subprocess.run([sys.executable, "-c", "import sys, types; "
                           "sys.modules['IPython'] = types.ModuleType('IPython'); import bpcalc; "
                           "s = bpcalc.solve(bpcalc.load('example:apples')); "
                           "print(s._repr_html_().startswith('<div class='))"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True"], done.stderr


# --- the shipped notebook ---------------------------------------------------------------------------------


def notebook_cells() -> list[dict]:
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["nbformat"] == 4 and notebook["metadata"]["kernelspec"]["language"] == "python"
    for cell in notebook["cells"]:
        assert cell["cell_type"] in ("markdown", "code") and isinstance(cell["source"], list)
        if cell["cell_type"] == "code":  # shipped without outputs: none can go stale
            assert cell["outputs"] == [] and cell["execution_count"] is None
    return notebook["cells"]


def run_cells(cells: list[dict]) -> list[object]:
    """Each code cell run in one namespace; the value of each that ends with an expression."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    shown = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, str(NOTEBOOK), "exec"), namespace)  # noqa: S102 - the shipped notebook's cells
        if last is not None:
            shown.append(eval(compile(ast.Expression(last.value), str(NOTEBOOK), "eval"), namespace))  # noqa: S307
    return shown


def test_the_shipped_notebook_runs_and_shows_each_result(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the notebook reads shipped examples only, wherever it is opened
    shown = run_cells(notebook_cells())
    kinds = [type(value).__name__ for value in shown]
    assert kinds == ["Solution", "tuple", "Trace", "Grading", "Trace", "Trace"]
    titles = ["bpcalc step example:blog_2_2_2", None, "bpcalc grad example:blog_2_2_2",
              "bpcalc check example:answers/blog_2_2_2_student", "bpcalc check example:blog_2_2_2",
              "bpcalc train example:blog_2_2_2"]
    for value, title in zip(shown, titles):
        if title is not None:
            assert_shows_itself(value, title)
    gradient, updated, after = shown[1]
    assert round(gradient, 9) == 0.082167041 and round(updated, 8) == 0.35891648 and after < 0.2983711
    assert "worked lines" in shown[4]._repr_markdown_() and "Loss curve" in shown[5]._repr_markdown_()


@pytest.mark.parametrize("cell", [c for c in notebook_cells() if c["cell_type"] == "markdown"][:1])
def test_the_notebook_says_what_it_shows(cell):
    assert "docs/api.md" in "".join(cell["source"])


def test_the_docs_notebook_lines_run_and_each_shown_value_shows_itself(monkeypatch, tmp_path):
    docs = (shipped.FOLDER.parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    block = docs.split("## Notebooks", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"bpcalc": bpcalc}  # imported above the block, as the page begins
    for statement in ast.parse(block).body:  # each bare expression is a value a cell would show
        if isinstance(statement, ast.Expr):
            value = eval(compile(ast.Expression(statement.value), "api.md", "eval"), namespace)  # noqa: S307
            assert_shows_itself(value, value._repr_html_().split("<h1>", 1)[1].split("</h1>", 1)[0])
        else:
            exec(compile(ast.Module([statement], []), "api.md", "exec"), namespace)  # noqa: S102
