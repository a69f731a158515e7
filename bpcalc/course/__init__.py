"""A course kit: per-student variants of a teacher's problem (`bpcalc variants`).

`template.py` reads a problem file with ranges where numbers go and writes each variant's text;
`kit.py` draws the variants, redraws the uninteresting ones, and makes each one's sheet, answer
key and answers file; `moodle.py` writes them all as a Moodle XML quiz.
"""
