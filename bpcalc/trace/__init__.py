"""The trace: the single record of a worked solution (steps.py), made in one place (build.py)."""

from .build import build
from .steps import ENTRY_KINDS, STEP_KINDS, Result, Step, Trace

__all__ = ["ENTRY_KINDS", "STEP_KINDS", "Result", "Step", "Trace", "build"]
