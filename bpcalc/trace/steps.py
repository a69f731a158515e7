"""The steps of a worked solution (docs/output-formats.md), each a typed record:

    Given → Forward → Loss → Backward (the grad_table algorithm) → ChainRule → UpdateStep → LossAfter

Every renderer formats a Trace and computes nothing; `builder.py` makes it from an engine Solution.
The solution as data (Result, and the Local derivatives both use) is in `data.py`.
"""

from __future__ import annotations

from typing import NamedTuple, get_args

from ..engine.gradcheck import GradCheck as GradCheck  # a step: the engine's checks, as gradcheck shows them
from ..expr.tree import Expr
from .data import Case, Jacobian, Local, Result, Trace


class Leaf(NamedTuple):
    name: str
    value: float
    role: str  # "input", "param" or "frozen"


class Given(NamedTuple):
    leaves: tuple[Leaf, ...]
    lr: float | None  # only where an update is made
    round: int | None
    loss: tuple[str, str | None, int] | None = None  # network: (loss kind, reduction, samples)
    delta_sign: int | None = None  # the δ form's convention, when it is used


class Computed(NamedTuple):
    """One forward line: name = formula = numbers = value (unrounded: before --round)."""

    name: str
    formula: Expr
    numbers: Expr
    value: float
    unrounded: float | None
    places: int | None = None  # --round's decimal places, when `unrounded` is set


class Forward(NamedTuple):
    lines: tuple[Computed, ...]


class Loss(NamedTuple):
    """The output's line: a loss when there is something to learn (params, a network), else the
    computation's output (the apples graph's pay)."""

    line: Computed
    is_loss: bool = True


class Term(NamedTuple):
    """One consumer's share of a gradient: ∂L/∂consumer · ∂consumer/∂name."""

    consumer: str
    upstream: float  # ∂L/∂consumer
    local: Local


class Seed(NamedTuple):
    """grad_table[output] = 1."""

    name: str


class Shortcut(NamedTuple):
    """The textbook identity the sum collapses to: ∂L/∂net = scale·(out − t) (out − t)."""

    out: str
    target: str
    scale: float  # 1/N for the mean over N samples
    what: str  # "softmax with cross-entropy", "sigmoid with binary cross-entropy"
    formula: Expr
    numbers: Expr
    value: float


class NodeGradient(NamedTuple):
    """∂L/∂name = Σ over its consumers of ∂L/∂consumer · ∂consumer/∂name = value."""

    name: str
    value: float
    terms: tuple[Term, ...]
    shortcut: Shortcut | None = None


class Backward(NamedTuple):
    """Each node once, output first; ties in the file's order.  `given`: the gradients of the
    inputs, targets and frozen params, which nothing updates, in a block of their own."""

    output: str
    entries: tuple[Seed | NodeGradient, ...]
    given: tuple[NodeGradient, ...] = ()
    zeroed_by_rounding: int | None = None  # --round N left every param's gradient exactly 0
    left_out: int = 0  # the gradients of inputs, targets and frozen params not written (--all writes them)


class Path(NamedTuple):
    """One path from the output down to a name: its nodes (output first) and edge factors."""

    nodes: tuple[str, ...]
    factors: tuple[float, ...]
    value: float  # the product of the factors


class PathSum(NamedTuple):
    """∂L/∂target as each path's product, and (with several paths) their sum.  Paths with a
    factor that is exactly 0 are left out: `left_out` of them, through the edges `zeros`."""

    target: str
    paths: tuple[Path, ...]
    value: float  # the engine's gradient
    left_out: int = 0
    zeros: tuple[tuple[str, str], ...] = ()  # (line, name it uses) whose local derivative is 0


class DeltaForm(NamedTuple):
    """Too many paths to write out: the per-node (δ) form, ∂L/∂target = Σ δ_consumer · local."""

    target: str
    paths: int
    factors: int
    max_paths: int
    gradient: NodeGradient


class ChainRule(NamedTuple):
    output: str
    entries: tuple[PathSum | DeltaForm, ...]
    per: str = "parameter"  # or "leaf" (a graph without params), "name" (--only)


class Update(NamedTuple):
    """One param's update: the rules of its optimiser (ops/optimizers.py) worked out in order."""

    name: str
    old: float
    gradient: float
    new: float
    values: tuple[tuple[str, float], ...] = ()  # each rule's result but θ's: v, m, m̂ …, by target
    before: tuple[tuple[str, float], ...] = ()  # each kept state before the step (0 at the first)


class UpdateStep(NamedTuple):
    """The update of every trainable param by one optimiser: SGD, momentum, Adam, RMSProp, AdaGrad."""

    output: str
    lr: float
    optimizer: str  # a record of ops/optimizers.py
    settings: tuple[tuple[str, float], ...]  # its hyper-parameters
    t: int  # the step number (1: the first, the kept states start at 0)
    updates: tuple[Update, ...]
    nothing: str | None = None  # why nothing is updated: "no params", "all frozen"


class LossAfter(NamedTuple):
    """The loss again, with every update: `updated` names them all; `shown` the updates the
    steps above show (--only), when that is fewer."""

    output: str
    value: float
    updated: tuple[str, ...] = ()
    shown: tuple[str, ...] | None = None


# --- the δ form (neuron notation; --notation delta) ---------------------------------------------------------


class WeightedDelta(NamedTuple):
    """One term w_jl·δ_l of a hidden neuron's δ: the next layer's net_l, through weight w_jl."""

    net: str
    neuron: str
    weight: str  # the weight's param name
    w: float  # ∂net_l/∂out_j: the weight's value
    delta: float  # δ_l


class Delta(NamedTuple):
    """δ_j for one neuron: an output neuron's from ∂E/∂out_j and φ′(net_j), a hidden one's from
    φ′(net_j) and the next layer's δs.  A softmax layer's δ is the sum over its outputs."""

    neuron: str  # h1, o1, o1[2]
    net: str
    out: str
    value: float  # δ_j, with the sign convention applied
    derivative: Local | None  # ∂out_j/∂net_j (None for softmax, where every out depends on net_j)
    loss_grad: Local | None  # output neuron: ∂E/∂out_j (the output line's own derivative)
    loss_grad_value: float
    upstream: tuple[WeightedDelta, ...]  # hidden neuron: w_jl·δ_l over the neurons l it feeds
    node: NodeGradient | None = None  # softmax: ∂E/∂net_j as the sum over the layer's outputs


class WeightUse(NamedTuple):
    """One use of a param in a net: ∂E/∂w gets δ_j times the input it multiplies (1 for a bias)."""

    neuron: str
    input: str | None  # the input's name; None for a bias
    input_value: float
    delta: float


class WeightGradient(NamedTuple):
    param: str
    uses: tuple[WeightUse, ...]
    value: float  # the engine's ∂E/∂w


class DeltaBackward(NamedTuple):
    """The backward pass in δ form: each layer's δs, output layer first, then ∂E/∂w = δ_j·input."""

    output: str
    sign: int  # +1: δ_j = ∂E/∂net_j;  −1: δ_j = −∂E/∂net_j
    layers: tuple[tuple[str, tuple[Delta, ...]], ...]  # (layer name, its neurons' δs)
    weights: tuple[WeightGradient, ...]


class FactoredUse(NamedTuple):
    """∂E/∂out_j · ∂out_j/∂net_j · ∂net_j/∂w for one neuron j the param feeds; for a hidden j,
    ∂E/∂out_j itself as the sum over the neurons l it feeds of ∂E/∂net_l · ∂net_l/∂out_j."""

    net: str
    out: str
    out_grad: float
    derivative: float  # ∂out_j/∂net_j
    local: float  # ∂net_j/∂w
    product: float
    spread: tuple[WeightedDelta, ...]  # hidden j: (net_l, ∂E/∂net_l, ∂net_l/∂out_j); empty at the output


class Factored(NamedTuple):
    """The blog's derivation, per param: a product of three factors, the first one a sum for a
    hidden neuron."""

    output: str
    per_param: tuple[tuple[str, tuple[FactoredUse, ...], float], ...]  # (param, uses, ∂E/∂w)


# --- several worked steps (step --steps N) ---------------------------------------------------------


class Brief(NamedTuple):
    """--brief: the worked solution's numbers as tables, without their working."""

    output: str
    values: tuple[tuple[str, float], ...]  # each line's value, in the file's order (the output last)
    gradients: tuple[tuple[str, float], ...]  # ∂output/∂param for each trainable param
    updates: tuple[tuple[str, float, float], ...] = ()  # (param, before, after) of a step
    loss_after: float | None = None


class Iteration(NamedTuple):
    """The start of iteration `number` of `of`: the steps after it are that iteration's, from the
    params as the one before left them (`changed`: those it changed)."""

    number: int
    of: int
    changed: tuple[str, ...] = ()


class Summary(NamedTuple):
    """The params and the loss before each iteration, and after the last."""

    output: str
    params: tuple[str, ...]
    rows: tuple[tuple[int, tuple[float, ...], float], ...]  # (iteration, params before it, loss before it)


# --- several outputs, and a gradient check (reports made of a table) ----------------------------------


class JacobianMatrix(NamedTuple):
    """Several outputs: the matrix ∂(output i)/∂(input or param k), each entry the last line of
    output i's backward pass for that name (the chain rule's Jacobian)."""

    jacobian: Jacobian
    values: tuple[float, ...]  # each output's value


# --- the matrix form (--notation matrix: Nielsen's BP1–BP4) ---------------------------------------------


class MatrixLayer(NamedTuple):
    """One layer of one sample as vectors and matrices: z = W a_in + b, a = φ(z), and its backward
    pass: ∇_a C, δ = ∂C/∂z, ∂C/∂W = δ a_inᵀ, ∂C/∂b = δ.  W[j][k]: from input k to neuron j."""

    name: str  # the file's layer name: h, o
    activation: str
    nets: tuple[str, ...]  # the scalar graph's names of z's entries (net_h1, …)
    outs: tuple[str, ...]  # … and of a's (out_h1, …)
    weights: tuple[tuple[str, ...], ...]  # W's param names
    w: tuple[tuple[float, ...], ...]
    biases: tuple[str, ...] | None
    b: tuple[float, ...] | None
    inputs: tuple[str, ...]  # a_in's names: the inputs, or the layer before's outs
    a_in: tuple[float, ...]
    z: tuple[float, ...]
    a: tuple[float, ...]
    slope: tuple[float, ...] | None  # φ′(z), element-wise activations
    jacobian: tuple[tuple[float, ...], ...] | None  # softmax: J[k][j] = ∂a_k/∂z_j
    grad_a: tuple[float, ...]  # ∇_a C = ∂C/∂a
    delta: tuple[float, ...]  # δ = ∂C/∂z
    grad_w: tuple[tuple[float, ...], ...]  # δ a_inᵀ
    grad_b: tuple[float, ...] | None

    def as_data(self) -> dict[str, object]:
        return {"layer": self.name, "activation": self.activation, "W": [list(r) for r in self.w],
                "b": list(self.b) if self.b is not None else None, "a_in": list(self.a_in), "z": list(self.z),
                "a": list(self.a), "slope": list(self.slope) if self.slope is not None else None,
                "jacobian": [list(r) for r in self.jacobian] if self.jacobian is not None else None,
                "grad_a": list(self.grad_a), "delta": list(self.delta), "grad_W": [list(r) for r in self.grad_w],
                "grad_b": list(self.grad_b) if self.grad_b is not None else None}


class SharedParam(NamedTuple):
    """A param named in several entries of the matrices: its gradient is the sum of theirs."""

    name: str
    places: int
    gradient: float


class MatrixForward(NamedTuple):
    """The forward pass layer by layer: z^l = W^l a^(l−1) + b^l, a^l = φ(z^l)."""

    layers: tuple[MatrixLayer, ...]


class MatrixBackward(NamedTuple):
    """BP1–BP4, output layer first, with the numbers as matrices."""

    output: str
    layers: tuple[MatrixLayer, ...]
    shared: tuple[SharedParam, ...] = ()

    def as_data(self) -> dict[str, object]:
        """`--format json --notation matrix` adds each layer's matrices as nested lists."""
        return {"matrices": [layer.as_data() for layer in self.layers]}


# --- the matrix form of a batch (several samples: a row per sample) --------------------------------------

Matrix = tuple[tuple[float, ...], ...]


def _rows(m: Matrix) -> list[list[float]]:
    return [list(r) for r in m]


class BatchLayer(NamedTuple):
    """One layer over n samples, a row per sample: Z = A_in Wᵀ + 1 bᵀ, A = φ(Z); Δ = the samples'
    δ's as rows (row s: ∂E_s/∂z of sample s's own loss E_s); ∂E/∂W = scale·Δᵀ A_in, ∂E/∂b =
    scale·Δᵀ 1, with scale 1/n when the loss is the mean over the samples, else 1."""

    name: str
    activation: str
    nets: tuple[tuple[str, ...], ...]  # row s: the scalar graph's names of Z's row (net_h1[s], …)
    outs: tuple[tuple[str, ...], ...]  # … and of A's (out_h1[s], …)
    weights: tuple[tuple[str, ...], ...]  # W's param names, W[j][k] from input k to neuron j
    w: Matrix
    biases: tuple[str, ...] | None
    b: tuple[float, ...] | None
    inputs: tuple[tuple[str, ...], ...]  # row s: A_in's names (the inputs i1[s], …, or the layer before's outs)
    a_in: Matrix  # n × inputs
    z: Matrix  # n × neurons
    a: Matrix
    slope: Matrix | None  # φ′(Z) entry by entry, element-wise activations
    jacobians: tuple[Matrix, ...] | None  # softmax: per sample J[k][j] = ∂a_k/∂z_j
    grad_a: Matrix  # row s: ∂E_s/∂a of sample s
    delta: Matrix  # Δ: row s = ∂E_s/∂z of sample s
    grad_w: Matrix  # scale·Δᵀ A_in: ∂E/∂W
    grad_b: tuple[float, ...] | None  # scale·Δᵀ 1: ∂E/∂b

    def as_data(self) -> dict[str, object]:
        return {"layer": self.name, "activation": self.activation, "W": _rows(self.w),
                "b": list(self.b) if self.b is not None else None, "a_in": _rows(self.a_in), "z": _rows(self.z),
                "a": _rows(self.a), "slope": _rows(self.slope) if self.slope is not None else None,
                "jacobian": [_rows(j) for j in self.jacobians] if self.jacobians is not None else None,
                "grad_a": _rows(self.grad_a), "delta": _rows(self.delta), "grad_W": _rows(self.grad_w),
                "grad_b": list(self.grad_b) if self.grad_b is not None else None}


class BatchForward(NamedTuple):
    """The forward pass of n samples at once, X a row per sample, then each sample's loss (its
    row of the output layer's A against its row of T)."""

    layers: tuple[BatchLayer, ...]
    targets: tuple[tuple[str, ...], ...]  # row s: t_o1[s], …
    t: Matrix
    losses: tuple[Computed, ...]  # E[s] for each sample s, its line of the scalar graph


class BatchBackward(NamedTuple):
    """BP1–BP4 with a row per sample: Δ^L, Δ^l = (Δ^(l+1) W^(l+1)) ⊙ φ′(Z^l), and the gradients
    of the loss over the samples, scale·Δᵀ A_in and scale·Δᵀ 1."""

    output: str  # the loss over the samples (E_total)
    losses: tuple[str, ...]  # each sample's loss (E_total[1], …)
    reduction: str  # "mean" (scale 1/n) or "sum" (scale 1)
    layers: tuple[BatchLayer, ...]
    shared: tuple[SharedParam, ...] = ()

    @property
    def scale(self) -> float:
        return 1.0 / len(self.losses) if self.reduction == "mean" else 1.0

    def as_data(self) -> dict[str, object]:
        """`--format json --notation matrix` of several samples: each layer's matrices, a row per
        sample, and how the gradients are taken over the samples."""
        return {"matrices": [layer.as_data() for layer in self.layers],
                "batch": {"samples": len(self.losses), "reduction": self.reduction, "scale": self.scale}}


# --- the proportional error split (the slides'; explain --split) ---------------------------------------


class Share(NamedTuple):
    """One neuron l after a hidden neuron j: the weight w_jl between them, the weights into l
    from every neuron of j's layer (their sum Σ_k w_kl), and l's error in the picture."""

    neuron: str  # l
    net: str  # net_l
    weight: str  # w_jl's name
    w: float
    weights: tuple[tuple[str, float], ...]  # every w_kl into net_l: name and value
    total: float  # Σ_k w_kl
    error: float  # Loss_l: δ_l for an output neuron, l's own share for a hidden one
    delta: float  # the true δ_l


class SplitNeuron(NamedTuple):
    neuron: str  # j
    out: str
    net: str
    shares: tuple[Share, ...]
    picture: float  # Loss_j = Σ_l w_jl / Σ_k w_kl · Loss_l
    out_grad: float  # the true ∂E/∂out_j = Σ_l w_jl · δ_l
    derivative: float  # φ′(net_j) = ∂out_j/∂net_j
    delta: float  # the true δ_j = ∂E/∂net_j


class ErrorSplit(NamedTuple):
    """The slides: the output error shared out in proportion to the weights, layer by layer
    back, beside the back-propagated gradient."""

    output: str
    outputs: tuple[tuple[str, str, float], ...]  # (neuron, net, δ): the errors shared out
    hidden: tuple[tuple[str, tuple[SplitNeuron, ...]], ...]  # (layer, neurons), output side first


# --- grading answers (check) ----------------------------------------------------------------------------


class Mistake(NamedTuple):
    """A common mistake that reproduces a student's number: the problem solved again with it made
    (check/mistakes.py), in a scope — everywhere, one output, one sample, one line."""

    code: str  # docs/checking.md: sign, factor_2, missing_path, …
    words: str  # what the student did: a message of the catalogue (render/words.py) …
    value: float  # the number the mistake gives
    params: tuple[tuple[str, str], ...] = ()  # … and its placeholders
    scope: tuple[str, str] = ("everywhere", "")  # (everywhere | output | sample | line, where)
    explains: int = 1  # how many of the sheet's wrong answers it gives
    also: tuple[str, ...] = ()  # a pair: the other mistake's code, made with it


class Graded(NamedTuple):
    """One answer: the number as written, the computed one, and the verdict."""

    kind: str  # values, loss, gradients, local, delta, updated, loss_after
    name: str  # the node ("of|wrt" for a local derivative)
    written: str  # the answer as the student wrote it
    answer: float
    computed: float
    status: str  # right, wrong, follow_on, imprecise, or unreadable (an entry that could not be read)
    mistakes: tuple[Mistake, ...] = ()  # wrong: the mistakes that give the answer, best first
    follows_from: tuple[tuple[str, str], ...] = ()  # follow_on: the earlier (kind, name) whose value changes it
    follow_on_value: float | None = None  # follow_on: what the student's own earlier numbers give
    credit: float = 0.0  # the share of its points the answer earns
    weight: float = 1.0  # its points (a marking scheme's weight)
    note: str | None = None  # how the entry was read (a decimal comma), or why it could not be

    @property
    def key(self) -> str:
        """The answer's name in a gradebook: gradients.w5, values.out_h1, local.out_o1/net_o1, loss."""
        if self.kind in ("loss", "loss_after"):
            return self.kind
        return f"{self.kind}.{self.name.replace('|', '/')}"

    def as_data(self) -> dict[str, object]:
        data: dict[str, object] = {
            "kind": self.kind, "name": self.name.replace("|", "/"), "answer": self.answer, "written": self.written,
            "computed": self.computed, "ok": self.status == "right", "status": self.status,
            "diagnosis": list(dict.fromkeys(m.code for m in self.mistakes)),
            "mistakes": [{"code": m.code, "words": m.words.format(**dict(m.params)), "value": m.value,
                          "scope": m.scope[0], "where": m.scope[1], "explains": m.explains,
                          **({"with": list(m.also)} if m.also else {})} for m in self.mistakes],
            "credit": self.credit, "points": self.credit * self.weight, "max_points": self.weight}
        if self.status == "follow_on":
            data["follows_from"] = [{"kind": k, "name": n.replace("|", "/")} for k, n in self.follows_from]
            data["follow_on_value"] = self.follow_on_value
        if self.note:
            data["note"] = self.note
        return data


class Grading(NamedTuple):
    """`check`: one answers file graded, in the order of the computation."""

    output: str
    answers: str  # the answers file, as named on the command line
    results: tuple[Graded, ...]
    rule: tuple[str, tuple[tuple[str, object], ...]]  # the precision policy in force: a message and its values
    error: str | None = None  # in a class: why this file could not be graded
    variant: str | None = None  # graded against this variant of a folder `bpcalc variants` made
    unreadable: tuple[tuple[str, str], ...] = ()  # each entry that could not be read: (its key, the message)
    procedure: Mistake | None = None  # one procedure (a mistake, or a pair) that gives every wrong number
    example: tuple[str, str, str] | None = None  # the rule on the student's first answer: (key, written, verdict)

    @property
    def right(self) -> int:
        return sum(r.status == "right" for r in self.results)

    @property
    def wrong(self) -> int:
        return sum(r.status == "wrong" for r in self.results)

    @property
    def follow_on(self) -> int:
        return sum(r.status == "follow_on" for r in self.results)

    @property
    def imprecise(self) -> int:
        return sum(r.status == "imprecise" for r in self.results)

    @property
    def answered(self) -> int:
        """The entries graded: every answer, and each entry that could not be read (it earns nothing)."""
        return len(self.results) + len(self.unreadable)

    @property
    def score(self) -> float:
        """The share of the answers' credit earned, every answer counted once (no weights)."""
        return sum(r.credit for r in self.results) / self.answered if self.answered else 0.0

    @property
    def points(self) -> float:
        return sum(r.credit * r.weight for r in self.results)

    @property
    def max_points(self) -> float:
        return sum(r.weight for r in self.results) + len(self.unreadable)

    @property
    def first_wrong(self) -> Graded | None:
        """The earliest wrong answer in the order of the computation (an imprecise one has the right
        digits, and a follow-on one is right from the sheet's own numbers: neither is where it went wrong)."""
        return next((r for r in self.results if r.status == "wrong"), None)

    def as_data(self) -> dict[str, object]:
        first = self.first_wrong
        if self.error is not None:
            return {"answers": self.answers, "error": self.error}
        return {"answers": self.answers, **({"variant": self.variant} if self.variant else {}),
                "right": self.right, "wrong": self.wrong, "follow_on": self.follow_on,
                "imprecise": self.imprecise, "unreadable": len(self.unreadable),
                "score": self.score, "points": self.points, "max_points": self.max_points,
                "first_wrong": {"kind": first.kind, "name": first.name.replace("|", "/")} if first else None,
                **({"procedure": {"code": self.procedure.code, "with": list(self.procedure.also),
                                  "words": self.procedure.words.format(**dict(self.procedure.params))}}
                   if self.procedure else {}),
                "results": [r.as_data() for r in self.results]}


class Question(NamedTuple):
    """One question over a class: how many answered it, how many earned its credit, and the
    mistake most of the others made."""

    kind: str
    name: str
    key: str
    answered: int
    credited: int  # right or follow-on
    commonest: tuple[str, str, int] | None  # (code, words, how many made it)


class ClassGrading(NamedTuple):
    """`check` on several answers files: a row per student, then per question."""

    output: str
    students: tuple[Grading, ...]
    questions: tuple[Question, ...]

    def as_data(self) -> dict[str, object]:
        return {"students": [s.as_data() for s in self.students],
                "questions": [{"kind": q.kind, "name": q.name.replace("|", "/"), "answered": q.answered,
                               "right": q.credited,
                               "commonest_mistake": q.commonest[0] if q.commonest else None,
                               "commonest_count": q.commonest[2] if q.commonest else 0} for q in self.questions]}

    def gradebook(self) -> list[list[str]]:
        """The CSV: a header, then a row per student: file, score, points, counts, first wrong step,
        the mistakes found, and each question's status."""
        keys = [q.key for q in self.questions]
        variants = any(s.variant for s in self.students)  # graded against a folder of variants
        rows = [["file", *(["variant"] if variants else []), "score", "points", "max_points", "right", "follow_on",
                 "wrong", "imprecise", "unreadable", "first_wrong", "mistakes", *keys]]
        for s in self.students:
            row = self._row(s, keys)
            rows.append([row[0], *([s.variant or ""] if variants else []), *row[1:]])
        return rows

    @staticmethod
    def _row(s: Grading, keys: list[str]) -> list[str]:
        if s.error is not None:
            return [s.answers, "", "", "", "", "", "", "", "", "", "unusable: " + s.error, *[""] * len(keys)]
        first = s.first_wrong
        status = {r.key: r.status for r in s.results}
        codes = dict.fromkeys(m.code for r in s.results for m in r.mistakes[:1])
        return [s.answers, f"{s.score:.4f}", f"{s.points:g}", f"{s.max_points:g}", str(s.right), str(s.follow_on),
                str(s.wrong), str(s.imprecise), str(len(s.unreadable)), first.key if first else "",
                " ".join(codes), *[status.get(k, "") for k in keys]]


class Convention(NamedTuple):
    """A convention a key may follow (check/forensics.py): a label, and its words with their values."""

    label: str
    words: str
    params: tuple[tuple[str, str], ...] = ()


class KeyLine(NamedTuple):
    """One number of an answer key and the conventions that reproduce it (none: no convention does)."""

    kind: str
    name: str
    written: str
    answer: float
    computed: float
    conventions: tuple[str, ...]


class Conventions(NamedTuple):
    """`check --conventions`: an answer key's numbers, each with the conventions that give it."""

    output: str
    key: str  # the key file, as named
    lines: tuple[KeyLine, ...]
    legend: tuple[Convention, ...]

    def as_data(self) -> dict[str, object]:
        return {"key": self.key,
                "lines": [{"kind": k.kind, "name": k.name.replace("|", "/"), "written": k.written, "answer": k.answer,
                           "computed": k.computed, "conventions": list(k.conventions)} for k in self.lines],
                "conventions": {c.label: c.words.format(**dict(c.params)) for c in self.legend},
                "unexplained": [k.name.replace("|", "/") for k in self.lines if not k.conventions]}


class Part(NamedTuple):
    """An unnumbered heading: the steps after it are numbered from 1 (a check's worked lines)."""

    title: str
    names: tuple[str, ...] = ()  # the names the part is about, shown after the title


# --- the report of `bpcalc train` ------------------------------------------------------------------


class Training(NamedTuple):
    """What was trained and how: engine, optimiser with its settings, η, steps, batches."""

    engine: str  # "dense" or "scalar"
    optimizer: str
    settings: tuple[tuple[str, float], ...]
    lr: float
    steps: int  # asked for
    done: int  # taken
    samples: int
    batch_size: int
    shuffle: bool
    seed: int
    epochs: float
    interrupted: bool


class History(NamedTuple):
    """The loss over all samples every `every` steps: (step, epochs done, loss)."""

    output: str
    every: int
    rows: tuple[tuple[int, float, float], ...]
    batched: bool  # mini-batches: the epoch column means something


class Curve(NamedTuple):
    """The loss curve: (step, loss) at evenly spaced steps, drawn on a log scale."""

    output: str
    points: tuple[tuple[int, float], ...]


class Trained(NamedTuple):
    """The params reached and the loss before and after."""

    output: str
    params: tuple[tuple[str, float, float], ...]  # (name, before, after)
    loss: float
    loss_after: float
    written: str | None  # the file `-o` wrote
    accuracy: tuple[int, int, int] | None = None  # a classifier's (right before, right after, samples)


# --- a problem sheet and its answer key (bpcalc variants) ------------------------------------------------


class Statement(NamedTuple):
    """The computation a sheet sets: each line as name = formula, without its numbers."""

    lines: tuple[tuple[str, Expr], ...]


class Asked(NamedTuple):
    """One question of a sheet: a quantity by the answers file's kind (docs/checking.md) and name."""

    kind: str  # "loss", "values", "gradients" or "updated"
    name: str
    answer: float | None = None  # None on a student's sheet


class Questions(NamedTuple):
    """What a sheet asks, answered in its key; answers to `places` decimal places."""

    output: str
    items: tuple[Asked, ...]
    places: int
    variant: str | None = None  # the variant's name, which an answers file starts with


Step = (Given | Forward | Loss | Backward | ChainRule | UpdateStep | LossAfter | Brief | DeltaBackward | Factored
        | Iteration | Summary | JacobianMatrix | GradCheck | Grading | ClassGrading | Part | ErrorSplit | MatrixForward
        | MatrixBackward | BatchForward | BatchBackward | Training | History | Curve | Trained | Statement | Questions
        | Conventions)
#: every kind of step: the members of `Step`, which is where a new kind is added
STEP_KINDS: tuple[type, ...] = get_args(Step)
ENTRY_KINDS: tuple[type, ...] = (Seed, NodeGradient, PathSum, DeltaForm)


__all__ = ["ENTRY_KINDS", "STEP_KINDS", "Case", "Local", "Result", "Step", "Trace"]
