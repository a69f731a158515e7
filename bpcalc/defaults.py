"""What a run uses where neither the command line nor the file says: bpcalc's defaults, in one place.

The learning rate is each optimiser's own (ops/optimizers.py); the rounding rule is
`numbers.round_half_up`, the one way bpcalc rounds a value it computes.
"""

#: significant digits shown (display only, never a value): what published worked examples print
DIGITS = 9
#: … on the nodes and edges of a drawn graph, where room is short
GRAPH_DIGITS = 6
#: chain-rule paths written out for one name before its δ (per-node) form is shown instead
MAX_PATHS = 16
#: the width text is laid out to when standard output is not a terminal
WIDTH = 80
#: the narrowest and widest text bpcalc lays out (--width, and COLUMNS from the environment)
WIDTH_RANGE = (20, 1000)
#: the language of headings and sentences when the environment names none
LANG = "en"
#: `check`: the significant digits an answer must carry unless the teacher sets another precision
SIG = 3
