"""The variants as an IMS QTI 1.2 package for Canvas (`bpcalc variants --qti FILE.zip`;
docs/course-kit.md): a zip of `imsmanifest.xml` (IMS Content Packaging, each assessment a resource
of type imsqti_xmlv1p2) and one assessment per variant, `IDENT/IDENT.xml`, which Canvas imports as
a quiz of its own ("NAME, variant 07"), to be assigned to that variant's students:

* first a text-only item holding the variant's sheet (given numbers and computation, HTML), once;
* then a numerical item per asked quantity (Canvas's numerical_question): its answer the exact
  value with the teacher's tolerance as margin (`--tol`, else the marking scheme's: kit.margin) —
  `<varequal>` and the bounds `<vargte>`/`<varlte>`.

Canvas keeps a numerical answer to 4 decimal places, so an answer below 1e-4 becomes 0 and one of
0.000438 (the published 2-2-2 example's ∂E/∂w1) keeps a single digit.  Such a question asks for
the quantity scaled — "give ∂E_total/∂w1 × 1000 to 4 decimal places" — so its answer keeps three
significant digits at the asked places, the scale said in the question; a tolerance below 1e-4
scales the whole question the same way.
"""

from __future__ import annotations

import hashlib
import io
import math
import xml.etree.ElementTree as ET
import zipfile
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from ..trace.steps import Asked, Trace
    from .kit import Kit, Margin, Variant

#: what Canvas keeps of a number: 4 decimal places
CANVAS_PLACES = 4
QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
#: a fixed time for every file in the zip, so the same seed gives the same bytes
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class Scaled(NamedTuple):
    """A question as Canvas is asked it: the answer × 10^power, to `places` decimal places, within
    `margin` (in the scaled answer's units)."""

    power: int
    answer: float
    margin: float
    places: int


def scaled(answer: float, tolerance: float, places: int, unit: bool = True) -> Scaled:
    """The power of ten a question is asked at in Canvas: a tolerance below 1e-4 scaled to 1e-4 or
    more (the question asks as many decimal places fewer); then an answer of fewer than 3
    significant digits at those places scaled, by a multiple of 3 (× 1000, × 10⁶), to 3 or more.
    `unit`: the tolerance is one unit in the last place asked (the default), and stays one unit in
    the last place the scaled question asks; else it is the teacher's own (`--tol`, a `tol` or
    `rel` of the marking scheme), the same margin in the quantity's units whatever the scale."""
    first = 0  # the tolerance's own scale
    if 0 < tolerance < 10.0**-CANVAS_PLACES:
        first = math.ceil(round(math.log10(10.0**-CANVAS_PLACES / tolerance), 9))
    asked = max(0, min(places - first, CANVAS_PLACES))
    value = abs(answer) * 10.0**first
    more = 0  # the answer's: three significant digits at the asked places
    if 0 < value < 10.0 ** (2 - asked):
        more = 3 * math.ceil((2 - asked - math.floor(math.log10(value))) / 3)
    power = first + more
    return Scaled(power, answer * 10.0**power, tolerance * 10.0 ** (first if unit else power), asked)


def _power(power: int) -> str:
    """10^power as a question writes it: 10, 100, 1000, then 10⁶, 10⁹."""
    return str(10**power) if power <= 3 else "10" + str(power).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def _ident(name: str, label: str) -> str:
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"bpcalc_{digest}_{label}"


def _field(parent: ET.Element, label: str, entry: str) -> None:
    field = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = label
    ET.SubElement(field, "fieldentry").text = entry


def _material(parent: ET.Element, html: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", {"texttype": "text/html"}).text = html


class Package:
    """The zip's files: an assessment per variant as it is made, the manifest at the end."""

    def __init__(self, kit: Kit, name: str, margin: Margin, lang: str = "en"):
        self.kit, self.name, self.margin, self.lang = kit, name, margin, lang
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)
        self.idents: list[str] = []
        self.scaled_count = 0  # the questions asked scaled (per variant, counted for the first one)

    def _add(self, path: str, text: str) -> None:
        info = zipfile.ZipInfo(path, _ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, text.encode("utf-8"))

    def assessment_file(self, variant: Variant, label: str, solved: Trace) -> tuple[str, str]:
        """A variant's assessment: its path in the zip, and its text."""
        ident = _ident(self.name, label)
        return f"{ident}/{ident}.xml", self.assessment(variant, label, ident, solved)

    def add(self, path: str, text: str) -> None:
        """An assessment into the zip, and the manifest."""
        self.idents.append(path.split("/", 1)[0])
        self._add(path, text)

    def assessment(self, variant: Variant, label: str, ident: str, solved: Trace) -> str:
        from ..markup import xml_text
        from .moodle import given_html

        places = self.kit.settings.places
        root = ET.Element("questestinterop", {"xmlns": QTI})
        test = ET.SubElement(root, "assessment", {"ident": ident,
                                                  "title": xml_text(f"{self.name}, variant {label.lstrip('v')}")})
        meta = ET.SubElement(test, "qtimetadata")
        _field(meta, "cc_maxattempts", "1")
        section = ET.SubElement(test, "section", {"ident": "root_section"})
        sheet = ET.SubElement(section, "item", {"ident": f"{ident}_sheet", "title": "the sheet"})
        item_meta = ET.SubElement(ET.SubElement(sheet, "itemmetadata"), "qtimetadata")
        _field(item_meta, "question_type", "text_only_question")
        _field(item_meta, "points_possible", "0")
        _material(ET.SubElement(sheet, "presentation"), given_html(variant, places, self.lang, solved))
        for i, q in enumerate(variant.questions, start=1):
            self._numerical(section, f"{ident}_q{i}", q, variant)
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def _numerical(self, section: ET.Element, ident: str, q: Asked, variant: Variant) -> None:
        from ..markup import html, xml_text
        from ..render.feedback import question

        assert q.answer is not None
        problem = variant.problem
        places = self.kit.settings.places
        s = scaled(q.answer, self.margin.of(q.answer), places, self.margin.unit)
        if s.power and not self.idents:
            self.scaled_count += 1
        said = question(q.kind, q.name, problem.output, problem)
        times = f" × {_power(s.power)}" if s.power else ""
        item = ET.SubElement(section, "item", {"ident": ident, "title": xml_text(f"{said}{times}")})
        meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
        _field(meta, "question_type", "numerical_question")
        _field(meta, "points_possible", "1.0")
        presentation = ET.SubElement(item, "presentation")
        text = f"<p>With the numbers of the sheet above, give {html(said)}{times} to {s.places} decimal places.</p>"
        _material(presentation, text)
        response = ET.SubElement(presentation, "response_str", {"ident": "response1", "rcardinality": "Single"})
        fib = ET.SubElement(response, "render_fib", {"fibtype": "Decimal"})
        ET.SubElement(fib, "response_label", {"ident": "answer1"})
        processing = ET.SubElement(item, "resprocessing")
        outcomes = ET.SubElement(processing, "outcomes")
        ET.SubElement(outcomes, "decvar", {"maxvalue": "100", "minvalue": "0", "varname": "SCORE",
                                           "vartype": "Decimal"})
        condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
        either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
        ET.SubElement(either, "varequal", {"respident": "response1"}).text = repr(s.answer)
        within = ET.SubElement(either, "and")
        ET.SubElement(within, "vargte", {"respident": "response1"}).text = repr(s.answer - s.margin)
        ET.SubElement(within, "varlte", {"respident": "response1"}).text = repr(s.answer + s.margin)
        ET.SubElement(condition, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"

    def manifest(self) -> str:
        root = ET.Element("manifest", {"identifier": _ident(self.name, "manifest"), "xmlns": CP})
        metadata = ET.SubElement(root, "metadata")
        ET.SubElement(metadata, "schema").text = "IMS Content"
        ET.SubElement(metadata, "schemaversion").text = "1.1.3"
        ET.SubElement(root, "organizations")
        resources = ET.SubElement(root, "resources")
        for ident in self.idents:
            resource = ET.SubElement(resources, "resource", {"identifier": ident, "type": "imsqti_xmlv1p2"})
            ET.SubElement(resource, "file", {"href": f"{ident}/{ident}.xml"})
        ET.indent(root)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

    def finish(self) -> bytes:
        """The zip's bytes: the manifest first, then the assessments."""
        self.zip.close()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as whole, \
                zipfile.ZipFile(io.BytesIO(self.buffer.getvalue())) as parts:
            info = zipfile.ZipInfo("imsmanifest.xml", _ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            whole.writestr(info, self.manifest().encode("utf-8"))
            for entry in parts.infolist():
                whole.writestr(entry, parts.read(entry))
        return out.getvalue()


__all__ = ["CANVAS_PLACES", "Package", "Scaled", "scaled"]
