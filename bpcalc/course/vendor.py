"""bpcalc's own files, to put beside a course platform's: PrairieLearn loads course code from
`serverFilesCourse/` (its Python has numpy, not PyYAML or typer, and the grading path needs
neither: docs/course-kit.md), and a Gradescope autograder installs bpcalc from a wheel made here.

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


#: a fixed time for every file in the wheel, so the same bpcalc gives the same bytes
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
REQUIRES_PYTHON = ">=3.11"


def wheel() -> tuple[str, bytes]:
    """The running bpcalc as a wheel (pure Python, py3-none-any): its file name and its bytes —
    every file of package_files(), and the metadata pip installs it by (its dependencies, which pip
    fetches from PyPI; the `bpcalc` command)."""
    import base64
    import hashlib
    import io
    import zipfile

    from .. import __version__

    name = f"bpcalc-{__version__}"
    info = f"{name}.dist-info"
    metadata = ["Metadata-Version: 2.1", "Name: bpcalc", f"Version: {__version__}",
                "Summary: A backprop calculator that shows its work: every value and derivative, step by step",
                f"Requires-Python: {REQUIRES_PYTHON}", *(f"Requires-Dist: {r}" for r in requirements())]
    entries = [(f"bpcalc/{path}", data) for path, data in package_files()]
    entries += [(f"{info}/METADATA", ("\n".join(metadata) + "\n").encode()),
                (f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: bpcalc variants\nRoot-Is-Purelib: true\n"
                                  b"Tag: py3-none-any\n"),
                (f"{info}/entry_points.txt", b"[console_scripts]\nbpcalc = bpcalc.cli.main:main\n")]
    record = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
              f"{len(data)}" for path, data in entries]
    entries.append((f"{info}/RECORD", ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as whole:
        for path, data in entries:
            entry = zipfile.ZipInfo(path, _ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            whole.writestr(entry, data)
    return f"{name}-py3-none-any.whl", out.getvalue()


def requirements() -> list[str]:
    """bpcalc's own dependencies, as pip reads them (its installed metadata; the pyproject's list
    when it is not installed)."""
    try:
        from importlib.metadata import requires

        listed = [r for r in (requires("bpcalc") or []) if ";" not in r]
    except Exception:  # noqa: BLE001 - not installed: the list pyproject.toml gives
        listed = []
    return listed or ["typer>=0.12", "rich>=13", "numpy>=1.26", "pyyaml>=6"]


__all__ = ["package_files", "requirements", "wheel"]
