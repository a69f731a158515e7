"""A problem: named leaves and ordered named lines — what both file forms become."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import InputError, Span
from .expr.tree import Expr
from .ops.optimizers import Optimiser, optimiser


@dataclass(slots=True)
class Line:
    """One named node: `name: expression`."""

    name: str
    expr: Expr
    source: str  # the expression as written (or generated, for a network)
    span: Span | None = None  # where `source` starts in the file


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer of a network file, as matrices of param names (what the dense engine reads).

    `weights[j][k]` names the param from input k to neuron j; `biases[j]` neuron j's bias param
    (None: no bias).  `activation` is an op-table primitive or "linear"; `parameter` its optional
    argument as written (leaky_relu's slope, elu's α), None for the table's default."""

    name: str
    neurons: tuple[str, ...]
    activation: str
    parameter: float | None
    weights: tuple[tuple[str, ...], ...]
    biases: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Network:
    """A network file's layered structure beside its scalar graph: the layers, the samples as
    rows, and the loss of one sample as an expression over `outputs` and `targets` (the very
    expression each sample's loss line is made from, with the sample's names)."""

    inputs: tuple[str, ...]
    layers: tuple[Layer, ...]
    loss: Expr
    outputs: tuple[str, ...]  # the names `loss` uses for the output layer's values
    targets: tuple[str, ...]  # … and for the targets
    reduction: str  # "mean" or "sum" over the samples
    samples: tuple[tuple[float, ...], ...]  # a row of input values per sample
    sample_targets: tuple[tuple[float, ...], ...]  # a row of target values per sample


class Optimizer:
    """The update rule a file asks for: a record of ops/optimizers.py (`sgd`, `momentum`, `adam`,
    `rmsprop`, `adagrad`) and the hyper-parameters the file sets; the record's defaults (torch.optim's)
    stand for the others.

        Optimizer("adam", beta1=0.8)
    """

    __slots__ = ("kind", "given")

    def __init__(self, kind: str = "sgd", **given: float):
        self.kind = kind
        self.given: tuple[tuple[str, float], ...] = tuple(sorted(given.items()))

    @property
    def record(self) -> Optimiser:
        return optimiser(self.kind)

    @property
    def settings(self) -> dict[str, float]:
        """Every hyper-parameter of the kind, by name: the file's value, else the default."""
        given = dict(self.given)
        return {h.name: given.get(h.name, h.default) for h in self.record.hyper}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Optimizer) and (self.kind, self.given) == (other.kind, other.given)

    def __hash__(self) -> int:
        return hash((self.kind, self.given))

    def __repr__(self) -> str:
        return f"Optimizer({', '.join([repr(self.kind), *(f'{k}={v!r}' for k, v in self.given)])})"


@dataclass(slots=True)
class Problem:
    """Everything needed to solve: leaves with values, lines in order, what to differentiate.

    `inputs` are given leaves (data, targets, constants); `params` are the leaves that a step
    updates, less `frozen`.  `locations` maps a param to where its value sits in the YAML
    document (a path of keys and indexes), so `step -o` can write the new value in its place.
    """

    file: str
    inputs: dict[str, float]
    params: dict[str, float]
    lines: list[Line]
    output: str
    frozen: set[str] = field(default_factory=set)
    lr: float | None = None
    round: int | None = None
    kind: str = "expression"  # or "network"
    spans: Mapping[str, Span] = field(default_factory=dict)  # where each name is declared
    locations: dict[str, tuple[str | int, ...]] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # network: name -> net/out/target/loss/input/weight/bias
    text: str = ""  # the source text, for `step -o`
    # network: net -> (out, target, scale, what) where the textbook identity ∂loss/∂net =
    # scale·(out − t) holds (softmax with cross-entropy, sigmoid with binary cross-entropy)
    identities: dict[str, tuple[str, str, float, str]] = field(default_factory=dict)
    # network: each net_/out_ line's layer (0 = the first hidden layer), and how the loss is made
    layer_of: dict[str, int] = field(default_factory=dict)
    loss_kind: str | None = None  # half_sse, sse, mse, bce, cross_entropy
    reduction: str | None = None  # over several samples: mean or sum
    samples: int = 1
    # `output: [o1, o2]`: every output, in the order written (`output` is the first); `grad`
    # then gives the Jacobian.  Filled with (output,) when there is one.
    outputs: tuple[str, ...] = ()
    outputs_span: Span | None = None  # where `output:` is written, for a refusal to point at

    def __post_init__(self) -> None:
        if not self.outputs:
            self.outputs = (self.output,)

    def require_one_output(self, command: str) -> None:
        """Refuse several outputs where one scalar is needed: an update follows one loss."""
        if len(self.outputs) > 1:
            shown = ", ".join(self.outputs)
            raise InputError(
                f"`{command}` needs one output, and this file has {len(self.outputs)}: {shown}",
                self.outputs_span or Span(self.file),
                "an SGD step follows the gradient of one scalar loss: write `output: NAME`, or "
                f"define one loss from them (for example `total: {' + '.join(self.outputs)}`) and "
                "make it the output; `grad` shows the Jacobian of several outputs")
    network: Network | None = None  # a network file's layers, for the dense engine
    optimizer: Optimizer | None = None  # the file's `optimizer:` (None: plain SGD)
    check: Mapping[str, object] = field(default_factory=dict)  # the file's `check:` (reading/scheme.py)

    @property
    def leaves(self) -> dict[str, float]:
        return {**self.inputs, **self.params}

    @property
    def trainable(self) -> list[str]:
        return [p for p in self.params if p not in self.frozen]
