"""The trace: the single record of a worked solution — its steps (steps.py) and the solution as
data (data.py) — made in one place (builder.py).  Names are imported on first use, so the cheap
data-only trace that JSON needs does not load the steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .builder import build
    from .data import Result, Trace
    from .steps import ENTRY_KINDS, STEP_KINDS, Step

_LAZY = {"build": ".builder", "Result": ".data", "Trace": ".data", "ENTRY_KINDS": ".steps",
         "STEP_KINDS": ".steps", "Step": ".steps"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bpcalc.trace' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module, __name__), name)


__all__ = ["ENTRY_KINDS", "STEP_KINDS", "Result", "Step", "Trace", "build"]
