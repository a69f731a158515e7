"""The command line: the option table (options.py), the fast start (main.py), the typer app made
from the same table (app.py), and exit codes chosen in one place (exits.py)."""
