"""`step -o`: the same YAML document with the updated params, comments and key order kept.

ruamel.yaml round-trips the user's file; the new values go exactly where the old ones were
(`Problem.locations`).  The file is written to a temporary file beside the target and renamed
into place, so an interrupted run leaves the old file whole.
"""

from __future__ import annotations

import io
import os
import re
import tempfile

from .errors import InputError, Span
from .problem import Problem

_NESTED_KEY = re.compile(r"^( +)[A-Za-z_][A-Za-z0-9_]*[ \t]*:", re.M)


def updated_text(problem: Problem, updated: dict[str, float]) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    round_trip = YAML(typ="rt")  # builds plain containers; the text already passed the safe loader
    round_trip.preserve_quotes = True
    round_trip.width = 4096
    # keep the user's indentation: of nested keys, and of `- ` list items within their parent
    _, sequence, offset = load_yaml_guess_indent(problem.text)
    nested = [len(m.group(1)) for m in _NESTED_KEY.finditer(problem.text)]
    mapping = min(nested) if nested else 2
    round_trip.indent(mapping=mapping, sequence=sequence or mapping, offset=offset or 0)
    doc = round_trip.load(problem.text)
    for name, value in updated.items():
        path = problem.locations.get(name)
        if path is None:
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if isinstance(last, int) and not isinstance(parent, list):
            parent = doc  # a shared scalar bias: the path ends at the mapping key
        parent[last] = float(value)
    buffer = io.StringIO()
    round_trip.dump(doc, buffer)
    return buffer.getvalue()


def check_target(target: str, source: str) -> None:
    """Refuse an `-o` path that cannot be written or that is the input itself, before any work."""
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise InputError(f"cannot write the updated file: the folder {os.path.dirname(target)} "
                         "does not exist", Span(target),
                         "create the folder first or choose another path for -o")
    if os.path.isdir(target):
        raise InputError("-o names a folder, not a file", Span(target),
                         "give a file name, for example -o next.yaml")
    if source != "-" and (os.path.abspath(target) == os.path.abspath(source) or (
            os.path.exists(target) and os.path.exists(source) and os.path.samefile(target, source))):
        raise InputError("-o would overwrite the input file", Span(target),
                         "bpcalc never modifies its input; write to another file, for example -o next.yaml")


def write_updated(problem: Problem, updated: dict[str, float], target: str, source: str) -> None:
    """Write atomically: a temporary file in the target's folder, renamed over the target."""
    check_target(target, source)
    text = updated_text(problem, updated)
    directory = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bpcalc-", suffix=".yaml", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write the updated file: {exc.strerror}", Span(target),
                         "check the folder's permissions or choose another path for -o") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise InputError(f"cannot write the updated file: {exc.strerror}", Span(target),
                             "check the disk space and permissions, or choose another path for -o"
                             ) from None
        raise
