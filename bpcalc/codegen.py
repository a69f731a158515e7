"""The one place bpcalc compiles Python source that it wrote itself.

Three things are written out as code because a loop that looks up what to do at each step is
several times slower than the steps: the op table's kernels (ops/kernels.py), the tree of a line
shape that many lines share (expr/parser.py) and that shape's run of the engine's tape
(engine/graph.py).  The source holds only what bpcalc writes — identifiers of its own, small
integers, the table's formulas — never a name, a number or any other text from a file: those reach
generated code as arguments, or as values in its scope (tests/test_ops_table.py checks every
source compiled against that rule).
"""

from __future__ import annotations

from typing import Any

#: every source compiled in this process, in order (the first ones; for inspection:
#: python -m bpcalc.ops.kernels prints the table's)
SOURCES: list[str] = []
_KEPT = 10_000

#: a line shape is written out as code once this many lines have used it: compiling the code
#: takes as long as some 150 lines save by it, so a file of many shapes used a few times each
#: never pays for it
REUSED_ENOUGH = 128


def compiled(source: str, scope: dict[str, Any], label: str) -> dict[str, Any]:
    """Run generated `source` in `scope` (what it may refer to); returns the scope, with what the
    source defines.  `label` names it in a traceback."""
    if len(SOURCES) < _KEPT:
        SOURCES.append(source)
    exec(compile(source, f"<bpcalc {label} {len(SOURCES)}>", "exec"), scope)  # noqa: S102 - bpcalc's source only
    return scope
