"""One renderer per output format.  Each only formats a `Solution`; none recomputes a number."""
