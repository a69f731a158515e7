"""The variants as a Moodle XML quiz: one numerical question per variant per asked quantity.

Each variant's questions sit in a category of their own (`$course$/NAME/variant 03`), so a quiz
can give a student one variant's questions together; each question's text is the variant's sheet
(given numbers and the computation, in HTML with MathML) with that one question, and its answer
is the exact value with the tolerance the teacher asks for.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..render import Options, render
from ..render.layout import fixed_places
from .kit import Kit, sheet

_BODY = re.compile(r"<body>\s*<h1>.*?</h1>\s*(.*)</body>", re.S)


def _html_sheet(html: str) -> str:
    """The sections of a rendered HTML page, without its page and title (Moodle gives those)."""
    found = _BODY.search(html)
    return found.group(1).strip() if found else html


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


def quiz(kit: Kit, name: str, tolerance: float, lang: str = "en") -> str:
    """The Moodle XML file's text."""
    from ..render.printers import printer_for

    places = kit.settings.places
    plain = printer_for("text", 12, False, lang)
    root = ET.Element("quiz")
    width = len(str(len(kit.variants)))
    for variant in kit.variants:
        label = f"variant {variant.number:0{max(2, width)}d}"
        category = ET.SubElement(root, "question", {"type": "category"})
        _text(category, "category", f"$course$/{name}/{label}")
        for i, q in enumerate(variant.questions, start=1):
            assert q.answer is not None
            page = render(sheet(variant, places, (q,)), "html", Options(lang=lang))
            quantity = plain.partial(variant.problem.output, q.name) if q.kind == "gradients" else plain.name(q.name)
            asked = {"loss": f"the loss {quantity}", "values": f"the value of {quantity}",
                     "updated": f"{quantity} after one SGD step"}.get(q.kind, quantity)
            question = ET.SubElement(root, "question", {"type": "numerical"})
            _text(question, "name", f"{name} {label} Q{i}: {asked}")
            _text(question, "questiontext", _html_sheet(page), "html")
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
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
