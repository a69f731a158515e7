"""Network files: every activation and loss against central differences, the textbook identities
for softmax + cross-entropy and sigmoid + bce, several samples, and the lowering's names."""

from __future__ import annotations

import json
import math

import pytest

import bpcalc

from helpers import assert_gradients_match_fd

ACTIVATIONS = ["sigmoid", "logistic", "tanh", "relu", "leaky_relu", {"leaky_relu": 0.2}, "linear",
               "identity", "softplus"]
LOSSES = ["half_sse", "sse", "mse"]


def network(layers, samples, loss="half_sse", params=None, **extra) -> str:
    """A network file as text (JSON is YAML), so the test controls every number."""
    doc = {"network": {"inputs": [f"i{k + 1}" for k in range(len(samples[0][0]))], "layers": layers},
           "params": params or {}, "loss": loss}
    if len(samples) == 1:
        doc["sample"] = {"inputs": samples[0][0], "targets": samples[0][1]}
    else:
        doc["samples"] = [{"inputs": x, "targets": t} for x, t in samples]
    doc.update(extra)
    return json.dumps(doc)


def two_layers(act_hidden, act_out, n_out=2, scale=1.0):
    # weights of mixed signs and sizes, so relu-like units see both sides of the kink
    hidden = {"name": "h", "activation": act_hidden,
              "weights": [[0.3 * scale, -0.8 * scale], [-1.2 * scale, 0.5 * scale], [0.7, 0.9]],
              "bias": [0.1, -0.2, 0.05]}
    out = {"name": "o", "activation": act_out,
           "weights": [[0.4, -0.6, 0.25], [-0.35, 0.8, 0.45], [0.6, 0.2, -0.9]][:n_out],
           "bias": [0.2, -0.1, 0.3][:n_out]}
    return [hidden, out]


SAMPLE_POINTS = [[0.5, -1.5], [-0.05, 0.02], [4.0, 6.0]]  # ordinary, near zero, large


@pytest.mark.parametrize("act", ACTIVATIONS, ids=str)
@pytest.mark.parametrize("loss", LOSSES)
def test_activation_and_squared_losses_vs_finite_differences(act, loss):
    for x in SAMPLE_POINTS:
        p = bpcalc.loads(network(two_layers(act, act), [(x, [0.3, -0.7])], loss))
        grads = assert_gradients_match_fd(p)
        assert set(p.params) <= set(grads)


def test_losses_have_their_textbook_values():
    outs, ts = [0.3, 0.8], [0.1, 0.5]
    layers = [{"name": "o", "activation": "linear", "weights": [[1.0], [1.0]], "bias": [0.0, 0.0]}]

    def loss_of(kind, o=outs):
        # input 1 with weight 1 and no bias: out_j = the weight's row sum = o_j set through the bias
        ls = [{**layers[0], "bias": [o[0] - 1.0, o[1] - 1.0]}]
        return bpcalc.solve(bpcalc.loads(network(ls, [([1.0], ts)], kind))).loss

    d = [t - o for o, t in zip(outs, ts)]
    assert loss_of("half_sse") == pytest.approx(sum(0.5 * x * x for x in d), rel=1e-12)
    assert loss_of("sse") == pytest.approx(sum(x * x for x in d), rel=1e-12)
    assert loss_of("mse") == pytest.approx(sum(x * x for x in d) / 2, rel=1e-12)


def test_bce_on_sigmoid_gives_out_minus_target():
    for x, t in [([0.5, -1.5], [1.0, 0.0]), ([3.0, 2.0], [0.2, 0.9]), ([-0.01, 0.01], [0.0, 1.0])]:
        p = bpcalc.loads(network(two_layers("tanh", "sigmoid"), [(x, t)], "bce"))
        sol = bpcalc.solve(p)
        for j, target in enumerate(t, start=1):
            out = sol.values[f"out_o{j}"]
            expected = -(target * math.log(out) + (1 - target) * math.log(1 - out))
            assert sol.gradients[f"net_o{j}"] == pytest.approx(out - target, rel=1e-9, abs=1e-12)
            assert expected > 0
        assert_gradients_match_fd(p)


@pytest.mark.parametrize("n_out", [2, 3])
def test_softmax_cross_entropy_gives_out_minus_target(n_out):
    for x, t in [([0.5, -1.5], [0, 1, 0]), ([3.0, 2.0], [0.2, 0.3, 0.5]), ([-4.0, 6.0], [1, 0, 0])]:
        t = t[:n_out]
        t = [v / sum(t) for v in t] if sum(t) else t
        p = bpcalc.loads(network(two_layers("relu", "softmax", n_out), [(x, t)], "cross_entropy"))
        sol = bpcalc.solve(p)
        nets = [sol.values[f"net_o{j + 1}"] for j in range(n_out)]
        top = max(nets)
        soft = [math.exp(v - top) / sum(math.exp(u - top) for u in nets) for v in nets]
        assert sol.loss == pytest.approx(-sum(tj * math.log(s) for tj, s in zip(t, soft)), rel=1e-12)
        for j in range(n_out):
            assert sol.values[f"out_o{j + 1}"] == pytest.approx(soft[j], rel=1e-12)
            assert sol.gradients[f"net_o{j + 1}"] == pytest.approx(soft[j] - t[j], rel=1e-9, abs=1e-12)
        assert_gradients_match_fd(p)


def test_softmax_layer_vs_finite_differences_with_a_squared_loss():
    p = bpcalc.loads(network(two_layers("sigmoid", "softmax", 3), [([0.4, -0.9], [0.1, 0.2, 0.7])]))
    assert_gradients_match_fd(p)


@pytest.mark.parametrize("loss", ["half_sse", "sse", "mse", "bce"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_several_samples_mean_or_sum(loss, reduction):
    samples = [([0.5, -1.5], [0.2, 0.9]), ([2.0, 0.3], [0.6, 0.1]), ([-0.7, 0.05], [0.8, 0.4])]
    layers = two_layers("tanh", "sigmoid")
    p = bpcalc.loads(network(layers, samples, loss, reduction=reduction))
    sol = bpcalc.solve(p)
    assert_gradients_match_fd(p)
    # the total is the mean or sum of the one-sample problems, and so is every gradient
    singles = [bpcalc.solve(bpcalc.loads(network(layers, [s], loss))) for s in samples]
    k = len(samples) if reduction == "mean" else 1
    assert sol.loss == pytest.approx(sum(s.loss for s in singles) / k, rel=1e-12)
    for name in p.params:
        assert sol.gradients[name] == pytest.approx(sum(s.gradients[name] for s in singles) / k,
                                                    rel=1e-9, abs=1e-15)


def test_mean_is_the_default_reduction():
    samples = [([0.5, -1.5], [0.2, 0.9]), ([2.0, 0.3], [0.6, 0.1])]
    layers = two_layers("sigmoid", "sigmoid")
    default = bpcalc.solve(bpcalc.loads(network(layers, samples)))
    mean = bpcalc.solve(bpcalc.loads(network(layers, samples, reduction="mean")))
    assert default.loss == mean.loss and default.gradients == mean.gradients


def test_loss_name_and_textbook_naming():
    text = network(two_layers("sigmoid", "sigmoid"), [([0.5, -1.5], [0.2, 0.9])],
                   {"kind": "half_sse", "name": "E_total"}, naming={"pre": "z", "post": "y"})
    p = bpcalc.loads(text)
    sol = bpcalc.solve(p)
    assert p.output == "E_total" and "loss" not in sol.values
    assert {"z_h1", "y_h1", "z_o2", "y_o2", "t_o1"} <= set(sol.values)
    assert_gradients_match_fd(p)


def test_automatic_names_and_one_neuron_layers():
    layers = [{"name": "h", "activation": "sigmoid", "weights": [[0.2, 0.3]], "bias": [0.1]},
              {"name": "o", "activation": "linear", "weights": [0.5], "bias": 0.25}]
    p = bpcalc.loads(network(layers, [([1.0, 2.0], [0.5])]))
    assert p.params == {"w_h_i1": 0.2, "w_h_i2": 0.3, "b_h": 0.1, "w_o_h": 0.5, "b_o": 0.25}
    sol = bpcalc.solve(p)
    out_h = 1 / (1 + math.exp(-(0.2 * 1 + 0.3 * 2 + 0.1)))
    assert sol.values["out_h"] == pytest.approx(out_h, rel=1e-15)
    assert sol.values["out_o"] == pytest.approx(0.5 * out_h + 0.25, rel=1e-15)
    assert_gradients_match_fd(p)


def test_shared_weight_gets_the_sum_of_its_uses():
    layers = [{"name": "h", "activation": "tanh", "weights": [["w", "w"], ["w", 0.4]]}]
    p = bpcalc.loads(network(layers, [([0.3, -0.8], [0.1, 0.2])], params={"w": 0.6}))
    sol = bpcalc.solve(p)
    g = sol.gradients
    by_hand = g["net_h1"] * (0.3 - 0.8) + g["net_h2"] * 0.3
    assert g["w"] == pytest.approx(by_hand, rel=1e-12)
    assert_gradients_match_fd(p)
