"""`bpcalc export FILE --to torch [-o F.py]`: the problem as a PyTorch script (bpcalc/export/),
printed, or written by bpcalc's one output policy (bpcalc/outputs.py: checked before any work,
through a temporary file renamed into place, never the input, an existing file only with --force)."""

from __future__ import annotations

import sys

from ..cli.options import Invocation


def run(invocation: Invocation) -> int:
    from ..errors import UsageError, printable

    v = invocation.values
    if v.get("round") is not None:
        raise UsageError("--round cannot be reproduced in torch: autograd differentiates the exact function, "
                         "not one whose values are rounded as they are computed", None,
                         "leave out --round; the script's numbers are those of bpcalc step without it")
    file = str(v["file"])
    output = v.get("output")
    out = None
    if output is not None and output != "-":  # checked, and its temporary file made, before any work
        from ..outputs import Inputs, Output, Role

        role = Role("-o names", "-o would overwrite the input file", "the script", "model.py",
                    exists=f"{printable(str(output))} exists; bpcalc export does not write over it")
        out = Output(str(output), role, Inputs((file,)), replace=bool(v.get("force")))
    try:
        from ..engine.optim import chosen
        from ..export import script
        from ..reading import load

        problem = load(file)
        optimizer = chosen(v.get("optimizer"), problem.optimizer) if v.get("optimizer") else None
        text = script(problem, str(v["to"]), lr=v.get("lr"), optimizer=optimizer, source=file)
        if out is not None:
            out.write_text(text)
    finally:
        if out is not None:
            out.close()
    if out is None:
        sys.stdout.write(text)
    else:
        sys.stderr.write(f"wrote {printable(str(output))}; run it where PyTorch is installed (pip install torch): "
                         f"python {printable(str(output))}\n")
    return 0
