"""The trace: the single record of a worked solution (steps.py), made in one place (build.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .steps import ENTRY_KINDS, STEP_KINDS, Result, Step, Trace

if TYPE_CHECKING:
    from .builder import build


def __getattr__(name: str) -> Any:
    if name == "build":  # the builder imports the engine: only when a trace is made
        from .builder import build

        return build
    raise AttributeError(f"module 'bpcalc.trace' has no attribute {name!r}")


__all__ = ["ENTRY_KINDS", "STEP_KINDS", "Result", "Step", "Trace", "build"]
