"""bpcalc's own files, to put beside a course platform's: PrairieLearn loads course code from
`serverFilesCourse/` (its Python has numpy, not PyYAML or typer, and the grading path needs
neither: docs/course-kit.md), and a Gradescope autograder installs bpcalc from its own folder.

The files are those of the bpcalc that runs, read from its package folder: its modules and the
data files a plain install has (the shipped examples, the schema, the page's script and style).
"""

from __future__ import annotations

import os

#: what is never vendored: compiled files, and editors' and tools' leftovers
_SKIPPED_DIRS = frozenset({"__pycache__"})
_SKIPPED_SUFFIXES = (".pyc", ".pyo", ".tmp", "~")


def package_files(python_only: bool = False) -> list[tuple[str, bytes]]:
    """(path under bpcalc/, its bytes) for every file of the running bpcalc package, in a fixed
    order; `python_only`: its modules alone."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # bpcalc/, above course/
    found: list[tuple[str, bytes]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.startswith(".") or name.endswith(_SKIPPED_SUFFIXES) or (python_only and not name.endswith(".py")):
                continue
            path = os.path.join(folder, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                found.append((os.path.relpath(path, root).replace(os.sep, "/"), f.read()))
    return found


def requirements() -> list[str]:
    """bpcalc's own dependencies, as pip reads them (its installed metadata; the pyproject's list
    when it is not installed)."""
    try:
        from importlib.metadata import requires

        listed = [r for r in (requires("bpcalc") or []) if ";" not in r]
    except Exception:  # noqa: BLE001 - not installed: the list pyproject.toml gives
        listed = []
    return listed or ["typer>=0.12", "rich>=13", "numpy>=1.26", "pyyaml>=6"]


__all__ = ["package_files", "requirements"]
