"""The big-file figure of bench/run.py counted in instructions rather than seconds.

    python bench/instructions.py            # a 100,000-line chain (about five minutes)
    python bench/instructions.py 20000      # a smaller one

Times on a shared machine move with its load (the C loader alone has taken 1.4 to 2.3 s for the
same file); the instructions a process executes do not.  valgrind (`apt-get install valgrind`)
counts them for `bpcalc grad FILE --format json` and for `yaml.load(…, Loader=CSafeLoader)` of the
same file, with a fixed hash seed, after bpcalc's bytecode has been compiled (a user's second run).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from run import ROOT, bpcalc_command, chain_yaml


def instructions(command: list[str]) -> int:
    """The instructions `command` executes, counted by valgrind (its output is discarded)."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                           *command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                          cwd=ROOT, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{done.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def main() -> int:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if shutil.which("valgrind") is None:
        print("valgrind is missing: apt-get install valgrind", file=sys.stderr)
        return 2
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "bpcalc")], check=True,
                   stdout=subprocess.DEVNULL, env={k: v for k, v in os.environ.items()
                                                   if k != "PYTHONDONTWRITEBYTECODE"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"chain{lines}.yaml"
        path.write_text(chain_yaml(lines))
        load = "import yaml, sys; yaml.load(open(sys.argv[1], encoding='utf-8').read(), Loader=yaml.CSafeLoader)"
        ours = instructions(bpcalc_command() + ["grad", str(path), "--format", "json"])
        theirs = instructions([sys.executable, "-c", load, str(path)])
    print(f"grad --format json, {lines:,}-line chain: {ours / 1e9:.2f}G instructions; "
          f"yaml.load(CSafeLoader): {theirs / 1e9:.2f}G; ratio {ours / theirs:.2f}x (target <= 5x)")
    return 0 if ours <= 5 * theirs else 1


if __name__ == "__main__":
    sys.exit(main())
