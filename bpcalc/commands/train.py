"""`train`: many optimiser steps — the dense engine for a network file, the scalar one for an
expression file — with a progress bar on a terminal, then the report (the loss every K steps, the
loss curve, the params reached) in any format; `-o` writes the params back, `--plot` draws the
curve as an image.  Ctrl-C ends the run after the step in progress: the report of the steps taken
is printed (and written with -o), and the exit code is 130."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..cli.options import Invocation
from ..errors import InputError, Span
from .solve import format_name, line_width, refuse_meaningless

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def run(invocation: Invocation) -> int:
    from ..reading import load
    from ..render import Options, render

    v = invocation.values
    file = str(v["file"])
    fmt = format_name(v["format"])
    refuse_meaningless(fmt, v)
    output, plot = v.get("output"), v.get("plot")
    if output is not None:
        from ..writeback import check_target

        check_target(str(output), file)
    if plot is not None:
        _check_plot(str(plot), file)
    problem = load(file, unshown=True)  # trained, not worked step by step
    from ..engine.optim import chosen

    optimizer = chosen(v.get("optimizer"), problem.optimizer)

    from ..engine.training import train

    with _interruptible() as stopped, _progress(int(v["steps"])) as progress:
        done = train(problem, steps=int(v["steps"]), lr=v["lr"], optimizer=optimizer, batch_size=v["batch_size"],
                     shuffle=not v["no_shuffle"], seed=int(v["seed"]), every=v["every"], progress=progress,
                     stop=stopped)
    if output is not None:
        from ..writeback import write_updated

        write_updated(problem, done.updated, str(output), file)
    if plot is not None:
        _draw(problem.output, done.curve, done.history, str(plot), file)

    from ..trace.training import train_trace

    trace = train_trace(problem, done, str(output) if output is not None else None)
    options = Options(digits=v["digits"], ascii=v["ascii"], standalone=v["standalone"], width=line_width(v["width"]))
    sys.stdout.write(render(trace, fmt, options))
    return 130 if done.interrupted else 0


@contextmanager
def _interruptible() -> Iterator[Callable[[], bool]]:
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
def _progress(steps: int) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on standard error when that is a terminal; nothing when piped."""
    if not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
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


def _check_plot(target: str, source: str) -> None:
    """Refuse --plot before any work: an unknown image type, a missing folder, or no matplotlib."""
    suffix = os.path.splitext(target)[1].lower()
    if suffix not in PLOT_SUFFIXES:
        raise InputError(f"--plot {target}: the image type comes from the name; {suffix or 'no suffix'} is not "
                         "one bpcalc writes", Span(target), "end the name in .png, .svg or .pdf")
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise InputError(f"cannot write the plot: the folder {os.path.dirname(target)} does not exist",
                         Span(target), "create the folder first or choose another path for --plot")
    if source != "-" and os.path.exists(source) and os.path.abspath(target) == os.path.abspath(source):
        raise InputError("--plot would overwrite the input file", Span(target), "choose another name")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--plot needs matplotlib, which is not installed", None,
                         "pip install 'bpcalc[plot]' (or pip install matplotlib)") from None


def _draw(output: str, curve: list[tuple[int, float]], history: list[tuple[int, float]], target: str,
          source: str) -> None:
    """The loss curve as an image (log scale when every loss is positive)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    points = sorted(dict(curve + history).items())
    fig, ax = pyplot.subplots(figsize=(6, 3.6), dpi=120)
    ax.plot([k for k, _ in points], [x for _, x in points], marker=".", linewidth=1.2)
    if all(x > 0 for _, x in points):
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(output)
    ax.set_title(f"bpcalc train {os.path.basename(source)}")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    try:
        fig.savefig(target)
    except OSError as exc:
        raise InputError(f"cannot write the plot: {exc.strerror}", Span(target),
                         "check the folder's permissions or choose another path for --plot") from None
    finally:
        pyplot.close(fig)
