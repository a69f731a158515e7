// bpcalc --format page (docs/output-formats.md): walk through the worked solution node by node.
// The steps and each node's numbers come from the page's JSON (written by bpcalc); nothing is computed here.
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const steps = data.steps, nodes = data.nodes, words = data.words, out = data.output;
  const $ = (id) => document.getElementById(id);
  const prev = $("prev"), next = $("next"), slider = $("slider"), counter = $("counter");
  const status = $("status"), details = $("details"), graphPane = document.querySelector(".graph-pane");
  const hint = details.firstElementChild;
  const nodeOf = new Map(), edgeOf = new Map();  // edges by "tail head"
  for (const g of document.querySelectorAll("#graph g.node")) nodeOf.set(g.dataset.node, g);
  for (const e of document.querySelectorAll("#graph path.edge")) {
    edgeOf.set(e.dataset.tail + " " + e.dataset.head, [e, $("l" + e.id.slice(1))]);
  }
  let at = 0, lit = [];
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, k) => values[k]);
  const partial = (of, wrt) => "∂" + of + "/∂" + wrt;

  function light(el) {
    if (el) { el.classList.add("on"); lit.push(el); }
  }

  function show(k) {
    k = Math.max(0, Math.min(steps.length, k | 0));
    for (const el of lit) { el.classList.remove("on"); el.removeAttribute("aria-current"); }
    lit = [];
    at = k;
    slider.value = String(k);
    prev.disabled = k === 0;
    next.disabled = k === steps.length;
    counter.textContent = k + " / " + steps.length;
    if (k === 0) {
      status.textContent = words.overview;
      slider.setAttribute("aria-valuetext", words.overview);
      details.replaceChildren(hint);
      return;
    }
    const [phase, node, section, said, flows] = steps[k - 1];
    status.textContent = fill(words.step_of, { k: k, n: steps.length }) + words[". "] + said;
    slider.setAttribute("aria-valuetext", status.textContent);
    const g = nodeOf.get(node);
    light(g);
    if (g) g.setAttribute("aria-current", "step");
    // a value flows in along the edges from the nodes it uses, a gradient back along the edges
    // from the nodes that use it
    for (const other of flows) {
      const [edge, label] = edgeOf.get(phase === "forward" ? other + " " + node : node + " " + other) || [];
      light(edge);
      light(label);
    }
    const rows = [...$("s" + section).querySelectorAll("[data-node]")]
      .filter((r) => r.dataset.phase === phase && r.dataset.node === node);
    for (const r of rows) { light(r); r.setAttribute("aria-current", "step"); }
    if (rows.length) rows[0].scrollIntoView({ block: "center" });
    reveal(g);
    describe(node);
  }

  // scroll the graph pane (not the page) to show the node, where the pane scrolls by itself
  function reveal(g) {
    if (!g || getComputedStyle(graphPane).overflowY !== "auto") return;
    const box = g.getBoundingClientRect(), pane = graphPane.getBoundingClientRect();
    if (box.top < pane.top || box.bottom > pane.bottom) graphPane.scrollTop += box.top - pane.top - pane.height / 3;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function number(cls, pair) {  // a number as shown, and exactly in data-x
    const e = el("span", pair[0], cls);
    e.dataset.x = pair[1];
    return e;
  }

  function line(parent, label, ...parts) {
    const p = el("p");
    p.append(el("span", label + ": ", "label"), ...parts);
    parent.append(p);
    return p;
  }

  function list(parent, label, items, ordered) {
    parent.append(el("p", label, "label"));
    const l = el(ordered ? "ol" : "ul");
    for (const item of items) { const li = el("li"); li.append(...item); l.append(li); }
    parent.append(l);
    return l;
  }

  function describe(name) {
    const d = nodes[name];
    if (!d) return;
    const h = el("h2", name + " ");
    h.append(el("span", "(" + words[d.kind] + ")", "kind"));
    details.replaceChildren(h);
    if (d.formula) details.append(el("p", name + " = " + d.formula, "formula"));
    const v = line(details, words.value, number("value", d.value));
    v.className = "value-line";
    if (d.unrounded) v.append(" (" + words["before rounding"] + " ", number("", d.unrounded), ")");
    if (d.gradient) line(details, words.gradient + " " + partial(out, name), number("gradient", d.gradient))
      .className = "gradient-line";
    if (d.uses) list(details, words.uses, d.uses.map(([u, s, x]) => [partial(name, u) + " = ", number("local", [s, x])]))
      .className = "uses";
    if (d.usedBy) list(details, words.usedBy, d.usedBy.map(([c, s, x]) => [partial(c, name) + " = ",
      number("local", [s, x])])).className = "used-by";
    if (d.terms) list(details, words.terms, d.terms.map(([c, up, loc]) =>
      [partial(out, c) + " · " + partial(c, name) + " = " + up + " × " + loc]));
    if (d.paths) {
      const items = d.paths.map(([path, factors, product]) => {
        let text = path.slice(0, -1).map((n, i) => partial(n, path[i + 1])).join(" · ") + " = " + factors.join(" × ");
        if (product !== null) text += " = " + product;
        return [text];
      });
      const l = list(details, words.paths + " (" + d.pathCount + ")", items, true);
      if (d.pathCount > d.paths.length) l.after(el("p", fill(words.more_paths, { n: d.pathCount, k: d.paths.length })));
    }
    if (d.update) line(details, words.update, name + " ← ", el("span", d.update[0]), " → ",
      el("span", d.update[1], "update"));
    for (const [label, written, computed, verdict] of d.answers || []) {
      line(details, words["your answer"], label + " = " + written + ": ", el("strong", words[verdict], verdict),
        "; " + words.computed + " " + computed);
    }
    const go = el("p", words.go + " ");
    for (const phase of ["forward", "backward", "update"]) {
      const k = d.steps[phase];
      if (!k) continue;
      const b = el("button", words[{ forward: "Forward pass", backward: "Backward pass", update: "Update" }[phase]]);
      b.type = "button";
      b.addEventListener("click", () => show(k));
      if (k === at) b.setAttribute("aria-pressed", "true");
      go.append(b);
    }
    if (go.childElementCount) details.append(go);
  }

  // a node clicked: its step in the phase being walked, else its first one; its details
  function pick(name) {
    const d = nodes[name];
    if (!d) return;
    const phase = at ? steps[at - 1][0] : "forward";
    const k = d.steps[phase] || d.steps.forward || d.steps.backward || d.steps.update;
    if (k) show(k);
    else {
      show(0);
      light(nodeOf.get(name));
      describe(name);
      status.textContent = name;
    }
  }

  prev.addEventListener("click", () => show(at - 1));
  next.addEventListener("click", () => show(at + 1));
  slider.addEventListener("input", () => show(+slider.value));
  const graph = $("graph");
  graph.addEventListener("click", (e) => {
    const g = e.target.closest("g.node");
    if (g) pick(g.dataset.node);
  });
  graph.addEventListener("keydown", (e) => {
    const g = e.target.closest("g.node");
    if (g && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); pick(g.dataset.node); }
  });
  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.target === slider) return;
    const inText = e.target.closest && e.target.closest("#solution, #details");
    const k = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: inText ? null : 0, End: inText ? null : steps.length }[e.key];
    if (k === undefined || k === null) return;
    e.preventDefault();
    show(k);
  });
  show(data.start);
})();
