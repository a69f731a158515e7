"""Checking answers (`bpcalc check`): reading them as written (answers.py), the common mistakes as
variants of the computation (mistakes.py), and grading with follow-on credit (grade.py)."""
