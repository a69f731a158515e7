"""`bpcalc export FILE --to torch [-o F.py]`: the problem as a PyTorch script (bpcalc/export/),
printed, or written to a new file (an existing one only with --force)."""

from __future__ import annotations

import os
import sys

from ..cli.options import Invocation


def run(invocation: Invocation) -> int:
    from ..errors import InputError, Span, UsageError, printable

    v = invocation.values
    if v.get("round") is not None:
        raise UsageError("--round cannot be reproduced in torch: autograd differentiates the exact function, "
                         "not one whose values are rounded as they are computed", None,
                         "leave out --round; the script's numbers are those of bpcalc step without it")
    file = str(v["file"])
    output = v.get("output")
    if output is not None and output != "-":  # checked before any work
        from ..writeback import check_target

        shown = printable(str(output))
        if os.path.lexists(str(output)) and not v.get("force"):
            raise InputError(f"{shown} exists; bpcalc export does not write over it", Span(str(output)),
                             "choose another name, or add --force to replace it")
        check_target(str(output), file)

    from ..engine.optim import chosen
    from ..export import script
    from ..reading import load

    problem = load(file)
    optimizer = chosen(v.get("optimizer"), problem.optimizer) if v.get("optimizer") else None
    text = script(problem, str(v["to"]), lr=v.get("lr"), optimizer=optimizer, source=file)
    if output is None or output == "-":
        sys.stdout.write(text)
        return 0
    from ..writeback import replace_text

    replace_text(str(output), text)
    sys.stderr.write(f"wrote {printable(str(output))}; run it: python {printable(str(output))}\n")
    return 0
