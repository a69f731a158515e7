"""`bpcalc export FILE --to torch`: the problem as a PyTorch script (float64) that needs only torch.

An expression file becomes a function that computes its `define` lines in order, each a line of
torch code over tensors (params with requires_grad, inputs without).  A network file becomes its
layers: each weight matrix and bias built from the named params as torch.nn.Linear holds them (a
row per neuron, a column per input), so that a param named in several places is one tensor whose
gradient autograd sums; then each sample's loss as bpcalc defines it (docs/file-formats.md) and
the reduction over the samples.  The script prints `what: name = value` lines, each value in full
(repr): the output, every param's gradient (an expression file without params: every input's),
the params after one step of the file's optimiser (torch.optim's; frozen params left out) and the
output after it — the numbers of `bpcalc step FILE --format json`.

bpcalc's conventions at kinks (docs/file-formats.md) are torch's for relu, leaky_relu, abs and
elu.  Where torch's differ, the script is written to match bpcalc and says so: max and min pass
the gradient to the first argument attaining the extreme (torch.maximum splits it between tied
arguments), and softplus is ln(1 + e^x) in full (torch's F.softplus returns x itself above 20).
What cannot be matched is said in the script's first lines: `round:` (autograd differentiates the
exact function) and bpcalc's rule that a sum cancelling to round-off is 0 (docs/design.md).

Files are untrusted, so nothing from one becomes code: a name becomes an identifier made of its
own letters, digits and '_' (renamed when it is a keyword, a builtin or a name of the script's
own) and appears otherwise only in a string literal written by repr(); a number is written by
repr(float); comments show a name only when it is an identifier, else its repr().
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import shlex
import textwrap
from collections.abc import Iterable
from typing import NamedTuple

from ..errors import InputError
from ..expr.tree import Bin, Call, Expr, Name, Neg, Num, fold
from ..problem import Layer, Network, Optimizer, Problem

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

#: the names every script defines or uses at its top level
_SCRIPT = frozenset({"torch", "F", "PARAMS", "FROZEN", "output_value", "report", "optimizer", "output", "name",
                     "leaf", "softplus", "first_max", "first_min"})
#: … and an expression file's (its inputs by name, when it has no params)
_EXPRESSION = _SCRIPT | {"INPUTS"}
#: … and a network file's, with the locals of `layers`, which reads the params as globals
_NETWORK = _SCRIPT | {"SAMPLE_INPUTS", "SAMPLE_TARGETS", "layers", "sample_losses", "act", "weight", "bias"}
#: what a name of the file may never be in the script
_PYTHON = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))

#: a subexpression nested deeper than this is computed on a line of its own: Python's parser and
#: compiler have depth limits that a long chain written on one line of the file would pass
HOIST = 40
#: names listed in a comment, at most
LISTED = 8

#: a call of the op table's one-argument functions, as torch writes it
_UNARY = {"sigmoid": "torch.sigmoid", "tanh": "torch.tanh", "relu": "torch.relu", "exp": "torch.exp",
          "log": "torch.log", "sqrt": "torch.sqrt", "abs": "torch.abs", "sin": "torch.sin", "cos": "torch.cos",
          "gelu": "F.gelu", "silu": "F.silu", "softplus": "softplus"}

#: the script's helpers, written only when it calls them
_HELPERS = {
    "softplus": '''
def softplus(x):
    """ln(1 + e^x) in full, as bpcalc computes it (torch.nn.functional.softplus returns x itself
    above its threshold, 20, where the two differ by e^−20 ≈ 2e-9); the gradient is sigmoid(x)."""
    return torch.logaddexp(x, torch.zeros_like(x))
''',
    "max": '''
def first_max(*xs):
    """The largest argument, its gradient passed to the first argument attaining it, as bpcalc's
    max (docs/file-formats.md): torch.maximum would split it between tied arguments."""
    best = torch.as_tensor(xs[0])
    for x in xs[1:]:
        best = torch.where(x > best, x, best)  # a tie keeps the earlier argument
    return best
''',
    "min": '''
def first_min(*xs):
    """The smallest argument, its gradient passed to the first argument attaining it, as bpcalc's
    min (docs/file-formats.md): torch.minimum would split it between tied arguments."""
    best = torch.as_tensor(xs[0])
    for x in xs[1:]:
        best = torch.where(x < best, x, best)  # a tie keeps the earlier argument
    return best
''',
}

#: what the script says about a function it uses, at the kinks and elsewhere
_NOTES = {
    "relu": "relu′(0) = 0 in torch, as in bpcalc.",
    "abs": "abs′(0) = sign(0) = 0 in torch, as in bpcalc.",
    "leaky_relu": "leaky_relu′(0) is the slope in torch, as in bpcalc.",
    "elu": "elu′(0) = α in torch, as in bpcalc.",
    "max": "max and min: bpcalc passes the gradient to the first argument attaining the extreme, torch.maximum "
           "and torch.minimum split it between tied arguments; first_max and first_min below keep bpcalc's rule.",
    "softplus": "softplus is torch.logaddexp(x, 0), ln(1 + e^x) in full as in bpcalc: torch.nn.functional.softplus "
                "returns x itself above its threshold (20).",
    "gelu": "gelu is the exact x·Φ(x) in both (F.gelu's approximate='none'); far left of 0 torch computes Φ "
            "from 1 + erf, bpcalc from erfc, so there torch's value keeps fewer digits (at x = −8, 2% of -5e-15).",
}
_NOTES["min"] = _NOTES["max"]
#: functions with a kink, where bpcalc's cancellation rule can decide the side
_KINKED = frozenset({"relu", "leaky_relu", "abs", "elu", "max", "min"})
_CANCELLING = ("bpcalc takes a sum that cancels down to round-off as exactly 0 (docs/design.md), so at a kink "
               "reached through such a sum, relu(0.5 - 0.6 + 0.1) for one, it takes the kink's own side where "
               "torch sees 2.8e-17; the script cannot copy that rule.")

#: what torch's own function of a loss computes, beside the vectorised code written from bpcalc's record
_TORCH_SAYS = {
    "bce": "torch.nn.functional.binary_cross_entropy(out, target, reduction='sum') is the same sum of one "
           "sample, with ln clamped at −100",
    "cross_entropy": "torch.nn.functional.cross_entropy on the last layer's net (before its softmax) is the "
                     "same number, through log_softmax",
}


#: the optimisers of ops/optimizers.py as torch.optim writes them: the class, and each keyword
#: argument with the hyper-parameters it is made of
_OPTIMIZERS: dict[str, tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]] = {
    "sgd": ("torch.optim.SGD", ()),
    "momentum": ("torch.optim.SGD", (("momentum", ("momentum",)),)),
    "adam": ("torch.optim.Adam", (("betas", ("beta1", "beta2")), ("eps", ("eps",)))),
    "rmsprop": ("torch.optim.RMSprop", (("alpha", ("alpha",)), ("eps", ("eps",)))),
    "adagrad": ("torch.optim.Adagrad", (("eps", ("eps",)),)),
}


# --- safe text --------------------------------------------------------------------------------------


def number(x: float) -> str:
    """A float as Python reads it back to the same bits: repr(), or float('inf') for what has none."""
    x = float(x)
    return repr(x) if math.isfinite(x) else f"float({str(x)!r})"


def literal(s: str) -> str:
    """A string literal of `s`, whatever it holds (repr escapes quotes, newlines and controls)."""
    return repr(str(s))


def shown(name: str) -> str:
    """A name as a comment may show it: itself when it is an identifier, else its repr (one line)."""
    return name if _IDENTIFIER.match(name) else literal(name)


def shown_path(path: str) -> str:
    """A path as the comment's command line shows it: shell-quoted when that is one printable
    line, else its repr."""
    quoted = shlex.quote(path)
    return quoted if quoted.isprintable() else literal(path)


def listed(names: Iterable[str]) -> str:
    """Names for a comment, the first few of a long list."""
    every = list(names)
    head = ", ".join(shown(n) for n in every[:LISTED])
    return head + (f", … ({len(every)} in all)" if len(every) > LISTED else "")


class Identifiers:
    """A Python identifier for each name of the file: the name itself when the script may use it,
    else its letters, digits and '_' with '_' added until it is free."""

    def __init__(self, names: Iterable[str], reserved: frozenset[str]):
        self.taken = set(reserved) | _PYTHON
        self.of: dict[str, str] = {}
        every = list(dict.fromkeys(names))
        for name in every:  # the names that can stay as they are keep them
            if _IDENTIFIER.match(name) and not name.startswith("__") and name not in self.taken:
                self.of[name] = name
                self.taken.add(name)
        for name in every:
            if name not in self.of:
                self.of[name] = self.fresh(_sanitized(name))

    def __getitem__(self, name: str) -> str:
        return self.of[name]

    def fresh(self, base: str) -> str:
        candidate = base
        while candidate in self.taken:
            candidate += "_"
        self.taken.add(candidate)
        return candidate

    def renamed(self, name: str) -> str:
        """A comment for a name written under another identifier, else nothing."""
        return "" if self.of[name] == name else f"  # {shown(name)} in the file"


def _sanitized(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return s if s and s[0].isalpha() and s.isascii() else "v_" + s


# --- expressions as torch code ------------------------------------------------------------------------

ADD, MUL, NEG, POW, ATOM = 1, 2, 3, 4, 5
_PREC = {"+": ADD, "-": ADD, "*": MUL, "/": MUL, "**": POW}


class Code(NamedTuple):
    text: str
    prec: int
    tensor: bool  # a torch tensor (else a Python float)
    depth: int


def _constant(e: Expr) -> float | None:
    """The value of a number written as one (-0.1 too), else None."""
    if isinstance(e, Num):
        return float(e.value)
    if isinstance(e, Neg) and isinstance(e.x, Num):
        return -float(e.x.value)
    return None


class Writer:
    """Expressions as torch code over the script's identifiers; which of the op table's functions
    they call; and the lines a subexpression needs first (one too deep, or used twice)."""

    def __init__(self, ids: Identifiers):
        self.ids = ids
        self.used: set[str] = set()
        self.before: list[str] = []
        self.parts = 0

    def code(self, e: Expr) -> Code:
        return fold(e, self._leaf, self._node)

    def _leaf(self, e: Expr) -> Code | None:
        if isinstance(e, Num):
            text = number(e.value)
            return Code(text, NEG if text.startswith("-") else ATOM, False, 1)
        if isinstance(e, Name):
            return Code(self.ids[e.id], ATOM, True, 1)
        return None

    def _node(self, e: Expr, kids: list[Code]) -> Code:
        if isinstance(e, Neg):
            x = kids[0]
            made = Code("-" + _wrapped(x, x.prec < ATOM), NEG, x.tensor, x.depth + 1)
        elif isinstance(e, Bin):
            made = self._binary(e.op, kids[0], kids[1])
        elif isinstance(e, Call):
            made = self._call(e, kids)
        else:  # pragma: no cover - fold gives leaves to _leaf
            raise TypeError(e)
        return self.part(made) if made.depth >= HOIST else made

    def part(self, c: Code) -> Code:
        """`c` computed on a line of its own before the line that uses it."""
        self.parts += 1
        name = self.ids.fresh(f"part{self.parts}")
        self.before.append(f"{name} = {c.text}")
        return Code(name, ATOM, c.tensor, 1)

    def _binary(self, op: str, a: Code, b: Code) -> Code:
        if op not in _PREC:
            raise _unwritable(f"the operator {op!r}")
        if not (a.tensor or b.tensor):  # numbers alone: computed by torch too, as every other value
            a = self.tensor(a)
        p = _PREC[op]
        if op == "**":
            left, right = a.prec <= POW, b.prec < POW
        else:  # the right operand at the same precedence keeps its parentheses: a - (b - c), a*(b*c)
            left, right = a.prec < p, b.prec <= p
        return Code(f"{_wrapped(a, left)} {op} {_wrapped(b, right)}", p, True, max(a.depth, b.depth) + 1)

    def tensor(self, c: Code) -> Code:
        return c if c.tensor else Code(f"torch.tensor({c.text})", ATOM, True, c.depth)

    def named(self, c: Code) -> str:
        """`c` as an atom that may be written twice: itself, or a part computed first."""
        return c.text if c.prec == ATOM and re.fullmatch(r"[\w\[\]:, ]+", c.text) else self.part(c).text

    def _call(self, e: Call, kids: list[Code]) -> Code:
        fn = e.fn
        self.used.add(fn)
        args = [self.tensor(k) for k in kids]
        depth = max(k.depth for k in kids) + 1
        if fn in _UNARY and len(args) == 1:
            text = f"{_UNARY[fn]}({args[0].text})"
        elif fn == "stop":
            text = f"{_wrapped(args[0], args[0].prec < ATOM)}.detach()"
        elif fn in ("leaky_relu", "elu"):
            text = self._parametric(fn, e, args)
        elif fn in ("max", "min"):
            text = f"first_{fn}({', '.join(a.text for a in args)})"
        elif fn == "softmax":
            text = f"torch.softmax(torch.stack([{', '.join(a.text for a in args)}]), dim=0)[{int(e.pick)}]"
        else:
            raise _unwritable(f"the function {fn!r}")
        return Code(text, ATOM, True, depth)

    def _parametric(self, fn: str, e: Call, args: list[Code]) -> str:
        """leaky_relu(x, slope) and elu(x, α): torch's functions take the parameter as a number; one
        that is computed (a param, say) is written out with torch.where, differentiable in it too."""
        from ..ops import lookup

        given = _constant(e.args[1]) if len(e.args) > 1 else lookup(fn).defaults[-1]
        x = args[0]
        if given is not None:
            if fn == "leaky_relu":
                return f"F.leaky_relu({x.text}, {number(given)})"
            return f"F.elu({x.text}, alpha={number(given)})"
        name = self.named(x)
        p = _wrapped(args[1], args[1].prec < MUL)
        if fn == "leaky_relu":
            return f"torch.where({name} > 0, {name}, {p} * {name})"
        return f"torch.where({name} > 0, {name}, {p} * torch.expm1({name}))"


def _wrapped(c: Code, wrap: bool) -> str:
    return f"({c.text})" if wrap else c.text


def _unwritable(what: str) -> InputError:
    return InputError(f"bpcalc export cannot write {what} in torch", None,
                      "the functions a file may call are in docs/file-formats.md")


# --- the script -------------------------------------------------------------------------------------


def torch_script(problem: Problem, *, lr: float | None = None, optimizer: Optimizer | None = None,
                 source: str | None = None, as_graph: bool = False) -> str:
    """The PyTorch script of `problem` (see the module's docstring)."""
    from ..engine.optim import learning_rate

    problem.require_one_output("export")
    opt = optimizer or problem.optimizer or Optimizer("sgd")
    rate = learning_rate(lr, problem.lr, opt)
    layered = problem.network is not None and not as_graph
    names = problem.params if layered else [*problem.leaves, *(line.name for line in problem.lines)]
    ids = Identifiers(names, _NETWORK if layered else _EXPRESSION)
    body, used = (_network(problem, ids) if layered else _graph(problem, ids))
    notes = [_NOTES[fn] for fn in dict.fromkeys(sorted(used)) if fn in _NOTES]
    if used & _KINKED:
        notes.append(_CANCELLING)
    where = source if source is not None else problem.file
    header = _header(problem, where, layered, rate, lr, optimizer, opt, notes)
    helpers = [_HELPERS[fn].strip("\n") for fn in ("softplus", "max", "min") if fn in used]
    functional = any("F." in line for line in body if not line.lstrip().startswith("#"))
    parts = [*header, "try:", "    import torch",
             "except ModuleNotFoundError:  # one line to say what to do, not a traceback",
             '    raise SystemExit("this script needs PyTorch: pip install torch") from None',
             *(["import torch.nn.functional as F"] if functional else []), "",
             "torch.set_default_dtype(torch.float64)  # bpcalc's numbers are IEEE doubles", ""]
    for helper in helpers:
        parts.extend(["", helper, "", ""])
    parts.extend([*body, "", *_report_and_step(problem, ids, opt, rate)])
    return "\n".join(_tidy(parts)) + "\n"


def _tidy(lines: list[str]) -> list[str]:
    """At most two blank lines in a row, none at the end."""
    out: list[str] = []
    for line in "\n".join(lines).split("\n"):
        if not line.strip() and len(out) >= 2 and not out[-1].strip() and not out[-2].strip():
            continue
        out.append(line.rstrip())
    while out and not out[-1].strip():
        out.pop()
    return out


def _comment(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, 96, initial_indent=indent + "# ", subsequent_indent=indent + "# ",
                         break_on_hyphens=False, break_long_words=False)


def _header(problem: Problem, source: str, layered: bool, rate: float, lr: float | None,
            optimizer: Optimizer | None, opt: Optimizer, notes: list[str]) -> list[str]:
    form = "network" if layered else "graph"
    what = "every param's gradient" if problem.params else "every input's gradient (it has no params)"
    step_of = _OPTIMIZERS[opt.kind][0] if opt.kind in _OPTIMIZERS else opt.kind
    given = "--lr" if lr is not None else "the file's `lr`" if problem.lr is not None else "bpcalc's default"
    command = f"bpcalc step {shown_path(source)} --format json"
    if lr is not None:
        command += f" --lr {number(lr)}"
    if optimizer is not None and optimizer != problem.optimizer:
        command += f" --optimizer {optimizer.kind}"
    text = (f"The {form} of {shown_path(source)} in PyTorch (float64), written by bpcalc export --to torch. "
            "Run it with only torch installed (pip install torch): it prints, a `what: name = value` line each "
            f"and every value in full, the loss (the output, {shown(problem.output)}), {what} by autograd, "
            f"each param after one step of {step_of} with lr {number(rate)} ({given}), and the loss after that "
            "step: the numbers of")
    lines = [*_comment(text), f"#     {command}"]
    if problem.round is not None:
        lines.append("#")
        lines.extend(_comment(f"The file asks for `round: {int(problem.round)}` (activations rounded as they are "
                              "computed), which autograd cannot reproduce: it differentiates the exact function, "
                              "so these are the numbers of the file without its `round:`."))
    if notes:
        lines.extend(["#", "# Where torch's conventions meet bpcalc's (docs/file-formats.md):"])
        for note in notes:
            lines.extend(_bullet(note))
    return [*lines, ""]


def _bullet(text: str) -> list[str]:
    return textwrap.wrap(text, 96, initial_indent="# * ", subsequent_indent="#   ", break_on_hyphens=False,
                         break_long_words=False)


def _leaf_lines(names: dict[str, float], ids: Identifiers, grad: bool) -> list[str]:
    flag = ", requires_grad=True" if grad else ""
    return [f"{ids[n]} = torch.tensor({number(v)}{flag}){ids.renamed(n)}" for n, v in names.items()]


def _by_name(title: str, names: Iterable[str], ids: Identifiers) -> list[str]:
    every = list(names)
    if not every:
        return [f"{title} = {{}}"]
    return [f"{title} = {{", *(f"    {literal(shown(n))}: {ids[n]}," for n in every), "}"]


def _frozen(problem: Problem) -> list[str]:
    frozen = [p for p in problem.params if p in problem.frozen]
    text = "{" + ", ".join(literal(shown(p)) for p in frozen) + "}" if frozen else "set()"
    return [f"FROZEN = {text}  # the params the step leaves alone (their gradients are shown)"]


def _graph(problem: Problem, ids: Identifiers) -> tuple[list[str], set[str]]:
    """An expression file (or a network as its scalar graph): the leaves, then the lines in order."""
    out: list[str] = []
    if problem.inputs:
        if problem.params:
            out.append("# inputs: given values, not differentiated")
        else:
            out.append("# inputs: given values; with no params, their gradients are the ones shown")
        out.extend(_leaf_lines(problem.inputs, ids, not problem.params))
    if problem.params:
        out.append("# params: the leaves that the step updates")
        out.extend(_leaf_lines(problem.params, ids, True))
    out.append("")
    if problem.params:
        out.extend(["# each param by its name in the file", *_by_name("PARAMS", problem.params, ids),
                    *_frozen(problem)])
    else:
        out.extend(["# each input by its name in the file", *_by_name("INPUTS", problem.inputs, ids),
                    "PARAMS = {}", "FROZEN = set()"])
    writer = Writer(ids)
    body: list[str] = []
    for line in problem.lines:
        code = writer.code(line.expr)
        body.extend(writer.before)
        writer.before = []
        text = code.text if code.tensor else f"torch.tensor({code.text})"
        body.append(f"{ids[line.name]} = {text}{ids.renamed(line.name)}")
    out.extend(["", "", "def output_value():",
                '    """The forward pass: the lines of `define` in order; the output."""',
                *(f"    {b}" for b in body), f"    return {ids[problem.output]}"])
    return out, writer.used


def _network(problem: Problem, ids: Identifiers) -> tuple[list[str], set[str]]:
    """A network file by its layers: net = act·Wᵀ + b, then the activation, layer after layer."""
    net = problem.network
    assert net is not None
    used: set[str] = set()
    places: dict[str, int] = {}
    for layer in net.layers:
        for name in [*(w for row in layer.weights for w in row), *(layer.biases or ())]:
            places[name] = places.get(name, 0) + 1
    out = ["# params: one leaf tensor each (a param the file names in several places is one tensor)"]
    for name, value in problem.params.items():
        shared = f"  # in {places[name]} places" if places.get(name, 0) > 1 else ""
        out.append(f"{ids[name]} = torch.tensor({number(value)}, requires_grad=True){ids.renamed(name) or shared}")
    out.extend(["", "# each param by its name in the file", *_by_name("PARAMS", problem.params, ids),
                *_frozen(problem), ""])
    count = len(net.samples)
    out.extend(_comment(f"the {'sample' if count == 1 else f'{count} samples'}, a row each: the inputs "
                        f"{listed(net.inputs)}, and the targets {listed(net.targets)}"))
    out.extend(_matrix("SAMPLE_INPUTS", net.samples))
    out.extend(_matrix("SAMPLE_TARGETS", net.sample_targets))
    out.extend(["", "", "def layers(act):",
                '    """The layers in order, a sample per row of `act`: each computes net = act·Wᵀ + b with',
                "    torch.nn.functional.linear, as torch.nn.Linear does (W a row per neuron, a column per",
                "    input), from a W and a b built of the named params, so that autograd sums a shared",
                '    param\'s gradient over its places; then the layer\'s activation."""'])
    previous = net.inputs
    for layer in net.layers:
        out.extend(_comment(f"layer {shown(layer.name)} ({listed(layer.neurons)}) from {listed(previous)}: "
                            f"{_described(layer)}", "    "))
        out.extend(_layer(layer, ids, used))
        previous = layer.neurons
    out.append("    return act")
    loss_body, loss_used = _sample_loss(problem, net)
    used |= loss_used
    reduce, how = _reduction(net, count)
    out.extend(["", "", "def sample_losses(out, target):",
                '    """Each sample\'s loss (a row of `out`, the last layer\'s outputs, and of `target`)."""',
                *loss_body,
                "", "", "def output_value():",
                '    """The forward pass: the layers, the samples\' losses and their reduction; the output."""',
                *_comment(f"{shown(problem.output)}: {how}", "    "),
                f"    return sample_losses(layers(SAMPLE_INPUTS), SAMPLE_TARGETS){reduce}"])
    return out, used


def _sample_loss(problem: Problem, net: Network) -> tuple[list[str], set[str]]:
    """The body of `sample_losses(out, target)`: a loss of ops/losses.py vectorised over the
    outputs from its record (its term on whole rows, summed over dim 1, negated or divided by the
    number of outputs as the record says); another kind term by term from the network's own loss
    expression (Network.loss)."""
    from ..ops.formulas import user_formula
    from ..ops.losses import BY_NAME

    kind = problem.loss_kind or "half_sse"
    n = len(net.outputs)
    record = BY_NAME.get(kind)
    if record is not None:
        ids = Identifiers([], _NETWORK | {"out", "target"})
        ids.of = {"out": "out", "t": "target"}
        writer = Writer(ids)
        code = f"({writer.code(user_formula(record.term)).text}).sum(dim=1)"
        if record.mean and n > 1:  # bpcalc divides by the number of outputs only when there are several
            code += f" / {number(float(n))}"
        if record.negated:
            code = "-" + code
        words = f"{kind}: {record.convention}" + (f"; {_TORCH_SAYS[kind]}" if kind in _TORCH_SAYS else "")
        return [*_comment(words, "    "), *(f"    {line}" for line in writer.before), f"    return {code}"], \
            writer.used
    ids = Identifiers([], _NETWORK | {"out", "target"})
    ids.of = {**{o: f"out[:, {j}]" for j, o in enumerate(net.outputs)},
              **{t: f"target[:, {j}]" for j, t in enumerate(net.targets)}}
    writer = Writer(ids)
    loss = writer.code(net.loss)
    return [*_comment(f"{kind}: bpcalc's loss of one sample, term by term over the outputs", "    "),
            *(f"    {line}" for line in writer.before), f"    return {loss.text}"], writer.used


def _reduction(net: Network, count: int) -> tuple[str, str]:
    if count == 1:
        return ".sum()", "the one sample's loss"
    if net.reduction == "sum":
        return ".sum()", f"the sum of the {count} samples' losses (reduction: sum)"
    if net.reduction != "mean":
        raise _unwritable(f"the reduction {net.reduction!r}")
    return ".mean()", f"the mean of the {count} samples' losses (reduction: mean)"


def _matrix(title: str, rows: tuple[tuple[float, ...], ...]) -> list[str]:
    return [f"{title} = torch.tensor([", *(f"    [{', '.join(number(x) for x in row)}]," for row in rows), "])"]


def _layer(layer: Layer, ids: Identifiers, used: set[str]) -> list[str]:
    rows = [f"        torch.stack([{', '.join(ids[w] for w in row)}])," for row in layer.weights]
    out = ["    weight = torch.stack([", *rows, "    ])"]
    arguments = "act, weight"
    if layer.biases is not None:
        out.append(f"    bias = torch.stack([{', '.join(ids[b] for b in layer.biases)}])")
        arguments += ", bias"
    net = f"F.linear({arguments})"
    out.append(f"    act = {_activation(layer, net, used)}")
    return out


def _described(layer: Layer) -> str:
    if layer.activation not in ("leaky_relu", "elu"):
        return layer.activation
    from ..ops import lookup

    given = layer.parameter if layer.parameter is not None else lookup(layer.activation).defaults[-1]
    return f"{layer.activation}, {'slope' if layer.activation == 'leaky_relu' else 'α'} {number(given)}"


def _activation(layer: Layer, net: str, used: set[str]) -> str:
    from ..ops import lookup

    kind = layer.activation
    if kind == "linear":
        return net
    used.add(kind)
    if kind == "softmax":
        return f"torch.softmax({net}, dim=1)"
    if kind in ("leaky_relu", "elu"):
        given = layer.parameter if layer.parameter is not None else lookup(kind).defaults[-1]
        if kind == "leaky_relu":
            return f"F.leaky_relu({net}, {number(given)})"
        return f"F.elu({net}, alpha={number(given)})"
    if kind not in _UNARY:
        raise _unwritable(f"the activation {kind!r}")
    return f"{_UNARY[kind]}({net})"


def _report_and_step(problem: Problem, ids: Identifiers, opt: Optimizer, rate: float) -> list[str]:
    output = literal(shown(problem.output))
    shown_leaves = "PARAMS" if problem.params else "INPUTS"
    out = [
        "",
        "def report(what, name, value):",
        '    """One line, `what: name = value`, the value in full (a gradient autograd never reached is 0)."""',
        '    print(f"{what}: {name} = {0.0 if value is None else value.detach().item()!r}")',
        "",
        "",
        "output = output_value()",
        "output.backward()",
        f'report("loss", {output}, output)',
        f"for name, leaf in {shown_leaves}.items():",
        '    report("gradients", name, leaf.grad)',
        "",
    ]
    trainable = problem.trainable
    if trainable:
        kind = opt.kind
        if kind not in _OPTIMIZERS:
            raise _unwritable(f"the optimizer {kind!r}")
        cls, keywords = _OPTIMIZERS[kind]
        settings = opt.settings
        arguments = [f"lr={number(rate)}"]
        for keyword_name, names in keywords:
            values = [number(settings[n]) for n in names]
            arguments.append(f"{keyword_name}={values[0] if len(values) == 1 else '(' + ', '.join(values) + ')'}")
        out.extend([
            f"# one step of {cls}, the params that are not frozen",
            f"optimizer = {cls}([leaf for name, leaf in PARAMS.items() if name not in FROZEN], "
            f"{', '.join(arguments)})",
            "optimizer.step()",
            "for name, leaf in PARAMS.items():",
            "    if name not in FROZEN:",
            '        report("updated", name, leaf)',
        ])
    else:
        out.append("# no param to update: the step changes nothing")
    out.extend(["with torch.no_grad():", f'    report("loss_after", {output}, output_value())'])
    return out


__all__ = ["Identifiers", "Writer", "literal", "number", "shown", "torch_script"]
