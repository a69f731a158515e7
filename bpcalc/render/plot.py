"""The loss curve of `bpcalc train` as an image (--plot): .png, .svg or .pdf, drawn by matplotlib
(the `plot` extra), imported only here, on use."""

from __future__ import annotations

import os

from ..errors import InputError, Span

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def check_plot(target: str, source: str) -> None:
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


def draw(output: str, curve: list[tuple[int, float]], history: list[tuple[int, float]], target: str,
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
