"""The course platforms a kit is also written for (`bpcalc variants --prairielearn DIR --qti
FILE.zip --gradescope DIR`; docs/course-kit.md): PrairieLearn's course folder (prairielearn.py,
bpcalc's modules vendored into it), Canvas's QTI package (qti.py) and Gradescope's autograder
(gradescope.py, with bpcalc as a wheel) — each fed a variant at a time as the kit is written, then
finished.  Where the files go, and how, is writing.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..outputs import Output, Tree
    from ..trace.steps import Trace
    from .gradescope import Autograder
    from .kit import Kit, Margin, Variant
    from .prairielearn import Course
    from .qti import Package

#: the folder of the PrairieLearn course bpcalc's modules go into (server.py imports them from there)
PRAIRIELEARN_VENDOR = "serverFilesCourse/bpcalc"


class Platforms:
    """The outputs of the platforms asked for (`wanted`: some of prairielearn, qti, gradescope)."""

    def __init__(self, kit: Kit, name: str, lang: str, margin: Margin, wanted: set[str]):
        from .vendor import package_files, wheel

        self.course: Course | None = None  # PrairieLearn
        self.package: Package | None = None  # Canvas
        self.autograder: Autograder | None = None  # Gradescope
        #: bpcalc's own files each platform's folder holds: (path in that folder, bytes)
        self.vendored: dict[str, list[tuple[str, bytes]]] = {}
        if "prairielearn" in wanted:
            from .prairielearn import Course

            self.course = Course(kit, name, lang)
            self.vendored["prairielearn"] = [(f"{PRAIRIELEARN_VENDOR}/{path}", data)
                                             for path, data in package_files(python_only=True)]
        if "qti" in wanted:
            from .qti import Package

            self.package = Package(kit, name, margin, lang)
        if "gradescope" in wanted:
            from .gradescope import Autograder

            self.autograder = Autograder(kit, name)
            self.vendored["gradescope"] = [wheel()]

    def files_planned(self, key: str, labels: list[str]) -> list[str]:
        """Every file a platform's folder will hold (`key`: prairielearn or gradescope), relative
        to it: what is checked before anything is written into a folder that exists."""
        vendored = [path for path, _ in self.vendored.get(key, [])]
        if key == "prairielearn" and self.course is not None:
            return self.course.planned(labels) + vendored
        if key == "gradescope" and self.autograder is not None:
            return self.autograder.planned(labels) + vendored
        return []

    def variant_files(self, variant: Variant, label: str, solved: Trace, problem_text: str) -> dict[str, Any]:
        """A variant's part of each platform's output: {platform: {path: text}} (for qti: its
        assessment's path and text)."""
        out: dict[str, Any] = {}
        if self.course is not None:
            out["prairielearn"] = self.course.variant(variant, label, solved)
        if self.package is not None:
            out["qti"] = self.package.assessment_file(variant, label, solved)
        if self.autograder is not None:
            out["gradescope"] = self.autograder.variant(variant, label, problem_text)
        return out

    def write_variant(self, made: dict[str, Any], trees: dict[str, Tree]) -> None:
        """A variant's part (variant_files'), into the platforms' folders and the QTI package."""
        for key in ("prairielearn", "gradescope"):
            for path, text in made.get(key, {}).items():
                trees[key].write(path, text)
        if self.package is not None:
            self.package.add(*made["qti"])

    def finish(self, trees: dict[str, Tree], qti_file: Output | None) -> None:
        """Everything but the variants' parts: bpcalc's own files, the courses' and the
        autograder's files, the QTI package's manifest — and the package written."""
        if self.course is not None:
            tree = trees["prairielearn"]
            for path, data in self.vendored["prairielearn"]:
                tree.write(path, data)
            for path, text in self.course.final().items():
                tree.write(path, text)
        if self.autograder is not None:
            from .gradescope import EXECUTABLE

            tree = trees["gradescope"]
            for path, data in self.vendored["gradescope"]:
                tree.write(path, data)
            wheel_name = self.vendored["gradescope"][0][0]
            for path, text in self.autograder.final(wheel_name).items():
                tree.write(path, text, executable=path in EXECUTABLE)
        if self.package is not None and qti_file is not None:
            qti_file.write_bytes(self.package.finish())


__all__ = ["PRAIRIELEARN_VENDOR", "Platforms"]
