"""The loss curve of `bpcalc train` as an image (--plot): .png, .svg or .pdf, drawn by matplotlib
(the `plot` extra), imported only here, on use."""

from __future__ import annotations

import os

from ..errors import InputError, Span, printable
from ..markup import plot_text
from ..outputs import PLOT, Inputs, Output

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def check_plot(target: str, source: str) -> Output:
    """--plot, checked before any work (an unknown image type, no matplotlib, and what bpcalc's one
    output policy refuses: bpcalc/outputs.py); its temporary file made."""
    suffix = os.path.splitext(target)[1].lower()
    if suffix not in PLOT_SUFFIXES:
        raise InputError(f"--plot {printable(target)}: the image type comes from the name; "
                         f"{printable(suffix) or 'no suffix'} is not one bpcalc writes", Span(target),
                         "end the name in .png, .svg or .pdf")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("--plot needs matplotlib, which is not installed", None,
                         "pip install 'bpcalc[plot]' (or pip install matplotlib)") from None
    return Output(target, PLOT, Inputs((source,)))


def draw(output: str, curve: list[tuple[int, float]], history: list[tuple[int, float]], image: Output,
         source: str) -> None:
    """The loss curve as an image (log scale when every loss is positive), written to `image`.
    Text from outside bpcalc (the file's name) is shown as it is, never read as mathtext."""
    import io
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    points = sorted(dict(curve + history).items())
    fig, ax = pyplot.subplots(figsize=(6, 3.6), dpi=120)
    try:
        ax.plot([k for k, _ in points], [x for _, x in points], marker=".", linewidth=1.2)
        if all(x > 0 for _, x in points):
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(plot_text(output), parse_math=False)
        ax.set_title(plot_text(f"bpcalc train {os.path.basename(source)}"), parse_math=False)
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a glyph the font lacks is drawn as a box, not reported
            fig.savefig(buffer, format=os.path.splitext(image.name)[1][1:].lower())
    finally:
        pyplot.close(fig)
    image.write_bytes(buffer.getvalue())
