"""Running a parsed invocation: the command's job, imported only now."""

from __future__ import annotations

import importlib

from .options import Invocation


def execute(invocation: Invocation) -> int | None:
    """Import the command's job and run it; returns its exit code (None: success)."""
    module, _, function = invocation.command.job.partition(":")
    job = getattr(importlib.import_module(module), function)
    return job(invocation)  # type: ignore[no-any-return]
