"""The command line as data: every command, its arguments and its options, in one table.

Both command lines are made from this table: the typer app (`app.py`: help, completion, usage
errors) and the fast start (`parse` below), which runs a well-formed invocation without importing
typer at all.  An option's value is checked by its `convert`, the same function on both paths, so
a bad value gets the same plain message either way.  Importing this module costs nothing: the
jobs are named by module path and imported only when they run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from .. import defaults
from ..errors import UsageError, did_you_mean, printable, quoted
from ..ops.losses import NAMES as LOSS_NAMES
from ..ops.optimizers import KINDS, default_rates
from ..render import FORMATS, Options
from .environment import Environment

# --- converting and checking values -------------------------------------------------------------------

#: the most digits a whole number on the command line may have (Python reads no more than 4,300)
_DIGITS = 18


def whole(low: int, high: int | None, what: str) -> Callable[[str, str], int]:
    def convert(flag: str, text: str) -> int:
        if (text.isascii() and text.isdigit() and len(text.lstrip("0")) <= _DIGITS and low <= int(text)
                and (high is None or int(text) <= high)):
            return int(text)
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        if high is None and len(text.lstrip("0")) > _DIGITS:
            span += f" and at most {_DIGITS} digits"
        raise UsageError(f"{flag} must be a whole number {span}, not {text if len(text) <= 60 else quoted(text)}",
                         None, f"{flag} sets {what}, for example {flag} {max(low, min(2, high or 2))}")
    return convert


def positive(what: str, example: str) -> Callable[[str, str], float]:
    def convert(flag: str, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if value > 0 and math.isfinite(value):
            return value
        raise UsageError(f"{flag} must be a positive number, not {text}", None,
                         f"{what}, for example {flag} {example}")
    return convert


def within(low: float, high: float, what: str, example: str) -> Callable[[str, str], float]:
    """A number from `low` to `high` (a finite one: 1e-320 and 1e400 are refused as written)."""
    def convert(flag: str, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if low <= value <= high:
            return value
        raise UsageError(f"{flag} must be a number from {low:g} to {high:g}, not {printable(text)}", None,
                         f"{what}, for example {flag} {example}")
    return convert


def choice(choices: tuple[str, ...], aliases: dict[str, str] | None = None) -> Callable[[str, str], str]:
    aliases = aliases or {}

    def convert(flag: str, text: str) -> str:
        key = text.lower()
        if key in choices:
            return key
        if key in aliases:
            return aliases[key]
        hint = did_you_mean(key, [*choices, *aliases]) or f"choose one of {', '.join(choices)}"
        raise UsageError(f"{flag} must be one of {', '.join(choices)}, not {text!r}", None, hint)
    return convert


def names(flag: str, text: str) -> list[str]:
    found = [n.strip() for n in text.split(",") if n.strip()]
    if not found:
        raise UsageError(f"{flag} needs at least one name", None, f"for example {flag} w1,w5")
    return found


def text_value(flag: str, text: str) -> str:
    return text


# --- the table ------------------------------------------------------------------------------------------


class Option(NamedTuple):
    flags: tuple[str, ...]  # the long flag first
    key: str  # the name the job receives
    help: str
    metavar: str | None = None  # None: a flag, no value
    convert: Callable[[str, str], object] = text_value
    default: object = None
    shown_default: str | None = None  # how --help states the default


class Argument(NamedTuple):
    key: str
    metavar: str
    help: str
    many: bool = False  # one or more (check's answer files)
    optional: bool = False  # may be left out (when every argument after it may be too; see leavable)


class Command(NamedTuple):
    name: str
    help: str  # the purpose line (the first sentence: the command list shows it), then more
    example: str
    job: str  # "module:function", imported when the command runs
    arguments: tuple[Argument, ...]
    options: tuple[Option, ...] = ()


def format_option(choices: tuple[str, ...], help: str) -> Option:
    """--format, with the choices of one command (md and tex are markdown and latex)."""
    return Option(("--format", "-f"), "format", help, "FORMAT",
                  choice(choices, {k: v for k, v in {"md": "markdown", "tex": "latex"}.items() if v in choices}))


_DEFAULT_FORMATS = "rich (default on a terminal), text (default when piped)"
FORMAT = format_option(FORMATS, f"{_DEFAULT_FORMATS}, markdown, latex, json, html, or page (the graph "
                       "beside the solution, to step through)")
ROUND = Option(("--round",), "round", "round activation outputs to N decimal places as they are computed, "
               "as worked examples do by hand", "N", whole(0, 15, "the decimal places activation outputs are "
                                                           "rounded to"))
DIGITS = Option(("--digits",), "digits", "significant digits to show (display only)", "N",
                whole(1, 17, "the significant digits shown"), defaults.DIGITS, str(defaults.DIGITS))
LR = Option(("--lr",), "lr", f"learning rate η (overrides the file's `lr`; default the optimiser's: "
            f"{default_rates()})", "X",
            positive("the learning rate η is a small positive number", "0.5"))
ONLY = Option(("--only",), "only", "show only the lines that lead to these names", "NAME[,NAME…]", names)
EVERY_GRADIENT = Option(("--all",), "every_gradient", "also the gradients of the inputs, targets and frozen "
                        "params, which nothing updates", default=False)
BRIEF = Option(("--brief",), "brief", "the numbers as tables (values, gradients, updates), without their "
               "working", default=False)
MAX_PATHS = Option(("--max-paths",), "max_paths", "above this many chain-rule paths to one name, show the "
                   "per-node (δ) form instead (at most 100: paths multiply with depth)", "N",
                   whole(1, 100, "the paths written out per name"), defaults.MAX_PATHS, str(defaults.MAX_PATHS))
ASCII = Option(("--ascii",), "ascii", "plain ASCII symbols: d for ∂, sigmoid for σ, * for ×", default=False)
STANDALONE = Option(("--standalone",), "standalone", "latex/html: a whole document, not a fragment",
                    default=False)
WIDTH = Option(("--width",), "width", "the width to lay text out to (default: the terminal's; 80 when "
               "piped)", "N", whole(*defaults.WIDTH_RANGE, "the width of the lines"))
NOTATION = Option(("--notation",), "notation", "paths (per node, every path) or, for network files, delta "
                  "(δ_j for each neuron, the blog's factored form) or matrix (z = W a + b layer by layer, "
                  "BP1–BP4 with the numbers as matrices)", "NOTATION",
                  choice(("paths", "delta", "matrix"), {"δ": "delta", "matrices": "matrix"}), "paths", "paths")
DELTA_SIGN = Option(("--delta-sign",), "delta_sign", "the δ convention: plus (δ_j = ∂E/∂net_j) or minus "
                    "(δ_j = −∂E/∂net_j)", "SIGN", choice(("plus", "minus"), {"+": "plus", "-": "minus"}), "plus",
                    "plus")
LANG = Option(("--lang",), "lang", "the language of headings and sentences: en or zh (default: from LANG)", "LANG",
              choice(("en", "zh"), {"zh_cn": "zh", "cn": "zh", "chinese": "zh", "english": "en"}))
STEPS = Option(("--steps",), "steps", "N complete worked iterations, each from the last one's updated params",
               "N", whole(1, 100, "how many worked iterations are shown"), 1, "1")
OUTPUT = Option(("--output", "-o"), "output", "write the problem with the updated params to this file "
                "(comments and key order kept; '-': print it instead of the solution)", "FILE")

FORMAT_NO_JSON = format_option(tuple(f for f in FORMATS if f not in ("json", "page")),
                               f"{_DEFAULT_FORMATS}, markdown, latex or html")
#: left out (as the last argument), FILE is the one problem file in the current folder (firstrun.py)
FILE = Argument("file", "FILE", "the problem, a YAML file: '-' reads standard input, example:NAME a shipped "
                "example (bpcalc examples); left out, the one problem file in this folder", optional=True)
#: check's problem: never left out (the answers follow it), and may be a folder of variants
CHECK_FILE = Argument("file", "FILE", "the problem, a YAML file ('-' reads standard input, example:NAME a shipped "
                      "example), or the folder `bpcalc variants` made (each answers file names its variant)",
                      optional=True)  # never left out (the answers follow it), but said so by firstrun.py
SOLUTION_OPTIONS = (FORMAT, ROUND, DIGITS, LR, ONLY, EVERY_GRADIENT, BRIEF, MAX_PATHS, ASCII, STANDALONE, WIDTH,
                    NOTATION, DELTA_SIGN, LANG)

#: `graph --format`: a terminal drawing, Graphviz's source, or an image Graphviz draws
GRAPH_FORMATS = ("text", "rich", "dot", "svg", "png", "pdf")

#: `check --format`: the report's formats, and a gradebook
CHECK_FORMATS = (*(f for f in FORMATS), "csv", "gradescope")

OPTIMIZER = Option(("--optimizer",), "optimizer", f"the update rule: {', '.join(KINDS)} (default: the file's "
                   "`optimizer:`, else sgd); step shows each rule worked out: momentum's velocity, Adam's moments",
                   "NAME", choice(KINDS))

COMMANDS: tuple[Command, ...] = (
    Command("forward", "The forward pass and the loss, step by step. Every node's value as formula = numbers "
            "= value.",
            "bpcalc forward example:apples", "bpcalc.commands.solve:run", (FILE,),
            SOLUTION_OPTIONS),
    Command("grad", "The forward and backward pass, step by step. Every local derivative, chain-rule product "
            "and gradient; with several outputs, the Jacobian.",
            "bpcalc grad example:blog_2_2_2 --format markdown", "bpcalc.commands.solve:run", (FILE,),
            SOLUTION_OPTIONS),
    Command("step", "Forward, backward and one SGD update, step by step. θ ← θ − η·∂L/∂θ for every param, "
            "then the loss after it; -o writes the problem again with the new params.",
            "bpcalc step example:slides_1_1_1 --round 2 -o next.yaml", "bpcalc.commands.solve:run",
            (FILE,), (*SOLUTION_OPTIONS, STEPS, OUTPUT, OPTIMIZER)),
    # --- the graph drawn, and the gradients checked ---
    Command("graph", "The computational graph, every value and gradient on it. Drawn in the terminal, as "
            "Graphviz DOT, or as an image made by Graphviz's dot (svg, png, pdf).",
            "bpcalc graph example:blog_2_2_2 --format svg -o graph.svg", "bpcalc.commands.graph:run",
            (FILE,), (
                format_option(GRAPH_FORMATS, "text (default when piped), rich (default on a terminal), dot "
                              "(Graphviz source), or svg, png, pdf (drawn by Graphviz's dot; need -o)"),
                Option(("--output", "-o"), "output", "write to this file (svg, png and pdf need it; the format "
                       "follows its extension unless --format says)", "FILE"),
                Option(("--only",), "only", "draw only the nodes on the way from these names to the output",
                       "NAME[,NAME…]", names),
                Option(("--backward",), "backward", "number the nodes in the order the backward pass visits "
                       "them (1: the output)", default=False),
                ROUND,
                DIGITS._replace(help="significant digits on the nodes and edges (display only)",
                                default=defaults.GRAPH_DIGITS, shown_default=str(defaults.GRAPH_DIGITS)),
                ASCII, WIDTH,
            )),
    Command("gradcheck", "Each gradient beside its finite-difference estimate. The central difference "
            "(f(x + h) − f(x − h)) / 2h from the forward pass alone; exit 1 when one disagrees.",
            "bpcalc gradcheck example:slides_1_1_1 --eps 1e-6 --tol 1e-5", "bpcalc.commands.gradcheck:run",
            (FILE,), (
                FORMAT,
                Option(("--eps",), "eps", "the step h = ε·max(1, |x|) of the estimate (from 1e-12 to 1)", "ε",
                       within(1e-12, 1.0, "ε sets the finite-difference step h = ε·max(1, |x|): below 1e-12 the "
                              "estimate is mostly round-off, above 1 it is not local", "1e-6"), None, "1e-6"),
                Option(("--tol",), "tol", "the relative difference allowed between a gradient and its estimate",
                       "TOL", positive("the relative tolerance", "1e-5"), None, "1e-5"),
                ROUND, ONLY,
                DIGITS, ASCII, STANDALONE, WIDTH, LANG,
            )),
    # --- homework: answers checked, one gradient explained ---
    Command("check", "A student's answers checked against the worked solution. Each is marked right, wrong or "
            "follow-on (right from the student's own earlier numbers), every wrong one with the common mistakes "
            "that give it, the first wrong step, and the worked lines of each.  Several files, or a folder, grade "
            "a class.",
            "bpcalc check example:blog_2_2_2 example:answers/blog_2_2_2_student",
            "bpcalc.commands.check:run",
            (CHECK_FILE, Argument("answers", "ANSWERS", "the answers: YAML or JSON files, or folders of them "
                            "(`gradients: {w5: 0.0822}` or `∂E/∂w5: 0.0822`; see the README)", many=True)), (
                format_option(CHECK_FORMATS, f"{_DEFAULT_FORMATS}, markdown, latex, json, html, page, csv (a "
                              "gradebook row per file), or gradescope (one file's results.json for a Gradescope "
                              "autograder)"),
                Option(("--sig",), "sig", "the significant digits an answer must show (default 3; a value "
                       "with fewer digits, such as 0.5, needs no more than it has)", "N",
                       whole(1, 15, "the significant digits an answer must show")),
                Option(("--decimals",), "decimals", "instead: the decimal places an answer must show", "N",
                       whole(0, 15, "the decimal places an answer must show")),
                Option(("--tol",), "tol", "instead: an answer is right within this absolute difference", "X",
                       positive("the absolute tolerance", "1e-4")),
                Option(("--rel",), "rel", "instead: an answer is right within this share of the computed value", "X",
                       positive("the relative tolerance", "1e-3")),
                Option(("--imprecise-credit",), "imprecise", "the share of its points an answer with the right digits "
                       "but too few of them earns (default 0)", "X",
                       within(0.0, 1.0, "the share of the points imprecise work earns", "0.5")),
                Option(("--last-digit-slack",), "slack", "the last written digit may be off by one", default=False),
                Option(("--scheme",), "scheme", "a marking scheme file: sig, decimals, tol, rel, weights: "
                       "{gradients.w5: 2}, follow_on, imprecise (docs/checking.md)", "FILE"),
                Option(("--no-diagnosis",), "no_diagnosis", "marks alone: no mistake named (an exam)", default=False),
                Option(("--conventions",), "conventions", "ANSWERS is an answer key (a teacher's, or a published "
                       "one): say which conventions reproduce each of its numbers, and which none does",
                       default=False),
                DELTA_SIGN._replace(help="δ_j answers are ∂E/∂net_j (plus) or −∂E/∂net_j (minus)", default=None),
                ROUND, LR, MAX_PATHS,
                DIGITS,
                ASCII, STANDALONE, WIDTH, LANG,
            )),
    Command("explain", "Everything about one gradient. Every path from the output to NAME as a product of named "
            "factors with their numbers, and their sum; for a network's param also the δ form and the blog's "
            "factored derivation.  --split: the slides' proportional error split beside the true gradient.",
            "bpcalc explain example:blog_2_2_2 w1", "bpcalc.commands.explain:run",
            (FILE, Argument("name", "NAME", "the param, input or line whose gradient to explain", optional=True)), (
                FORMAT_NO_JSON,
                Option(("--split",), "split", "a network's hidden neurons: the error shared out in proportion to the "
                       "weights (the slides' picture) beside the true back-propagated gradient", default=False),
                ROUND, MAX_PATHS, DIGITS, DELTA_SIGN, ASCII, STANDALONE, WIDTH, LANG,
            )),
    # --- a start, the shipped examples, the file forms' schema, and a course's variants ---
    Command("init", "Write a starter problem file, every key explained. A network (--network 2-2-2: the "
            "sizes of its layers) or an expression file (--expression); it runs as written.",
            "bpcalc init net.yaml --network 2-3-1 --activation relu --loss mse --seed 7",
            "bpcalc.commands.init:run",
            (Argument("target", "FILE", "the file to write (default net.yaml, which bpcalc with no FILE uses); "
                      "'-' prints it", optional=True),), (
                Option(("--network",), "network", "the sizes of the layers, inputs first: 2-2-2 (default), "
                       "3-4-1, 2-3-3-2", "SIZES"),
                Option(("--expression",), "expression", "an expression file (named lines over inputs and "
                       "params) instead of a network", default=False),
                Option(("--activation",), "activation", "the hidden layers' activation (default sigmoid)",
                       "NAME"),
                Option(("--output-activation",), "output_activation", "the output layer's activation "
                       "(default: softmax for cross_entropy, sigmoid for bce, else as --activation)", "NAME"),
                Option(("--loss",), "loss", f"{', '.join(LOSS_NAMES)} (default half_sse)", "NAME"),
                Option(("--seed",), "seed", "draw the weights and the sample at random from this seed "
                       "(default: fixed numbers, the published blog's for 2-2-2)", "N",
                       whole(0, None, "the seed the numbers are drawn from")),
                Option(("--force",), "force", "write over FILE if it exists", default=False),
            )),
    Command("examples", "List the shipped examples, print one, or copy one. Each runs wherever a FILE goes as "
            "example:NAME; copy writes a runnable copy with the data files it reads.",
            "bpcalc examples show slides_1_1_1", "bpcalc.commands.examples:run",
            (Argument("show", "show|copy", "show prints the example NAME, copy writes it and its data files into "
                      "DIR (left out: the list of examples)", optional=True),
             Argument("name", "NAME", "an example's name, as the list shows it (show: a data file's too, "
                      "train/iris.csv)", optional=True),
             Argument("dir", "DIR", "copy: the folder to write into (default: this one; made if missing)",
                      optional=True)), (
                Option(("--force",), "force", "copy: write over files that exist", default=False),
            )),
    Command("schema", "Print the JSON Schema of both file forms. Point an editor's YAML support at it to "
            "complete keys and flag a misspelt one.", "bpcalc schema > bpcalc.schema.json",
            "bpcalc.commands.schema:run", (), (
                Option(("--variants",), "variants", "also allow a range {between: [low, high], decimals: N} "
                       "where a number goes, as bpcalc variants' templates do", default=False),
            )),
    Command("variants", "Per-student variants of a problem, with sheets and answer keys. The numbers are "
            "drawn from the ranges marked in FILE ({between: [low, high], decimals: N}); each variant gets its "
            "problem file, a student sheet, an answer key and an answers file, and all of them together a Moodle "
            "XML quiz; --prairielearn, --qti and --gradescope write them for PrairieLearn, Canvas and Gradescope, "
            "graded as bpcalc check grades.",
            "bpcalc variants example:templates/blog_homework --count 30 --seed 1 -o hw",
            "bpcalc.commands.variants:run",
            (FILE,), (
                Option(("--count", "-n"), "count", "how many variants", "N",
                       whole(1, 1000, "how many variants are made"), 30, "30"),
                Option(("--seed",), "seed", "the seed they are drawn from: the same seed, the same files", "S",
                       whole(0, None, "the seed the variants are drawn from"), 0, "0"),
                Option(("--output", "-o"), "output", "the folder to write them to (default: variants, or none "
                       "when only --prairielearn, --qti or --gradescope is given)", "DIR"),
                Option(("--prairielearn",), "prairielearn", "also write a PrairieLearn course folder: a question "
                       "whose server.py grades with bpcalc (follow-on credit, named mistakes), and a homework",
                       "DIR"),
                Option(("--qti",), "qti", "also write a QTI 1.2 package for Canvas: a quiz per variant, its "
                       "numerical questions with the tolerance", "FILE.zip"),
                Option(("--gradescope",), "gradescope", "also write a Gradescope autograder folder (setup.sh, "
                       "run_autograder, bpcalc and the variants) that grades with bpcalc check", "DIR"),
                Option(("--distinct",), "distinct", "draw numbers with which every catalogued mistake gives "
                       "answers of its own, so that check names the mistake a sheet made", default=False),
                Option(("--ask",), "ask", "the questions: loss, values, gradients, updated (each: every "
                       "param, or every node for values), or one, gradients:w5", "WHAT[,WHAT…]", names,
                       ["loss", "gradients", "updated"], "loss,gradients,updated"),
                Option(("--places",), "places", "answers are asked to N decimal places", "N",
                       whole(0, 12, "the decimal places answers are asked to"), 4, "4"),
                Option(("--tol",), "tol", "the Moodle and Canvas questions' tolerance (± this; default: the "
                       "marking scheme's, else one unit in the last asked place)", "X",
                       positive("the tolerance of an answer", "0.001")),
                Option(("--reject",), "reject", "redraw a variant that has any of these: dead_relu, saturated, "
                       "zero (an asked answer that rounds to 0), or none", "RULE[,RULE…]", names,
                       ["dead_relu", "saturated", "zero"], "dead_relu,saturated,zero"),
                Option(("--saturation",), "saturation", "a sigmoid output within this of 0 or 1 (tanh: of ±1, "
                       "halved) is saturated", "X", positive("how near 0 or 1 a saturated sigmoid is", "0.05"),
                       0.05, "0.05"),
                LANG,
                Option(("--force",), "force", "write into DIR even if it holds files (its variants are "
                       "replaced)", default=False),
            )),
)

# --- train ----------------------------------------------------------------------------------------------

TRAIN = Command(
    "train", "Many optimiser steps, with a progress bar. The loss every K steps, the loss curve, the final "
    "params.",
    "bpcalc train example:blog_2_2_2 --steps 10000 --every 1000", "bpcalc.commands.train:run", (FILE,),
    (Option(("--steps", "-n"), "steps", "how many steps", "N", whole(1, None, "how many steps to take"), 1000, "1000"),
     Option(("--every",), "every", "show the loss every K steps (default: a tenth of the steps)", "K",
            whole(1, None, "how often the loss is shown")),
     LR,
     OPTIMIZER,
     Option(("--batch-size", "-b"), "batch_size", "samples per step (network files; default: all of them, "
            "1 for per-sample SGD)", "B", whole(1, None, "the samples in each mini-batch")),
     Option(("--seed",), "seed", "the seed of the mini-batches' shuffled order", "S",
            whole(0, None, "the seed of the shuffled order"), 0, "0"),
     Option(("--no-shuffle",), "no_shuffle", "mini-batches in the file's order, not shuffled", default=False),
     Option(("--plot",), "plot", "draw the loss curve to an image (.png, .svg or .pdf; needs matplotlib)", "FILE"),
     Option(("--data",), "data", "read the samples of the problem's `data:` from this CSV file (the problem's own "
            "`csv:` is read only from its folder or below)", "CSV"),
     Option(("--output", "-o"), "output", "write the problem with the trained params to this file "
            "(comments and key order kept)", "FILE"),
     FORMAT, DIGITS, ASCII, STANDALONE, WIDTH))

# --- export ---------------------------------------------------------------------------------------------

EXPORT = Command(
    "export", "The problem as a PyTorch script, to take it further. The same graph or network with the same "
    "numbers in float64; run with only torch installed, it prints the loss, every gradient by autograd, one "
    "step of the file's optimiser and the loss after it, to compare with bpcalc step --format json.",
    "bpcalc export example:blog_2_2_2 --to torch -o blog_2_2_2.py", "bpcalc.commands.export:run", (FILE,),
    (Option(("--to",), "to", "the framework: torch (PyTorch)", "FRAMEWORK", choice(("torch",), {"pytorch": "torch"}),
            "torch", "torch"),
     Option(("--output", "-o"), "output", "write the script to this file (default: print it)", "FILE"),
     Option(("--force",), "force", "write over the -o file if it exists", default=False),
     LR,
     OPTIMIZER._replace(help="the step's update rule, as torch.optim's class (default: the file's `optimizer:`, "
                        "else sgd)"),
     Option(("--round",), "round", "refused: autograd differentiates the exact function, not one rounded as it is "
            "computed", "N", whole(0, 15, "the decimal places activation outputs are rounded to"))))

COMMANDS = (*COMMANDS, TRAIN, EXPORT)
BY_NAME = {c.name: c for c in COMMANDS}
#: `bpcalc --round 2` is `bpcalc step --round 2` on the folder's problem file (firstrun.py)
_STEP_FLAGS = frozenset(flag for o in BY_NAME["step"].options for flag in o.flags) - {"-h", "--help"}
#: the order `bpcalc --help` lists the commands in: the order a student meets them
HELP_ORDER = ("init", "examples", "forward", "grad", "step", "check", "explain", "graph", "gradcheck", "train",
              "export", "variants", "schema")


def leavable(command: Command, argument: Argument) -> bool:
    """Whether an argument may be left out: an optional one, with only optional ones after it
    (`check FILE ANSWERS…` needs its FILE; `step` takes the folder's own)."""
    after = command.arguments[command.arguments.index(argument):]
    return all(a.optional for a in after)


def fill_file(command: Command, values: dict[str, Any]) -> None:
    """FILE as both command lines read it (docs/commands.md, "The problem file, when FILE is left
    out"): left out, the folder's one problem file; and where FILE is followed by other
    arguments (`explain FILE NAME`), a lone word that names no file (`bpcalc explain w1` beside
    net.yaml) is the next argument, FILE being the folder's one problem file (or, with none or
    several, the message that says so)."""
    if FILE not in command.arguments:
        return
    after = [a for a in command.arguments[command.arguments.index(FILE) + 1:] if not a.many]
    given = values.get(FILE.key)
    if given is not None and after and all(values.get(a.key) is None for a in after) \
            and not _names_a_file(str(given)):
        values[after[0].key], values[FILE.key] = given, None
    if values.get(FILE.key) is None:
        from .firstrun import problem_here

        then = tuple(str(values[a.key]) for a in after if values.get(a.key) is not None)
        values[FILE.key] = problem_here(command.name, then=then)


def _names_a_file(text: str) -> bool:
    """Whether an argument where FILE stands is meant as a file: '-', example:NAME, a path that
    exists, or one that looks like a path (a folder in it, a YAML or JSON extension)."""
    import os

    return (text == "-" or text.startswith("example:") or os.path.lexists(text) or "/" in text
            or os.sep in text or text.lower().endswith((".yaml", ".yml", ".json")))


# --- the fast start's parser ------------------------------------------------------------------------------


class Invocation(NamedTuple):
    """A parsed command line: the command, the value of every argument and option, and the
    environment it runs in (read once, in cli/)."""

    command: Command
    values: dict[str, Any]
    debug: bool = False
    env: Environment = Environment()

    def output(self, digits: int | None = None, only_chooses_lines: bool = True,
               fmt: str | None = None) -> tuple[str, Options]:
        """The format asked for (or the environment's default; `fmt` when the command chose it) and
        how to write it, after refusing options that mean nothing in that format.  `digits`: the
        default when --digits is not an option of the command; `only_chooses_lines`: --only chooses
        a worked solution's lines (not, as in gradcheck, what is computed)."""
        v, env = self.values, self.env
        fmt = fmt or env.format(v.get("format"))
        refuse_meaningless(fmt, v if only_chooses_lines else {**v, "only": None})
        return fmt, Options(digits=v.get("digits") or digits or defaults.DIGITS, ascii=bool(v.get("ascii")),
                            standalone=bool(v.get("standalone")), width=env.width(v.get("width")),
                            lang=env.language(v.get("lang")), colour=env.colour)


def refuse_meaningless(fmt: str, values: dict[str, object]) -> None:
    """--ascii, --standalone and --only where the format has nothing for them to do: said, not
    silently ignored."""
    if values.get("ascii") and fmt not in ("text", "rich"):
        raise UsageError(f"--ascii applies to --format text and rich, not {fmt}", None,
                         f"{fmt} output writes its symbols in its own notation; leave out --ascii")
    if values.get("standalone") and fmt not in ("latex", "html"):
        raise UsageError(f"--standalone applies to --format latex and html, not {fmt}", None,
                         "it makes a whole document of the LaTeX rows (an HTML page always is one)")
    if values.get("only") and fmt == "json":
        raise UsageError("--only chooses the lines of a worked solution; --format json always has every "
                         "value and gradient", None, "leave out --only, or choose another --format")


def parse(args: list[str]) -> Invocation | None:
    """The invocation, or None when it is not a plain one (help, a misspelt option, a missing
    argument…): the typer app then parses it and says what is wrong.  A value that the option's
    `convert` refuses raises UsageError here, exactly as the typer app would."""
    i = 0
    debug = False
    while i < len(args) and args[i] == "--debug":
        debug, i = True, i + 1
    # `bpcalc` alone, or `bpcalc --round 2`: `step` on the folder's one problem file, or how to start
    if i == len(args) or args[i] in _STEP_FLAGS:
        from .firstrun import bare

        named = bare()
        if named is None:  # the shell asks for completions: the typer app answers
            return None
        args = [*args[:i], *named, *args[i:]]
    command = BY_NAME.get(args[i])
    if command is None:
        return None
    values: dict[str, object] = {o.key: o.default for o in command.options}
    by_flag = {flag: o for o in command.options for flag in o.flags}
    seen: set[str] = set()
    positional: list[str] = []
    rest = iter(args[i + 1:])
    only_positional = False
    for arg in rest:
        if only_positional or not arg.startswith("-") or arg == "-":
            positional.append(arg)
            continue
        if arg == "--":
            only_positional = True
            continue
        flag, eq, value = arg.partition("=")
        option = by_flag.get(flag)
        if option is None or option.key in seen:
            return None
        seen.add(option.key)
        if option.metavar is None:
            if eq:
                return None
            values[option.key] = True
            continue
        if not eq:
            following = next(rest, None)
            if following is None:
                return None
            value = following
        values[option.key] = option.convert(flag, value)
    wanted = command.arguments
    many = bool(wanted) and wanted[-1].many
    if not positional and wanted and wanted[0].key == "file" and not leavable(command, wanted[0]):  # `check` alone
        raise UsageError(f"bpcalc {command.name} needs " + " and ".join(a.metavar for a in wanted), None,
                         f"for example: {command.example}")
    if len(positional) < sum(not leavable(command, a) for a in wanted) or (len(positional) > len(wanted) and not many):
        return None
    for k, argument in enumerate(wanted):
        if argument.many:
            values[argument.key] = positional[k:]
        else:
            values[argument.key] = positional[k] if k < len(positional) else None
    fill_file(command, values)
    from .environment import current

    return Invocation(command, values, debug, current())
