"""The examples shipped inside the package (`bpcalc/examples/`), so that they are there after a
plain `pip install`: their names, one-line descriptions and text.  `example:NAME` names one
wherever a FILE goes (`reading.yamldoc.read_text` reads it through `read`).

A file's description is its first comment line after the `yaml-language-server` modeline; a
problem file is one with a top-level `define:` or `network:` (other YAML there, such as a sample
answers file, is shown but not listed as a problem).  `templates/` holds templates of `bpcalc
variants`: problem files with ranges where numbers go, which only that command reads.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import InputError, Span, did_you_mean

PREFIX = "example:"
#: the folder of the shipped files (the repository's `examples/` is a link to it)
FOLDER = Path(__file__).resolve().parent / "examples"
#: the JSON Schema of both file forms, shipped beside the examples (`bpcalc schema` writes it),
#: and of `bpcalc variants`' templates (`bpcalc schema --variants`)
SCHEMA_FILE = FOLDER / "bpcalc.schema.json"
TEMPLATE_SCHEMA_FILE = FOLDER / "bpcalc-template.schema.json"
TEMPLATES = "templates"

#: names the examples were once shipped under: they still work, unlisted
FORMER_NAMES = {
    "seed000_apples": "apples",
    "seed002_network": "blog_2_2_2",
    "seed002_expression": "blog_2_2_2_graph",
    "seed003_expression": "slides_1_1_1",
    "seed003_network": "slides_1_1_1_network",
    "answers/seed002_student": "answers/blog_2_2_2_student",
    "templates/seed002_homework": "templates/blog_homework",
}

_PROBLEM = re.compile(r"^(define|network)[ \t]*:", re.M)
_MODELINE = "# yaml-language-server:"


def modeline(schema: Path = SCHEMA_FILE) -> str:
    """The comment that points an editor's YAML support (yaml-language-server) at a schema this
    bpcalc ships, wherever the package is installed."""
    return f"{_MODELINE} $schema={schema.as_uri()}"


def with_modeline(text: str, name: str) -> str:
    """A shipped file's text as it is printed to be copied: its schema line naming the installed
    schema (the file itself names it by a path relative to the file)."""
    head, newline, rest = text.partition("\n")
    if not head.startswith(_MODELINE) or "$schema=" not in head:
        return text
    relative = head.split("$schema=", 1)[1].strip()
    if relative.startswith("file:"):  # named already
        return text
    return modeline((path(name).parent / relative).resolve()) + newline + rest


def looks_like_problem(text: str) -> bool:
    """Whether YAML text is a problem file (either form), by its top-level keys alone."""
    return _PROBLEM.search(text) is not None


def names(problems_only: bool = True) -> list[str]:
    """The shipped problems by name (the path under the folder, without `.yaml`), sorted; with
    `problems_only` False, every shipped YAML file, templates too."""
    found = []
    for file in sorted(FOLDER.rglob("*.yaml")):
        name = file.relative_to(FOLDER).with_suffix("").as_posix()
        if problems_only and (name.startswith(TEMPLATES + "/") or not looks_like_problem(file.read_text("utf-8"))):
            continue
        found.append(name)
    return found


def data_names() -> list[str]:
    """The shipped data files (the CSV samples an example reads), by their path under the folder,
    extension and all (`train/iris.csv`)."""
    return sorted(file.relative_to(FOLDER).as_posix() for file in FOLDER.rglob("*.csv"))


def data_of(name: str) -> list[str]:
    """The data files a shipped problem reads (its `data: {csv: FILE}`), as paths relative to the
    problem's folder, each one a shipped file."""
    import yaml  # the package's own files: PyYAML alone reads them (reading/ sits above this module)

    source = path(name)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    block = data.get("data") if isinstance(data, dict) else None
    csv = block.get("csv") if isinstance(block, dict) else None
    if not isinstance(csv, str):
        return []
    found = (source.parent / csv).resolve()
    return [csv] if found.is_relative_to(FOLDER) and found.is_file() else []


def templates() -> list[str]:
    """The shipped templates of `bpcalc variants`, by name (templates/…)."""
    return [name for name in names(problems_only=False) if name.startswith(TEMPLATES + "/")]


def path(name: str) -> Path:
    """The file of a shipped example (`blog_2_2_2`, `example:blog_2_2_2` or with
    `.yaml`), or a clear error naming the examples there are."""
    bare = name.removeprefix(PREFIX).removesuffix(".yaml")
    bare = FORMER_NAMES.get(bare, bare)
    every = names(problems_only=False)
    if bare not in every:
        hint = did_you_mean(bare, every, FORMER_NAMES) or "the examples: " + ", ".join(names())
        raise InputError(f"no shipped example named {bare!r}", Span(PREFIX + bare), hint + " (bpcalc examples)")
    return FOLDER / f"{bare}.yaml"


def shown(name: str) -> str:
    """What `bpcalc examples show NAME` prints: a shipped YAML file with its schema line naming the
    installed schema, or a shipped data file (`train/iris.csv`) as it is."""
    bare = name.removeprefix(PREFIX)
    data = data_names()
    if bare in data:
        return (FOLDER / bare).read_text(encoding="utf-8")
    if "." in bare.rpartition("/")[2] and not bare.endswith(".yaml"):  # a data file's name, misspelt
        hint = did_you_mean(bare, data) or "the data files: " + ", ".join(data)
        raise InputError(f"no shipped data file named {bare!r}", Span(PREFIX + bare), hint + " (bpcalc examples)")
    text, _ = read(name)
    return with_modeline(text, name)


def describe(name: str) -> str:
    """The example's one-line description: its first comment after the modeline."""
    for line in path(name).read_text(encoding="utf-8").splitlines():
        if line.startswith(_MODELINE) or line.strip() in ("", "#"):
            continue
        return line.lstrip("#").strip() if line.startswith("#") else ""
    return ""


def read(name: str) -> tuple[str, str]:
    """The text of a shipped example and the name to show for it (`example:NAME`); its schema line
    names the installed schema, so a copy written elsewhere (step -o) still finds it."""
    found = path(name)
    shown = found.relative_to(FOLDER).with_suffix("").as_posix()
    return with_modeline(found.read_text(encoding="utf-8"), shown), PREFIX + shown
