"""The engine: a problem compiled to a tape (graph.py), solved forward and backward with every
partial from the op table (scalar.py), optionally as a variant of the textbook computation
(config.py)."""

from .config import TEXTBOOK, Config, added, lr_twice, without_lr
from .graph import Graph, compile_problem
from .scalar import Solution, forward, solve

__all__ = ["TEXTBOOK", "Config", "Graph", "Solution", "added", "compile_problem", "forward", "lr_twice", "solve",
           "without_lr"]
