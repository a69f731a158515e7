"""What a long run shows and hears on a terminal: a progress bar on standard error, and a first Ctrl-C
that asks the run to stop after the step in progress (`bpcalc train`)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def interruptible() -> Iterator[Callable[[], bool]]:
    """A first Ctrl-C asks the run to stop after the step in progress; a second one stops at once."""
    asked = [False]
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def on_interrupt(signum: int, frame: object) -> None:
        if asked[0]:
            raise KeyboardInterrupt
        asked[0] = True

    before = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield lambda: asked[0]
    finally:
        signal.signal(signal.SIGINT, before)


@contextmanager
def progress_bar(steps: int, shown: bool) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on standard error when `shown` (a terminal that can draw one); else nothing."""
    if not shown:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task("train", total=steps)
    stride = max(1, steps // 200)

    def advance(k: int) -> None:
        if k % stride == 0 or k == steps:
            bar.update(task, completed=k)

    with bar:
        yield advance
