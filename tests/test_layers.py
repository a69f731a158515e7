"""The package's layers (docs/design.md): a module imports only from its own layer or the layers
below it, read from every import statement of the source (lazy ones and those for type checking
too: each is a dependency)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "bpcalc"

#: bottom to top; a name is a module or a package of bpcalc (its first part after `bpcalc.`)
LAYERS: list[set[str]] = [
    {"numbers", "errors", "defaults", "markup", "shipped", "outputs"},  # text, numbers, files: the ground
    {"expr"},  # expressions and their parser
    {"ops"},  # the tables: primitives, losses, optimisers, and their kernels
    {"problem", "symbolic", "reading"},  # a problem, and the files it is read from
    {"engine", "writeback"},  # solving, stepping, training; step -o
    {"trace", "export"},  # the worked solution as steps; another framework's script
    {"render"},  # one renderer per format
    {"check"},  # grading sheets
    {"course"},  # a teacher's kit and the platforms
    {"__init__", "cli"},  # the Python API's face; the command line
    {"commands", "__main__"},  # one module per command
]
LAYER = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}


def room(module: str) -> str:
    """bpcalc.render.text -> render; bpcalc -> __init__."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports() -> list[tuple[str, str, int]]:
    """(importing module, imported bpcalc module, line) for every import in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        package = parts[:-1] if parts[-1] != "__init__" else parts[:-1] or parts
        module = ".".join(parts if parts[-1] != "__init__" else parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[:len(package) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if not target.startswith("bpcalc"):
                    continue
                if node.module is None or target == "bpcalc":  # from .. import defaults: the module itself
                    found += [(module, f"{target}.{alias.name}", node.lineno) for alias in node.names
                              if alias.name != "__version__"]
                else:
                    found.append((module, target, node.lineno))
            elif isinstance(node, ast.Import):
                found += [(module, alias.name, node.lineno) for alias in node.names if alias.name.startswith("bpcalc")]
    return found


def test_every_module_is_in_a_layer():
    rooms = {room(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts)) for p in PACKAGE.rglob("*.py")}
    assert rooms <= set(LAYER), sorted(rooms - set(LAYER))


def upward(found: list[tuple[str, str, int]]) -> list[str]:
    return [f"{a} (line {line}) imports {b}" for a, b, line in found if LAYER.get(room(b), -1) > LAYER[room(a)]]


def test_no_import_runs_up_a_layer():
    assert upward(imports()) == []


def test_an_import_up_a_layer_is_caught():
    made_up = [("bpcalc.engine.scalar", "bpcalc.render.notebook", 1), ("bpcalc.markup", "bpcalc.render.printers", 2),
               ("bpcalc.check.sheets", "bpcalc.cli.exits", 3), ("bpcalc.render.text", "bpcalc.trace.steps", 4)]
    assert upward(made_up) == ["bpcalc.engine.scalar (line 1) imports bpcalc.render.notebook",
                               "bpcalc.markup (line 2) imports bpcalc.render.printers",
                               "bpcalc.check.sheets (line 3) imports bpcalc.cli.exits"]
