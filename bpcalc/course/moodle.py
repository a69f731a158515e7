"""The variants as a Moodle XML quiz: one numerical question per variant per asked quantity.

Each variant's questions sit in a category of their own (`$course$/NAME/variant 03`), so a quiz
can give a student one variant's questions together; each question's text is the variant's sheet
(given numbers and the computation, in HTML with MathML) with that one question, and its answer
is the exact value with the tolerance the teacher asks for.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from ..render import Options, render
from ..render.layout import fixed_places
from .kit import Kit, Variant, sheet, worked

if TYPE_CHECKING:
    from ..trace.steps import Trace

_BODY = re.compile(r"<body>\s*<h1>.*?</h1>\s*(.*)</body>", re.S)
_QUESTIONS = '<section class="questions">'
_HEADING = re.compile(r"<h2>.*?</h2>", re.S)


def _html_sheet(html: str) -> str:
    """The sections of a rendered HTML page, without its page and title (Moodle gives those)."""
    found = _BODY.search(html)
    return found.group(1).strip() if found else html


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n'
TAIL = "</quiz>\n"


def quiz(kit: Kit, name: str, tolerance: float, lang: str = "en") -> str:
    """The Moodle XML file's text."""
    return HEAD + "".join(variant_questions(kit, v, name, tolerance, lang) for v in kit.variants) + TAIL


def variant_questions(kit: Kit, variant: Variant, name: str, tolerance: float, lang: str = "en",
                      solved: Trace | None = None) -> str:
    """One variant's part of the quiz: its category and its questions, as the lines of moodle.xml
    between <quiz> and </quiz> (so the file is written a variant at a time).  `name` (the
    template's file name) is written as bpcalc/markup.py writes any text for XML: nothing XML 1.0
    forbids, no control character."""
    from ..markup import xml_text
    from ..render.printers import printer_for

    places = kit.settings.places
    plain = printer_for("text", 12, False, lang)
    shown = xml_text(name)
    solved = solved or worked(variant)
    width = len(str(len(kit.variants)))
    label = f"variant {variant.number:0{max(2, width)}d}"
    elements = []
    category = ET.Element("question", {"type": "category"})
    _text(category, "category", f"$course$/{shown}/{label}")
    elements.append(category)
    given = heading = ""  # the sheet up to its questions, the same for every question of the variant
    for i, q in enumerate(variant.questions, start=1):
        assert q.answer is not None
        if not given:
            text = _html_sheet(render(sheet(variant, places, (q,), solved=solved), "html", Options(lang=lang)))
            cut = text.rfind(_QUESTIONS)
            found = _HEADING.search(text, cut)
            given, heading = text[:cut], found.group(0) if found else ""
        else:  # only the question's section rendered, under the sheet's heading of it
            alone = solved._replace(steps=(sheet(variant, places, (q,), solved=solved).steps[-1],))
            section = _html_sheet(render(alone, "html", Options(lang=lang)))
            found = _HEADING.search(section)
            text = given + (section[:found.start()] + heading + section[found.end():] if found else section)
        quantity = plain.partial(variant.problem.output, q.name) if q.kind == "gradients" else plain.name(q.name)
        asked = {"loss": f"the loss {quantity}", "values": f"the value of {quantity}",
                 "updated": f"{quantity} after one SGD step"}.get(q.kind, quantity)
        question = ET.Element("question", {"type": "numerical"})
        _text(question, "name", f"{shown} {label} Q{i}: {asked}")
        _text(question, "questiontext", text, "html")
        _text(question, "generalfeedback", "", "html")
        ET.SubElement(question, "defaultgrade").text = "1.0000000"
        ET.SubElement(question, "penalty").text = "0.3333333"
        ET.SubElement(question, "hidden").text = "0"
        correct = ET.SubElement(question, "answer", {"fraction": "100", "format": "moodle_auto_format"})
        ET.SubElement(correct, "text").text = repr(q.answer)
        ET.SubElement(correct, "tolerance").text = repr(tolerance)
        _text(correct, "feedback", f"{quantity} = {fixed_places(q.answer, places)}", "html")
        ET.SubElement(question, "unitgradingtype").text = "0"
        ET.SubElement(question, "unitpenalty").text = "0.1000000"
        ET.SubElement(question, "showunits").text = "3"
        ET.SubElement(question, "unitsleft").text = "0"
        elements.append(question)
    out = []
    for element in elements:
        ET.indent(element, level=1)
        out.append("  " + ET.tostring(element, encoding="unicode").rstrip() + "\n")
    return "".join(out)
