"""The variants as a Moodle XML quiz (docs/course-kit.md): for each variant a category of its own
(`$course$/NAME/v07`) holding

* one Cloze (embedded answers) question, "v07: the whole sheet": the variant's sheet (the given
  numbers and the computation, HTML with MathML) — written once per variant, here — with an answer
  box for every asked quantity.  A quiz that draws one random question from NAME's categories
  gives each student a whole variant;
* one numerical question per asked quantity, "v07: ∂E_total/∂w5", asking for it with the numbers
  of the variant's sheet;
* one multiple-choice question per asked quantity, "v07: ∂E_total/∂w5 (multiple choice)", whose
  wrong options are the numbers the catalogued mistakes give (check/mistakes.py), each with the
  mistake's words as its feedback.

A numerical answer (in the numerical question and in the Cloze) is the exact value with the
teacher's tolerance (`--tol`, else the marking scheme's: kit.margin), and after it the mistakes'
numbers at 0%, each with its words: a student who made one is told which.  Every text from
outside bpcalc is written as bpcalc/markup.py writes it for XML, for HTML, or for a Cloze
question's syntax.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from ..render import Options, render
from ..render.layout import fixed_places
from .kit import Kit, Margin, Variant, sheet

if TYPE_CHECKING:
    from ..problem import Problem
    from ..trace.steps import Asked, Trace
    from .distinct import Wrong

_BODY = re.compile(r"<body>\s*<h1>.*?</h1>\s*(.*)</body>", re.S)
_QUESTIONS = '<section class="questions">'
#: the most wrong options of a multiple-choice question, and of named wrong answers of a numerical one
MC_OPTIONS = 4
NAMED_WRONG = 8


def _html_sheet(html: str) -> str:
    """The sections of a rendered HTML page, without its page and title (Moodle gives those)."""
    found = _BODY.search(html)
    return found.group(1).strip() if found else html


def given_html(variant: Variant, places: int, lang: str = "en", solved: Trace | None = None) -> str:
    """The variant's sheet up to its questions: the given numbers and the computation, in HTML
    with MathML (the sections of `--format html`)."""
    text = _html_sheet(render(sheet(variant, places, solved=solved), "html", Options(lang=lang)))
    cut = text.rfind(_QUESTIONS)
    return text[:cut] if cut >= 0 else text


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
TAIL = "</quiz>\n"


def quiz(kit: Kit, name: str, margin: Margin, lang: str = "en") -> str:
    """The Moodle XML file's text."""
    return HEAD + "".join(variant_questions(kit, v, name, margin, lang) for v in kit.variants) + TAIL


def label(kit: Kit, variant: Variant) -> str:
    """v07: the variant's name in question names (as its folder is named)."""
    width = max(2, len(str(kit.settings.size)))
    return f"v{variant.number:0{width}d}"


def variant_questions(kit: Kit, variant: Variant, name: str, margin: Margin, lang: str = "en",
                      solved: Trace | None = None) -> str:
    """One variant's part of the quiz: its category and its questions, as the lines of moodle.xml
    between <quiz> and </quiz> (so the file is written a variant at a time).  `name` (the
    template's file name) is written as bpcalc/markup.py writes any text for XML; `margin`: each
    answer's tolerance (kit.margin)."""
    from ..markup import cloze, cloze_html, xml_text
    from ..markup import html as html_text
    from ..render.feedback import quantity
    from ..render.feedback import question as question_words
    from .distinct import options, wrong_answers

    places = kit.settings.places
    problem = variant.problem
    shown = xml_text(name)
    tag = label(kit, variant)
    wrong = wrong_answers(problem, variant.solution, variant.questions, places)
    elements = []
    category = ET.Element("question", {"type": "category"})
    _text(category, "category", f"$course$/{shown}/{tag}")
    elements.append(category)

    # the Cloze question: the sheet, once, with an answer box for every question
    boxes = []
    for q in variant.questions:
        assert q.answer is not None
        said = cloze_html(html_text(question_words(q.kind, q.name, problem.output, problem)))
        right = cloze(f"right: {quantity(q.kind, q.name, problem.output)} = {fixed_places(q.answer, places)}")
        tolerance = margin.of(q.answer)
        alternatives = [f"={_number(q.answer)}:{_number(tolerance)}#{right}"]
        alternatives += [f"%0%{_number(w.value)}:{_number(tolerance)}#{cloze(_wrong_feedback(w))}"
                         for w in options(wrong[(q.kind, q.name)], q.answer, places, NAMED_WRONG)]
        boxes.append(f"<li>{said} = {{1:NUMERICAL:{'~'.join(alternatives)}}}</li>")
    asked = (f'<section class="questions"><h2>Questions</h2><p>Give each answer to {places} decimal places.</p>'
             f'<ol>{"".join(boxes)}</ol></section>')
    whole = ET.Element("question", {"type": "cloze"})
    _text(whole, "name", f"{tag}: the whole sheet")
    _text(whole, "questiontext", cloze_html(given_html(variant, places, lang, solved)) + asked, "html")
    _text(whole, "generalfeedback", "", "html")
    ET.SubElement(whole, "penalty").text = "0.3333333"
    ET.SubElement(whole, "hidden").text = "0"
    elements.append(whole)

    for q in variant.questions:
        assert q.answer is not None
        elements.append(_numerical(tag, q, problem, margin.of(q.answer), places, wrong[(q.kind, q.name)]))
        choices = options(wrong[(q.kind, q.name)], q.answer, places, MC_OPTIONS)
        if choices:
            elements.append(_multichoice(tag, q, problem, places, choices))
    out = []
    for element in elements:
        ET.indent(element, level=1)
        out.append("  " + ET.tostring(element, encoding="unicode").rstrip() + "\n")
    return "".join(out)


def count_multichoice(part: str) -> int:
    """The multiple-choice questions of a variant's part of the quiz (variant_questions): one per
    asked quantity that a catalogued mistake gives another number for."""
    return part.count('<question type="multichoice">')


def _number(x: float) -> str:
    """A number as Moodle reads it in an answer: Python's repr (digits, a point, an exponent)."""
    return repr(float(x))


def _wrong_feedback(w: Wrong) -> str:
    """What a wrong option or a named wrong answer says: the mistake that gives it."""
    return f"not right: the number a common mistake gives ({w.code}): {w.words}"


def _asked(tag: str, q: Asked, problem: Problem, places: int) -> str:
    from ..markup import html
    from ..render.feedback import question as question_words

    said = question_words(q.kind, q.name, problem.output, problem)
    number = tag.lstrip("v")
    return (f"<p>With the numbers of variant {number}’s sheet (the question “{tag}: the whole sheet”), give "
            f"{html(said)} to {places} decimal places.</p>")


def _numerical(tag: str, q: Asked, problem: Problem, tolerance: float, places: int, wrong: list[Wrong]
               ) -> ET.Element:
    from ..markup import html
    from ..render.feedback import quantity
    from ..render.feedback import question as question_words
    from .distinct import options

    assert q.answer is not None
    output = problem.output
    question = ET.Element("question", {"type": "numerical"})
    _text(question, "name", f"{tag}: {question_words(q.kind, q.name, output, problem)}")
    _text(question, "questiontext", _asked(tag, q, problem, places), "html")
    _text(question, "generalfeedback", "", "html")
    ET.SubElement(question, "defaultgrade").text = "1.0000000"
    ET.SubElement(question, "penalty").text = "0.3333333"
    ET.SubElement(question, "hidden").text = "0"
    correct = ET.SubElement(question, "answer", {"fraction": "100", "format": "moodle_auto_format"})
    ET.SubElement(correct, "text").text = _number(q.answer)
    ET.SubElement(correct, "tolerance").text = _number(tolerance)
    _text(correct, "feedback", html(f"right: {quantity(q.kind, q.name, output)} = {fixed_places(q.answer, places)}"),
          "html")
    for w in options(wrong, q.answer, places, NAMED_WRONG):
        answer = ET.SubElement(question, "answer", {"fraction": "0", "format": "moodle_auto_format"})
        ET.SubElement(answer, "text").text = _number(w.value)
        ET.SubElement(answer, "tolerance").text = _number(tolerance)
        _text(answer, "feedback", html(_wrong_feedback(w)), "html")
    ET.SubElement(question, "unitgradingtype").text = "0"
    ET.SubElement(question, "unitpenalty").text = "0.1000000"
    ET.SubElement(question, "showunits").text = "3"
    ET.SubElement(question, "unitsleft").text = "0"
    return question


def _multichoice(tag: str, q: Asked, problem: Problem, places: int, choices: list[Wrong]) -> ET.Element:
    from ..markup import html
    from ..render.feedback import question as question_words

    assert q.answer is not None
    output = problem.output
    question = ET.Element("question", {"type": "multichoice"})
    _text(question, "name", f"{tag}: {question_words(q.kind, q.name, output, problem)} (multiple choice)")
    _text(question, "questiontext", _asked(tag, q, problem, places).replace("give ", "choose ", 1), "html")
    _text(question, "generalfeedback", "", "html")
    ET.SubElement(question, "defaultgrade").text = "1.0000000"
    ET.SubElement(question, "penalty").text = "0.3333333"
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "single").text = "true"
    ET.SubElement(question, "shuffleanswers").text = "true"
    ET.SubElement(question, "answernumbering").text = "abc"
    _text(question, "correctfeedback", "right", "html")
    _text(question, "partiallycorrectfeedback", "", "html")
    _text(question, "incorrectfeedback", "not right", "html")
    right = ET.SubElement(question, "answer", {"fraction": "100", "format": "html"})
    ET.SubElement(right, "text").text = html(fixed_places(q.answer, places))
    _text(right, "feedback", "right", "html")
    for w in choices:
        option = ET.SubElement(question, "answer", {"fraction": "0", "format": "html"})
        ET.SubElement(option, "text").text = html(fixed_places(w.value, places))
        _text(option, "feedback", html(_wrong_feedback(w)), "html")
    return question
