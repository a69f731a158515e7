"""Text from outside bpcalc — a file's name, a name, a value as written — made safe for one output
format: one function per format, used for titles and file names as well as names (docs/errors.md,
"Files from someone else").

Each starts from `errors.printable`, which writes every character a terminal or a reader would act
on or not show (ESC and the other controls, line breaks, bidi overrides, invisible characters) as
a visible escape (`\\x1b`, `\\n`, `\\u202e`); then the format's own markup characters are escaped,
so text of one format is never let loose in another: no line break ends a YAML comment or a LaTeX
argument, no `<` opens an HTML or XML tag, no character XML 1.0 forbids reaches moodle.xml, no `$`
starts mathematics in a plot's title.
"""

from __future__ import annotations

from .errors import printable

terminal = printable


def html(text: str) -> str:
    """For HTML and SVG text and attribute values (and MathML): &, <, >, quotes as entities."""
    import html as html_module

    return html_module.escape(printable(text), quote=True)


#: what a Moodle XML file or any XML text may hold: printable's output, with markup escaped by
#: ElementTree (or by `html` when XML is written by hand)
xml = html


def xml_text(text: str) -> str:
    """For the text of an ElementTree element (which escapes &, < and > itself): nothing XML 1.0
    forbids, no control character."""
    return printable(text)


def markdown(text: str) -> str:
    """For Markdown: characters that would start emphasis, code, links, HTML or math escaped."""
    import re

    return re.sub(r"([\\`*_{}\[\]<>#|$~])", r"\\\1", printable(text))


#: characters pdflatex (with the T1 font encoding) sets from UTF-8 input as they are
_LATEX_LATIN = frozenset(chr(c) for c in range(0xA0, 0x180))


#: LaTeX text mode's spelling of its special characters, and of the symbols bpcalc's own words use
_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
          "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
          "−": "$-$", "…": r"\ldots{}", "η": r"$\eta$", "≤": r"$\le$", "×": r"$\times$", "∂": r"$\partial$",
          "σ": r"$\sigma$", "δ": r"$\delta$", "←": r"$\leftarrow$", "Σ": r"$\Sigma$", "θ": r"$\theta$",
          "φ": r"$\varphi$", "′": r"$'$", "✓": r"$\surd$",
          "✗": r"$\times$", "⊙": r"$\odot$", "∇": r"$\nabla$", "→": r"$\to$", "≈": r"$\approx$", "≥": r"$\ge$"}


def latex_escape(text: str) -> str:
    """Text bpcalc writes itself, for LaTeX text mode: the special characters as commands, the
    symbols in math mode (`latex` below is for text from outside bpcalc)."""
    return "".join(_LATEX.get(ch, ch) for ch in text)


def latex(text: str, wide: bool = False) -> str:
    """For LaTeX text mode: the special characters as commands; with `wide` (xelatex, as the
    Chinese sheets are made) any printable character as it is, else (pdflatex) a character
    outside Latin-1 and Latin Extended-A that bpcalc has no command for written as its escape
    (\\u4e2d), so no file name stops pdflatex."""
    from .errors import escape_char

    shown = printable(text)
    if not wide and not shown.isascii():
        shown = "".join(ch if ch.isascii() or ch in _LATEX_LATIN or ch in _LATEX else escape_char(ch)
                        for ch in shown)
    return latex_escape(shown)


def json_text(text: str) -> str:
    """For a JSON string a person reads (a title in a course platform's files): nothing a
    terminal or a reader would act on; JSON's own escapes are json.dumps's."""
    return printable(text)


#: what a spreadsheet runs as a formula when a cell starts with it
_FORMULA_START = ("=", "+", "-", "@")


def csv_cell(text: str) -> str:
    """For a cell of a CSV file a spreadsheet opens: no line break or control character splits the
    row (printable), and a cell that a spreadsheet would run as a formula (a file named
    `=HYPERLINK(…)`) starts with a `'`, so it stays text; a number stays a number."""
    shown = printable(text)
    if shown.startswith(_FORMULA_START):
        try:
            float(shown)
        except ValueError:
            return "'" + shown
    return shown


def yaml_comment(text: str) -> str:
    """For a YAML comment (`# …`): no line break can end it."""
    return printable(text)


def plot_text(text: str) -> str:
    """For a matplotlib title or label, drawn with parse_math=False (no `$…$` mathtext)."""
    return printable(text)


def prairielearn(text: str) -> str:
    """For PrairieLearn's question.html, text or an attribute value: HTML's escapes, and the braces
    that would start a Mustache tag as entities (question.html and a pl-template file are Mustache
    templates before they are HTML)."""
    return html(text).replace("{", "&#123;").replace("}", "&#125;")


def mustache_safe(html_text: str) -> str:
    """HTML that bpcalc made (a sheet, a key), to be read as a Mustache template: every brace an
    entity, so no `{{` in it is a tag."""
    return html_text.replace("{", "&#123;").replace("}", "&#125;")


def cloze(text: str) -> str:
    """For the feedback of a Moodle Cloze (embedded answers) alternative: HTML's escapes, and the
    characters the Cloze syntax reads (} ~ # \\ / and {) as entities, so no text ends an answer,
    starts another or opens a subquestion."""
    out = html(text)
    for ch, entity in (("}", "&#125;"), ("{", "&#123;"), ("~", "&#126;"), ("\\", "&#92;"), ("/", "&#47;")):
        out = out.replace(ch, entity)
    return out.replace("#", "&#35;").replace("&&#35;", "&#")


def cloze_html(html_text: str) -> str:
    """HTML that bpcalc made (a sheet), put into a Cloze question's text: its braces as entities,
    so nothing in it reads as `{1:NUMERICAL:…}`."""
    return html_text.replace("{", "&#123;").replace("}", "&#125;")


def dot(text: str) -> str:
    """A Graphviz DOT quoted string (an ID or a label): printable, backslash and quote escaped."""
    return '"' + printable(text).replace("\\", "\\\\").replace('"', '\\"') + '"'
