"""`--format markdown`: until its own renderer lands, the plain text layout."""

from .text import render  # noqa: F401
