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
    "(the gradients of the inputs, targets and frozen params, which nothing updates, are left out: --all writes "
    "them)": "（输入、目标和固定参数的梯度不会被更新，此处从略：--all 会写出它们）",
    "The numbers, briefly (without --brief: each worked out)": "数值一览（不加 --brief 时逐项推导）",
    "name": "名称",
    "value": "值",
    "param": "参数",
    "before": "更新前",
    "the forward pass:": "正向计算：",
    "the gradients:": "梯度：",
    "the step:": "更新：",
    "(after the step)": "（更新后）",
    "(forward pass again with every parameter updated: ": "（用全部更新后的参数再做一次正向计算：",
    "; the updates above are only some of them)": "；上面只列出其中一部分更新）",
    "it starts where iteration {k} ended: ": "从第 {k} 次迭代结束处开始：",
    " updated, every other value as given": " 已更新，其余各值按给定值",
    "no value changed": "没有值改变",
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
    "after": "更新后",
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
    # --notation matrix of several samples: the batch, a row per sample
    "Forward pass of the batch, layer by layer": "正向计算（整批样本，逐层，矩阵形式）",
    "the {n} samples at once, a row each: ": "{n} 个样本一起计算，每个样本一行：",
    " entry by entry; row s of X, Z and A is sample s, column j neuron j (W[j][k]: the weight from input k to "
    "neuron j); ": " 逐元素计算；X、Z、A 的第 s 行是样本 s，第 j 列是神经元 j（W[j][k]：从输入 k 到神经元 j 的权重）；",
    " is a column of {n} ones, which adds the bias to every row": " 是由 {n} 个 1 组成的列向量，把偏置加到每一行",
    "each sample's loss, from its row of ": "每个样本的误差，由它在 ",
    " and its row of the targets ": " 中的一行和目标 ",
    "(samples {first} to {last} alike)": "（样本 {first} 到 {last} 同理）",
    "Backward pass of the batch in matrix form (BP1–BP4)": "误差反向传播（整批样本，矩阵形式，BP1–BP4）",
    "BP1–BP4 for the batch, output layer first: row s of ": "整批样本的 BP1–BP4，从输出层开始：",
    " is sample s's ": " 的第 s 行是样本 s 的 ",
    ", from its own loss ": "，由它自己的误差 ",
    ", as one sample's form writes it; ": " 求得，与单个样本的矩阵形式相同；",
    " is the mean of the {n} samples' losses, so its gradients are ": " 是 {n} 个样本误差的平均，所以它的梯度是 ",
    " is the sum of the {n} samples' losses, so its gradients are ": " 是 {n} 个样本误差之和，所以它的梯度是 ",
    " and ": " 和 ",
    ", the sums over the samples divided by {n}; ": "，即对样本求和再除以 {n}；",
    ", the sums over the samples; ": "，即对样本求和；",
    " is the entry-by-entry product": " 表示逐元素相乘",
    "softmax: each sample's row of ": "softmax：每个样本在 ",
    " is its row of ": " 中的一行，等于它在 ",
    " times its Jacobian ": " 中的一行乘以它的雅可比矩阵 ",
    " (the one-sample form's ": "（即单个样本形式中的 ",
    ", written as a row):": "，写成行向量）：",
    "column {first}": "第 {first} 列",
    "columns {first} to {last}": "第 {first} 到 {last} 列",
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
    # optimisers, a check's report, its mistakes, a key's conventions
    ' (your first answer, {written}: {verdict})': '（你的第一个答案 {written}：{verdict}）',
    ', and {other} with it': '，同时还有 {other}',
    ': not read, counted as unanswered: ': '：无法读取，按未作答计：',
    ': the right digits, but fewer than the rule asks for: ': '：数字正确，但位数少于规则的要求：',
    '; each mean square v from the step before': '；每个均方 v 取自上一步',
    '; each mean square v starts at 0': '；每个均方 v 从 0 开始',
    '; each sum of squares s from the step before': '；每个平方和 s 取自上一步',
    '; each sum of squares s starts at 0': '；每个平方和 s 从 0 开始',
    '; each velocity v from the step before': '；每个速度 v 取自上一步',
    '; each velocity v starts at 0': '；每个速度 v 从 0 开始',
    '; the moments m and v from the step before': '；矩 m 和 v 取自上一步',
    '; the moments m and v start at 0': '；矩 m 和 v 从 0 开始',
    'AdaGrad update': 'AdaGrad 更新',
    'Adam update': 'Adam 更新',
    'Momentum update': '动量法更新',
    'RMSProp update': 'RMSProp 更新',
    'The conventions of the key {file}': '答案 {file} 所用的约定',
    "a bias's gradient multiplied by an input": '偏置的梯度乘上了某个输入',
    "a max or min gate's gradient sent to every input": 'max 或 min 门的梯度传给了每个输入',
    'a path of a sum over paths left out': '多条路径求和时漏掉了一条路径',
    'all {n} wrong answers follow from one procedure: ': '全部 {n} 个错误答案都出自同一种做法：',
    "an activation's derivative left out": '漏掉了激活函数的导数',
    "an activation's derivative taken at net instead of out": '激活函数的导数用 net 而不是 out 计算',
    "each bias's ∂net/∂b taken as an input instead of 1, in every sample":
        '每个样本中，偏置的 ∂net/∂b 都取成了某个输入而不是 1',
    'each number of the key beside the conventions that reproduce it at the precision it is written with:':
        '答案中的每个数，以及在其书写精度下能得出它的约定：',
    'every number of the key follows: ': '答案中每个数都符合：',
    'hidden-layer gradients with the already-updated weights': '用已更新的权重计算隐藏层梯度',
    'intermediate values rounded as they were computed': '中间值在计算时被舍入',
    'no convention': '无约定',
    'no convention explains: ': '没有约定能解释：',
    'not read': '无法读取',
    'reproduced by': '可由此得出',
    'score: {k} of {n} ({percent}%): {right} right, {follow} follow-on, {imprecise} imprecise, {wrong} wrong':
        '得分：{k} / {n}（{percent}%）：{right} 个正确，{follow} 个后续正确，{imprecise} 个位数不足，{wrong} 个错误',
    ', {unread} not read': '，{unread} 个无法读取',
    "softmax's off-diagonal derivatives left out": '漏掉了 softmax 的非对角导数',
    'the 1/n of a mean left out, or put in': '平均值的 1/n 漏掉了，或多乘了',
    'the 1/{n} of the mean left out (the sum taken instead)': '平均值的 1/{n} 漏掉了（算成了总和）',
    'a 1/{n} put in: the mean over the samples taken where the file sums them':
        '多乘了 1/{n}：文件对样本求和，却取了平均',
    "the 2 of the square's derivative dropped (d(t − out)²/d out written −(t − out)), so every gradient is half as "
    'large':
        '平方求导的系数 2 被丢掉（d(t − out)²/d out 写成了 −(t − out)），所以每个梯度都只有一半',
    'the activation outputs rounded to {n} decimal places as they were computed (--round {n})':
        '激活函数的输出在计算时保留了 {n} 位小数（--round {n}）',
    'the biases left as they were': '偏置没有更新',
    'the biases left as they were (only the weights updated)': '偏置保持不变（只更新了权重）',
    'the bias {name} left as it was': '偏置 {name} 没有更新',
    'the derivative {f}′ left out (taken as 1)': '漏掉了导数 {f}′（当作 1）',
    'the factor 2 of the square (or the ½ of the loss) left out': '漏掉了平方的系数 2（或误差的 ½）',
    "the hidden layer's gradients computed with the output weights already updated":
        '隐藏层的梯度用已经更新过的输出层权重计算',
    "the key's number": '答案中的数',
    'the loss taken without its ½ (Σ(t − out)² instead of Σ½(t − out)²), so every gradient is twice as large':
        '误差没有乘 ½（Σ(t − out)² 而不是 Σ½(t − out)²），所以每个梯度都大了一倍',
    'the param written as it was before the step (no change shown)': '参数写成了更新前的值（看不出变化）',
    'the path through {line} left out of ∂{output}/∂{name} (its term ∂{output}/∂{line} · ∂{line}/∂{name} not added)':
        '∂{output}/∂{name} 中漏掉了经过 {line} 的路径（没有加上 ∂{output}/∂{line} · ∂{line}/∂{name} 这一项）',
    'the path through {line} left out of ∂{output}/∂{name}, in every sample':
        '每个样本中，∂{output}/∂{name} 都漏掉了经过 {line} 的路径',
    'the sign flipped': '符号弄反了',
    'the sign flipped: ∂loss/∂out written as (t − out) instead of −(t − out)':
        '符号弄反了：∂loss/∂out 写成了 (t − out) 而不是 −(t − out)',
    'the sign of ∂{line}/∂{name} flipped': '∂{line}/∂{name} 的符号弄反了',
    'the target used where the output belongs': '在该用输出的地方用了目标值',
    "the target used where the output belongs: the activation's derivative at an output taken at t":
        '在该用输出的地方用了目标值：输出层激活函数的导数按 t 计算',
    'the update added instead of subtracted': '更新时加上而不是减去',
    'the update added instead of subtracted: θ + η·∂E/∂θ': '更新时加上而不是减去：θ + η·∂E/∂θ',
    'the weight matrix read transposed': '权重矩阵读成了转置',
    'the weight matrix read transposed: w_jk used where w_kj belongs': '权重矩阵读成了转置：该用 w_kj 的地方用了 w_jk',
    'the δ sign convention swapped': 'δ 的符号约定弄反了',
    'the δ sign convention swapped: δ_j written as −∂E/∂net_j': 'δ 的符号约定弄反了：δ_j 写成了 −∂E/∂net_j',
    'too few digits': '位数不足',
    '{f}′ taken at net instead of out: {formula}': '{f}′ 用 net 而不是 out 计算：{formula}',
    'η applied twice': 'η 乘了两次',
    'η applied twice: θ − η²·∂E/∂θ': 'η 乘了两次：θ − η²·∂E/∂θ',
    'η left out of the update': '更新时漏掉了 η',
    'η left out of the update: θ − ∂E/∂θ': '更新时漏掉了 η：θ − ∂E/∂θ',
    '∂net/∂w taken with another input': '∂net/∂w 用了别的输入',
    "∂{line}/∂{name} of the bias multiplied by the input {other} (a bias's is 1)":
        '偏置的 ∂{line}/∂{name} 乘上了输入 {other}（偏置的导数是 1）',
    '∂{line}/∂{name} taken as {other} instead of {source}': '∂{line}/∂{name} 取成了 {other} 而不是 {source}',
    '∂{line}/∂{name} taken with another input than its own, in every sample':
        '每个样本中，∂{line}/∂{name} 都用了别的输入',
    ' (for output {where} only)': '（仅在输出 {where}）',
    ' (in sample {where} only)': '（仅在第 {where} 个样本）',
    ' (in {where} only)': '（仅在 {where}）',
    'wrong': '错误',
    'right digits, too few of them': '数字正确但位数不足',
    'right from your own earlier numbers': '由你自己前面的数得出是正确的',
    'decimal comma read as a decimal point': '小数逗号按小数点读取',
    'a fraction: judged at the precision required': '分数：按要求的精度判定',
    'an answer is right within ±{tol} of the computed value': '答案与计算值相差不超过 ±{tol} 即为正确',
    'an answer is right within {rel} of the computed value, relative': '答案与计算值的相对误差不超过 {rel} 即为正确',
    'an answer is right when the computed value rounds to it, written to at least {n} decimal places':
        '计算值舍入后等于答案即为正确，答案至少写到小数点后 {n} 位',
    'an answer is right when the computed value rounds to it at the precision written, with at least {n} significant '
    'digits':
        '计算值按答案的书写精度舍入后等于答案即为正确，答案至少要有 {n} 位有效数字',
    'the textbook computation (as bpcalc computes it)': '教科书的算法（bpcalc 的计算）',
}

CATALOGUES: dict[str, dict[str, str]] = {"en": {}, "zh": ZH}


def translate(lang: str, msgid: str, **params: object) -> str:
    """The message in `lang` (English when the catalogue lacks it), placeholders filled."""
    text = CATALOGUES.get(lang, {}).get(msgid, msgid)
    return text.format(**params) if params else text
