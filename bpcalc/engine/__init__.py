"""The engine: a problem compiled to a tape (graph.py), solved forward and backward with every
partial from the op table (scalar.py), optionally as a variant of the textbook computation
(config.py)."""

from .config import TEXTBOOK, Config, sgd
from .graph import Graph, compile_problem
from .scalar import Solution, forward, solve

__all__ = ["TEXTBOOK", "Config", "Graph", "Solution", "compile_problem", "forward", "sgd", "solve"]
