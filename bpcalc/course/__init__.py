"""A course kit: per-student variants of a teacher's problem (`bpcalc variants`).

`template.py` reads a problem file with ranges where numbers go and writes each variant's text;
`kit.py` draws the variants, redraws the uninteresting ones (and with `--distinct` those whose
mistakes `distinct.py` cannot tell apart), and makes each one's sheet, answer key and answers file.
Where courses live (docs/course-kit.md): `moodle.py` writes them as a Moodle XML quiz,
`prairielearn.py` as a PrairieLearn course (graded by `plserver.py`, with bpcalc's files from
`vendor.py`), `qti.py` as a QTI 1.2 package for Canvas, `gradescope.py` as a Gradescope autograder
(run by `autograder.py`, bpcalc in it a wheel from `vendor.py`); `platforms.py` feeds those three a
variant at a time.  `writing.py` writes a whole kit where the command line says — every place
checked before any work, by bpcalc/outputs.py's policy — and sums up what it wrote.
"""
