"""Every heading and sentence of a worked solution, per language: one catalogue each.

The English text is the key (as gettext's msgid), so English needs no catalogue; another
language maps each key to its own wording, with the same `{placeholders}`.  The Chinese wording
follows the Chinese teaching texts the examples come from: the slides' "Step1: 设置模型参数初始值",
"正向计算预测值", "计算误差", "误差反向传播", "迭代公式"; 计算图 and 链式法则; the blog's and the neuron
notation's 误差 δ and 学习率.  tests/test_notations.py fails when a catalogue lacks a key the renderers use.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

ZH: dict[str, str] = {
    # step headings
    "Step {n}{separator}{title}": "Step{n}: {title}",
    "Given": "设置模型参数初始值",
    "Forward pass": "正向计算预测值",
    "Loss": "计算误差",
    "Output": "计算输出",
    "Backward pass, output to inputs": "误差反向传播",
    "Backward pass in δ form, output layer first": "误差反向传播（误差项 δ 形式，从输出层开始）",
    "Chain rule, per parameter: every path from the output, as a product of its factors":
        "链式求导法则：对每个参数，写出从输出出发的每条路径（各因子之积）",
    "Chain rule, per leaf: every path from the output, as a product of its factors":
        "链式求导法则：对每个叶节点，写出从输出出发的每条路径（各因子之积）",
    "Chain rule, per name: every path from the output, as a product of its factors":
        "链式求导法则：对所选的每个节点，写出从输出出发的每条路径（各因子之积）",
    "Chain rule, factored per parameter (the blog's derivation)": "链式求导法则：逐个参数写成三个因子之积",
    "SGD update": "梯度下降更新（迭代公式）",
    "Loss after the step": "更新后的误差",
    "Iteration {k} of {n}": "第 {k} 次迭代（共 {n} 次）",
    "The params and the loss, iteration by iteration": "各次迭代的参数与误差",
    # the given numbers
    "inputs": "输入",
    "params": "模型参数",
    "frozen params": "固定参数（不更新）",
    ": ": "：",
    "learning rate ": "学习率 ",
    "activation outputs rounded to {n} decimal places as they are computed; everything else exact from the "
    "rounded values": "激活函数的输出在计算时保留 {n} 位小数，其余数值都由保留后的值精确算出",
    "loss convention: ": "误差的约定：",
    "E = Σ ½(t − out)², over the outputs (half the sum of squared errors)":
        "E = Σ ½(t − out)²，对所有输出求和（误差平方和的一半）",
    "E = Σ (t − out)², over the outputs (the sum of squared errors, no ½)":
        "E = Σ (t − out)²，对所有输出求和（误差平方和，不乘 ½）",
    "E = Σ (t − out)² / n, the mean over the n outputs": "E = Σ (t − out)² / n，对 n 个输出取平均",
    "E = −Σ [t·ln(out) + (1 − t)·ln(1 − out)] (binary cross-entropy)":
        "E = −Σ [t·ln(out) + (1 − t)·ln(1 − out)]（二元交叉熵）",
    "E = −Σ t·ln(out) (cross-entropy over the softmax outputs)": "E = −Σ t·ln(out)（softmax 输出的交叉熵）",
    "; the mean over the {n} samples": "；对 {n} 个样本取平均",
    "; the sum over the {n} samples": "；对 {n} 个样本求和",
    "δ convention: ": "误差项 δ 的约定：",
    # the forward pass
    "(": "（",
    ")": "）",
    "; ": "；",
    " rounded to {n} places)": " 保留 {n} 位小数）",
    "(no intermediate nodes)": "（没有中间节点）",
    # the backward pass
    "each node once, output first: ": "从输出开始，每个节点算一次：",
    " over the nodes v that use u": "，对所有用到 u 的节点 v 求和",
    "(start: the output's own gradient)": "（起点：输出对自身的梯度）",
    "(does not lead to the output)": "（不影响输出）",
    "(formula too deeply nested to write out)": "（公式嵌套太深，不写出）",
    "(+ passes the upstream gradient through)": "（加法节点：上游梯度原样传递）",
    "(× multiplies it by the other input)": "（乘法节点：上游梯度乘以另一个输入）",
    " since ": "，因为 ",
    "is the first largest argument": "是第一个最大的参数",
    "is not the first largest argument": "不是第一个最大的参数",
    "is the first smallest argument": "是第一个最小的参数",
    "is not the first smallest argument": "不是第一个最小的参数",
    "({output}'s direct use of {name} only)": "（仅 {output} 对 {name} 的直接使用）",
    "(total)": "（总和）",
    "(the same sum, by the identity of {what})": "（同一个和，由{what}的恒等式得到）",
    "softmax with cross-entropy": "softmax 与交叉熵",
    "sigmoid with binary cross-entropy": "sigmoid 与二元交叉熵",
    "… {n} more terms …": "…… 另有 {n} 项 ……",
    "the gradients of the inputs, targets and frozen params (nothing updates them; shown for completeness):":
        "输入、目标值和固定参数的梯度（它们不会被更新，仅供参考）：",
    "every param's gradient is exactly 0: with activation outputs rounded to {n} decimal places their "
    "derivatives vanish; round to more places (--round 2 or more) to see the gradients":
        "所有参数的梯度都恰好为 0：激活函数的输出保留 {n} 位小数后导数为零；请保留更多位小数（--round 2 或更多）",
    # the δ form
    "; an output neuron's ": "；输出层神经元 ",
    ", a hidden one's ": "，隐含层神经元 ",
    "; then ": "；于是 ",
    "layer {name}:": "层 {name}：",
    "the gradient of each param: its neurons' δ times the input it multiplies":
        "各参数的梯度：所连神经元的误差项 δ 乘以该参数所乘的输入",
    # the chain rule
    "(no parameter reaches the output)": "（没有参数影响输出）",
    "{n} paths to ": "通往 ",
    "{n} path to ": "通往 ",
    " left out: each has a factor that is exactly 0 (": " 的 {n} 条路径略去：每条都含有恰好为 0 的因子（",
    " reaches {output} by {n} paths; each path's product, then their sum:":
        " 经 {n} 条路径到达 {output}；先写出每条路径之积，再求和：",
    "path {i}": "路径 {i}",
    "(via {nodes})": "（经过 {nodes}）",
    "above --max-paths {n}": "超过 --max-paths {n}",
    "{n} factors in all": "共 {n} 个因子",
    " reaches {output} by {n} paths ({why}): shown in the per-node (δ) form, each upstream gradient taken "
    "from the backward pass (--max-paths raises the limit)":
        " 经 {n} 条路径到达 {output}（{why}）：改用逐节点（δ）形式，每个上游梯度取自反向传播（--max-paths 可提高上限）",
    # the update and several steps
    "nothing to update: the problem has no params (the leaves a step learns are declared under `params:`)":
        "没有要更新的参数：该问题没有 params（要学习的叶节点写在 `params:` 下）",
    "nothing to update: every param is frozen": "没有要更新的参数：所有参数都已固定",
    "(forward pass again with the updated parameters)": "（用更新后的参数再做一次正向计算）",
    "iteration": "迭代",
    # several outputs, a gradient check
    "outputs: ": "输出：",
    "a row per output, a column per input or param; each entry is that output's gradient of the name, from "
    "its backward pass above": "每个输出一行，每个输入或参数一列；每一项是该输出对该名称的梯度，取自上面的反向传播",
    "transposed to fit: a row per input or param, a column per output; each entry is that output's gradient "
    "of the name, from its backward pass above":
        "为便于显示已转置：每个输入或参数一行，每个输出一列；每一项是该输出对该名称的梯度，取自上面的反向传播",
    "Jacobian of the outputs with respect to the inputs and params": "输出对输入和参数的雅可比矩阵",
    "gradient": "梯度",
    "backprop": "反向传播",
    "estimate": "数值估计",
    "abs error": "绝对误差",
    "rel error": "相对误差",
    "note": "备注",
    "kink": "折点",
    "rounded": "舍入",
    "domain": "定义域",
    "each gradient from the backward pass beside its estimate, the central difference (f(x + h) − f(x − h)) / "
    "2h from the forward pass alone, with ":
        "反向传播得到的每个梯度与数值微分的估计并列，估计用中心差分 (f(x + h) − f(x − h)) / 2h（只做正向计算），其中 ",
    "kink: x ± h crosses a point where a derivative jumps (relu, abs, max at or near its kink); there the "
    "estimate averages two slopes and proves nothing":
        "折点：x ± h 跨过导数跳变的点（relu、abs、max 在折点附近）；此处估计是两侧斜率的平均，不能说明问题",
    "rounded: --round rounds values between this name and the output, so a change of h does not reach it; "
    "the estimate proves nothing": "舍入：--round 会舍入该名称与输出之间的值，h 的变化传不到输出；此处估计不能说明问题",
    "domain: the forward pass cannot be computed at x + h or x − h, so there is no estimate":
        "定义域：在 x + h 或 x − h 处无法进行正向计算，因此没有估计",
    "{k} of {n} agree": "{n} 个中有 {k} 个一致",
    "; {m} do not": "；{m} 个不一致",
    " (within ": "（相对误差在 ",
    " relative, or below the estimate's own round-off)": " 以内，或低于估计本身的舍入误差）",
    "Gradient check": "梯度检验",
    "before {k}": "第 {k} 次前",
    "after {k}": "第 {k} 次后",
    # check: a student's answers graded
    "Your answers in {file}": "答案核对：{file}",
    "an answer is right when the computed value rounds to it at the precision it is written with (0.5933: at "
    "4 decimals)": "答案按其书写的精度判定：计算值四舍五入到该精度后与答案相同即为正确（0.5933：保留 4 位小数）",
    "an answer is right within ": "答案与计算值之差不超过 ",
    " of the computed value": " 即为正确",
    " × |the computed value|": " × |计算值| 即为正确",
    "your answer": "你的答案",
    "computed": "计算值",
    "mistake": "错误类型",
    "follow-on": "后续正确",
    "follow-on from ": "后续正确，源自 ",
    ", ": "，",
    "none found": "未找到",
    ": right from your own ": "：由你自己前面的 ",
    " (they give ": " 计算是正确的（得到 ",
    "), so it earns its credit": "），因此得分",
    ": no common mistake gives your number; the worked lines below give ":
        "：没有常见错误能得到你的数值；下面的计算过程得到 ",
    ", which gives ": "，得到 ",
    "score: {k} of {n} ({percent}%): {right} right, {follow} follow-on, {wrong} wrong":
        "得分：{k}/{n}（{percent}%）：{right} 个正确，{follow} 个后续正确，{wrong} 个错误",
    "first wrong step: ": "第一个出错的步骤：",
    "updated": "更新后",
    "after the step": "更新后",
    "The worked lines for the answers not marked ✓": "未标 ✓ 的答案的计算过程",
    "A class: {n} answers files": "全班：{n} 份答案",
    "in {folder}:": "文件夹 {folder}：",
    "file": "文件",
    "score": "得分",
    "first wrong": "首个错误",
    "mistakes": "错误类型",
    "unusable": "无法使用",
    "{k} of {n} ({percent}%)": "{k}/{n}（{percent}%）",
    "question": "题目",
    "answered": "作答人数",
    "right": "正确",
    "commonest mistake": "最常见的错误",
    "per question, in the order of the computation (follow-on work counts as right):":
        "按计算顺序逐题统计（后续正确计为正确）：",
    # explain --split: the slides' proportional error split
    "The error shared out in proportion to the weights (as the slides draw it), beside the true gradient":
        "误差按权重比例分配（讲义中的直观图示）与真实梯度对照",
    "the slides' picture: each neuron's error shared out over the neurons before it in proportion to the weights, ":
        "课件的直观图示：每个神经元的误差按权重比例分配给前一层的神经元，",
    ", starting from the output neurons' errors ": "，从输出层神经元的误差开始 ",
    "(the picture)": "（直观图示）",
    "(back-propagated)": "（反向传播）",
    "neuron": "神经元",
    "they differ because back-propagation passes each δ_l back times the weight w_jl itself, not its share "
    "w_jl/Σ_k w_kl of the weights into l, and then multiplies by the activation's slope φ′(net_j) at this neuron: "
    "the picture says where the error comes from, the gradient says how much a change of each weight changes "
    "{output}": "两者不同：反向传播把每个 δ_l 乘以权重 w_jl 本身传回，而不是乘以它在进入 l 的权重中所占的比例 "
    "w_jl/Σ_k w_kl，然后还要乘以该神经元激活函数的斜率 φ′(net_j)：直观图示说明误差来自哪里，梯度说明每个权重的改变会让 "
    "{output} 改变多少",
    # --notation matrix: BP1–BP4
    "Forward pass, layer by layer": "正向计算（逐层，矩阵形式）",
    "each layer as vectors and matrices: ": "每一层写成向量与矩阵：",
    "; row j of W is neuron j, column k input k (W[j][k]: the weight from k to j); vectors are columns":
        "；W 的第 j 行对应神经元 j，第 k 列对应输入 k（W[j][k]：从 k 到 j 的权重）；向量均为列向量",
    "layer {name} ({activation}):": "第 {name} 层（{activation}）：",
    "Backward pass in matrix form (BP1–BP4)": "误差反向传播（矩阵形式，BP1–BP4）",
    "BP1–BP4 (Nielsen), output layer first, with ": "BP1–BP4（Nielsen），从输出层开始，其中 ",
    " and ⊙ the entry-by-entry product": "，⊙ 表示逐元素相乘",
    " is in {n} places of the matrices: its gradient is the sum of their entries, ":
        " 出现在矩阵的 {n} 个位置：它的梯度是这些位置之和，",
    # a problem sheet and its answer key (bpcalc variants)
    "The computation": "计算过程",
    "Questions": "问题",
    "Answers": "答案",
    "asked": "所求",
    "answer": "答案",
    "as computed": "精确值",
    "the loss": "误差",
    "a value": "节点的值",
    "a gradient": "梯度",
    "after one SGD step": "一步梯度下降更新后的值",
    "Give each answer to {n} decimal places.": "每个答案保留 {n} 位小数。",
    "Each answer to {n} decimal places, and as computed.": "每个答案保留 {n} 位小数，并列出精确计算值。",
    "{name}, variant {k}": "{name}，第 {k} 套",
    "{name}, variant {k}: answer key": "{name}，第 {k} 套：答案",
    "An answers file for bpcalc check begins with the line ": "用 bpcalc check 核对时，答案文件的第一行写 ",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": {}, "zh": ZH}


def translate(lang: str, msgid: str, **params: object) -> str:
    """The message in `lang` (English when the catalogue lacks it), placeholders filled."""
    text = CATALOGUES.get(lang, {}).get(msgid, msgid)
    return text.format(**params) if params else text
