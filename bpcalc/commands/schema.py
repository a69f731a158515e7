"""`bpcalc schema`: the JSON Schema of both file forms (draft-07), made from the description the
loader checks keys with (`reading/schema.py`).  The package ships it as `examples/bpcalc.schema.json`,
which the shipped examples and `bpcalc init`'s starters name in their `yaml-language-server` line."""

from __future__ import annotations

import json
import sys

from ..cli.options import Invocation


def schema_text(ranges: bool = False) -> str:
    from ..reading.schema import json_schema

    return json.dumps(json_schema(ranges), indent=2, ensure_ascii=False) + "\n"


def run(invocation: Invocation) -> int:
    sys.stdout.write(schema_text(bool(invocation.values["variants"])))
    return 0
