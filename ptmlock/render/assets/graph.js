"use strict";
// Draws the model graph from the JSON that ptmlock embeds in this page. No network, no libraries.
(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const DASHES = { solid: "", dashed: "7 5", dotted: "2 4" };
  const data = JSON.parse(document.getElementById("ptm-data").textContent);
  const L = data.layout;
  const byName = new Map(data.nodes.map((n) => [n.name, n]));
  // Interchangeable groups folded into one box; their members' links are drawn to and from that box.
  const collapsed = new Set();
  let query = "";

  // What a node is drawn as now: itself, or its collapsed group's box (keyed "group:NAME").
  function shownAs(name) {
    const node = byName.get(name);
    return node && node.group && collapsed.has(node.group) ? `group:${node.group}` : name;
  }

  // Every box drawn now, by what shownAs gives: a collapsed group takes its first member's place.
  function visibleBoxes() {
    const boxes = {};
    for (const [name, box] of Object.entries(L.nodes)) {
      if (shownAs(name) === name) boxes[name] = box;
    }
    for (const group of collapsed) boxes[`group:${group}`] = L.nodes[data.groups[group][0]];
    return boxes;
  }

  // The links drawn now: ends moved onto collapsed groups, one link for each end pair and relation, none
  // inside a collapsed group.
  function visibleLinks() {
    const seen = new Set();
    const links = [];
    for (const link of data.links) {
      const source = shownAs(link.source);
      const target = shownAs(link.target);
      const key = [source, target, link.relation].join("\u0000");
      if ((source !== link.source || target !== link.target) && (seen.has(key) ||
        (source === target && source.startsWith("group:")))) continue;
      seen.add(key);
      links.push({ ...link, source, target, members: [link.source, link.target] });
    }
    return links;
  }

  function matches(node) {
    if (!query) return false;
    const fields = [node.name, node.source, node.task, node.group, node.stage, node.description, node.kind];
    return fields.some((field) => field && String(field).toLowerCase().includes(query));
  }

  function svg(tag, attrs, parent, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(key, value);
    }
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(tag, attrs, parent, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function plural(count, word) {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
  }

  function size(bytes) {
    const units = ["B", "kB", "MB", "GB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
  }

  // Shorten a text element with an ellipsis until it fits; the full text stays in a tooltip.
  function fit(textNode, width) {
    const full = textNode.textContent;
    if (textNode.getComputedTextLength() <= width) return;
    let keep = full.length;
    while (keep > 1 && textNode.getComputedTextLength() > width) {
      keep -= 1;
      textNode.textContent = full.slice(0, keep) + "…";
    }
    svg("title", {}, textNode, full);
  }

  function usesLabel(node) {
    return node.runtime === false ? `${(node.uses || []).join(" + ")} only` : null;
  }

  // ---- header, legend, problems ---------------------------------------------------------------
  function drawHeader() {
    const models = data.nodes.filter((n) => n.type === "model").length;
    const components = data.nodes.length - models;
    const unpinned = data.nodes.filter((n) => n.pin && !n.pin.ok).length;
    document.getElementById("title").textContent = data.title;
    const summary = document.getElementById("summary");
    const groups = Object.keys(data.groups).length;
    summary.textContent = [plural(models, "model"), plural(components, "component"),
      plural(data.links.length, "link"), groups ? plural(groups, "interchangeable group") : null]
      .filter(Boolean).join(" · ") + " · ";
    const state = html("span", { class: unpinned ? "bad" : "ok" }, summary);
    state.textContent = !data.locked ? "no ptm.lock: run `ptm lock` to pin"
      : unpinned ? `${unpinned} not pinned by ptm.lock` : "every model pinned by ptm.lock";

    const legend = document.getElementById("legend");
    const used = new Set(data.links.map((l) => l.relation));
    for (const [relation, style] of Object.entries(data.styles)) {
      if (!used.has(relation)) continue;
      const item = html("li", { "data-relation": relation }, legend);
      const sample = svg("svg", { width: 34, height: 10 }, item);
      svg("line", { x1: 1, y1: 5, x2: 33, y2: 5, stroke: style.color, "stroke-width": style.width,
        "stroke-dasharray": DASHES[style.dash] }, sample);
      html("span", {}, item, relation);
    }
    const pinned = html("li", {}, legend);
    html("span", { class: "ok" }, pinned, "● locked");
    html("span", { class: "bad" }, pinned, "▲ unpinned / unlocked / stale");

    if (data.problems.length) {
      const box = document.getElementById("problems");
      box.hidden = false;
      html("strong", {}, box, `${plural(data.problems.length, "problem")} (run \`ptm validate\`)`);
      const list = html("ul", {}, box);
      for (const problem of data.problems) {
        html("li", { class: problem.severity }, list, `${problem.severity}: ${problem.text}`);
      }
    }
  }

  // ---- the drawing -----------------------------------------------------------------------------
  function drawLanes(root) {
    const layer = svg("g", { class: "lanes" }, root);
    const labelled = L.lanes.length > 1 || L.lanes[0].stage !== null;
    L.lanes.forEach((lane, index) => {
      const g = svg("g", { class: "lane", "data-stage": lane.stage || "" }, layer);
      svg("rect", { class: `lane-band${index % 2 ? " alt" : ""}`, x: 0, y: lane.y, width: L.width,
        height: lane.h }, g);
      svg("line", { class: "lane-rule", x1: 0, x2: L.width, y1: lane.y, y2: lane.y }, g);
      if (labelled) {
        svg("text", { class: "lane-label", x: 14, y: lane.y + 18 }, g, lane.stage || "no stage");
      }
    });
  }

  function drawGroups(root) {
    const layer = svg("g", { class: "clusters" }, root);
    for (const [name, full] of Object.entries(L.groups)) {
      const folded = collapsed.has(name);
      const members = data.groups[name];
      const first = L.nodes[members[0]];
      // Folded, the box closes round the one box its members are drawn as.
      const box = folded ? { ...full, h: first.y + first.h - full.y + (full.x + full.w - first.x - first.w) }
        : full;
      const g = svg("g", { class: `cluster${folded ? " collapsed" : ""}`, "data-group": name }, layer);
      svg("rect", { x: box.x, y: box.y, width: box.w, height: box.h, rx: 12 }, g);
      const title = svg("text", { class: "toggle", x: box.x + 10, y: box.y + 16, tabindex: 0, role: "button",
        "aria-expanded": String(!folded) }, g, `${folded ? "▸" : "▾"} ${name} · interchangeable`);
      fit(title, box.w - 20);
      title.addEventListener("click", () => toggleGroup(name));
      title.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") toggleGroup(name);
      });
    }
  }

  function toggleGroup(name) {
    if (collapsed.has(name)) collapsed.delete(name);
    else collapsed.add(name);
    redraw();
  }

  function anchors(link, spread, boxes) {
    const a = boxes[link.source];
    const b = boxes[link.target];
    const shift = spread * 16;
    if (link.source === link.target) {
      const x = a.x + a.w;
      const y = a.y + a.h / 2;
      return [[x, y - 12], [x + 60, y - 50], [x + 60, y + 50], [x, y + 12]];
    }
    if (b.x > a.x + a.w / 2) { // forward: right side to left side, or over the top of nodes in the way
      const p0 = [a.x + a.w, a.y + a.h / 2 + shift];
      const p3 = [b.x, b.y + b.h / 2 + shift];
      const inWay = Object.entries(boxes).filter(([name, box]) => name !== link.source &&
        name !== link.target && box.x > p0[0] && box.x + box.w < p3[0] &&
        box.y < Math.max(p0[1], p3[1]) + 6 && box.y + box.h > Math.min(p0[1], p3[1]) - 6);
      if (inWay.length) {
        const top = Math.min(a.y, b.y, ...inWay.map(([, box]) => box.y)) - 56 - 14 * spread;
        const q0 = [a.x + a.w * 0.75, a.y];
        const q3 = [b.x + b.w * 0.25, b.y];
        return [q0, [q0[0], top], [q3[0], top], q3];
      }
      const dx = Math.max(40, (p3[0] - p0[0]) / 2);
      return [p0, [p0[0] + dx, p0[1]], [p3[0] - dx, p3[1]], p3];
    }
    if (b.x + b.w / 2 < a.x) { // backward: an arc under both nodes
      const p0 = [a.x + a.w / 2 + shift, a.y + a.h];
      const p3 = [b.x + b.w / 2 + shift, b.y + b.h];
      const depth = Math.max(p0[1], p3[1]) + 70 + 14 * spread;
      return [p0, [p0[0], depth], [p3[0], depth], p3];
    }
    // Same column: an arc out to the left, clear of the nodes stacked between them.
    const p0 = [a.x, a.y + a.h / 2 + shift];
    const p3 = [b.x, b.y + b.h / 2 + shift];
    const bulge = Math.min(a.x, b.x) - 44 - 16 * spread;
    return [p0, [bulge, p0[1]], [bulge, p3[1]], p3];
  }

  function drawLinks(root, links, boxes) {
    const defs = svg("defs", {}, root);
    for (const [relation, style] of Object.entries(data.styles)) {
      const marker = svg("marker", { id: `arrow-${relation}`, viewBox: "0 0 10 10", refX: 9, refY: 5,
        markerWidth: 11, markerHeight: 11, orient: "auto-start-reverse", markerUnits: "userSpaceOnUse" }, defs);
      svg("path", { d: "M0,0 L10,5 L0,10 z", fill: style.color }, marker);
    }
    const paths = svg("g", { class: "links" }, root);
    const labels = svg("g", { class: "link-labels" }, root);
    const seen = new Map();
    const placed = [];
    const labelledInputs = new Set();
    links.forEach((link, index) => {
      const pair = [link.source, link.target].sort().join("\u0000");
      const spread = seen.get(pair) || 0;
      seen.set(pair, spread + 1);
      const style = data.styles[link.relation];
      const [p0, c1, c2, p3] = anchors(link, spread, boxes);
      const hit = link.members.some((name) => matches(byName.get(name)));
      const path = svg("path", {
        class: `link${hit ? " match" : ""}`, "data-index": index, "data-relation": link.relation,
        "data-source": link.source, "data-target": link.target,
        d: `M${p0} C${c1} ${c2} ${p3}`, stroke: style.color, "stroke-width": style.width,
        "stroke-dasharray": DASHES[style.dash] || null,
        "marker-end": style.arrow ? `url(#arrow-${link.relation})` : null,
      }, paths);
      const where = link.line ? ` (ptm.toml line ${link.line})` : "";
      svg("title", {}, path, `${link.members.join(" → ")}: ${link.label}${where}` +
        (link.description ? `\n${link.description}` : ""));
      // Links that bring one node the same kind of input (several detectors into one fusion step) are
      // labelled once: a stack of equal labels only hides the drawing. The path keeps its tooltip.
      const input = [link.target, link.relation, link.mode || link.detail, link.stage].join("\u0000");
      if (labelledInputs.has(input)) return;
      labelledInputs.add(input);
      // The label sits at the curve's midpoint: B(1/2) = (p0 + 3 c1 + 3 c2 + p3) / 8.
      const mx = (p0[0] + 3 * c1[0] + 3 * c2[0] + p3[0]) / 8;
      const my = (p0[1] + 3 * c1[1] + 3 * c2[1] + p3[1]) / 8;
      const g = svg("g", { class: `link-label${hit ? " match" : ""}`, "data-index": index }, labels);
      const bg = svg("rect", { rx: 4 }, g);
      const text = svg("text", { x: mx, y: my - 2, "text-anchor": "middle", fill: style.color }, g);
      svg("tspan", { x: mx }, text, link.relation);
      const sub = link.mode || link.detail;
      if (sub) svg("tspan", { x: mx, dy: 12, class: "sub" }, text, sub);
      const box = text.getBBox();
      // Labels of links that meet near one node would overlap: move each below those already placed.
      let dy = 0;
      for (let moved = true; moved;) {
        moved = false;
        for (const other of placed) {
          const overlaps = box.x < other.x + other.width && other.x < box.x + box.width &&
            box.y + dy < other.y + other.height + 3 && other.y < box.y + dy + box.height + 3;
          if (overlaps) {
            dy = other.y + other.height + 4 - box.y;
            moved = true;
          }
        }
      }
      // Between nodes stacked in one column the label runs along the arc, clear of the boxes.
      const stacked = link.source !== link.target && boxes[link.source].x === boxes[link.target].x;
      if (stacked) g.setAttribute("transform", `rotate(-90 ${mx} ${my})`);
      else if (dy) g.setAttribute("transform", `translate(0,${dy})`);
      if (!stacked) placed.push({ x: box.x, y: box.y + dy, width: box.width, height: box.height });
      bg.setAttribute("x", box.x - 4);
      bg.setAttribute("y", box.y - 2);
      bg.setAttribute("width", box.width + 8);
      bg.setAttribute("height", box.height + 4);
    });
  }

  function drawFolded(layer, group, box) {
    const members = data.groups[group];
    const hit = members.some((name) => matches(byName.get(name)));
    const g = svg("g", { class: `node folded${hit ? " match" : ""}`, "data-name": `group:${group}`,
      "data-group": group, tabindex: 0, role: "button", transform: `translate(${box.x},${box.y})` }, layer);
    svg("rect", { class: "box", width: box.w, height: box.h, rx: 10 }, g);
    fit(svg("text", { class: "name", x: 14, y: 22 }, g, group), box.w - 28);
    fit(svg("text", { class: "source", x: 14, y: 40 }, g, `${plural(members.length, "interchangeable model")}`),
      box.w - 28);
    fit(svg("text", { class: "meta", x: 14, y: 58 }, g, members.join(", ")), box.w - 28);
    svg("title", {}, g, `${group}: ${members.join(", ")} (click to expand)`);
    g.addEventListener("mouseenter", () => focus(`group:${group}`));
    g.addEventListener("mouseleave", () => focus(null));
    g.addEventListener("click", () => toggleGroup(group));
    g.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") toggleGroup(group);
    });
  }

  function drawNodes(root, boxes) {
    const layer = svg("g", { class: "nodes" }, root);
    for (const group of Object.keys(data.groups)) {
      if (collapsed.has(group)) drawFolded(layer, group, boxes[`group:${group}`]);
    }
    for (const node of data.nodes) {
      if (shownAs(node.name) !== node.name) continue;
      const box = L.nodes[node.name];
      const aux = node.runtime === false;
      const g = svg("g", {
        class: `node ${node.type}${aux ? " aux" : ""}${matches(node) ? " match" : ""}`, "data-name": node.name,
        tabindex: 0,
        role: "button", transform: `translate(${box.x},${box.y})`,
        "data-pin": node.pin ? node.pin.state : null,
      }, layer);
      svg("rect", { class: "box", width: box.w, height: box.h, rx: 10 }, g);
      if (node.pin) {
        svg("rect", { class: "stripe", width: 5, height: box.h - 16, x: 0, y: 8, rx: 2,
          fill: node.pin.ok ? data.colors.pinned : data.colors.unpinned }, g);
      }
      const inner = box.w - 28;
      const uses = usesLabel(node);
      if (uses) { // a tab on the top border, so it never hides the name
        const badge = svg("g", { class: "badge" }, g);
        const label = svg("text", { x: box.w - 14, y: 3, "text-anchor": "end" }, badge, uses);
        const b = label.getBBox();
        badge.insertBefore(svg("rect", { x: b.x - 6, y: b.y - 2, width: b.width + 12, height: b.height + 4,
          rx: 7 }), label);
      }
      fit(svg("text", { class: "name", x: 14, y: 22 }, g, node.name), inner);
      fit(svg("text", { class: "source", x: 14, y: 40 }, g, node.source), inner);
      if (node.pin) {
        const mark = node.pin.ok ? `● ${node.pin.label}` : `▲ ${node.pin.label}`;
        fit(svg("text", { class: `pin ${node.pin.ok ? "ok" : "bad"}`, x: 14, y: 58 }, g, mark), inner);
      }
      const meta = [node.task, node.group ? null : node.role].filter(Boolean).join(" · ");
      if (meta) fit(svg("text", { class: "meta", x: 14, y: node.pin ? 76 : 58 }, g, meta), inner);
      if (node.description) svg("title", {}, g, node.description);
      g.addEventListener("mouseenter", () => focus(node.name));
      g.addEventListener("mouseleave", () => focus(null));
      g.addEventListener("click", () => showDetails(node.name));
      g.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") showDetails(node.name);
      });
    }
  }

  let drawing = null;
  let drawn = [];

  function focus(name) {
    drawing.classList.toggle("focus", name !== null);
    const hot = new Set([name]);
    drawn.forEach((link, index) => {
      const on = name !== null && (link.source === name || link.target === name);
      if (on) { hot.add(link.source); hot.add(link.target); }
      for (const el of drawing.querySelectorAll(`[data-index="${index}"]`)) el.classList.toggle("hot", on);
    });
    for (const el of drawing.querySelectorAll(".node")) el.classList.toggle("hot", hot.has(el.dataset.name));
  }

  function showDetails(name) {
    selected = name;
    const node = byName.get(name);
    for (const el of drawing.querySelectorAll(".node")) el.classList.toggle("selected", el.dataset.name === name);
    const panel = document.getElementById("details");
    panel.replaceChildren();
    html("h2", {}, panel, node.name);
    html("p", { class: "kind" }, panel, node.source);
    if (node.description) html("p", {}, panel, node.description);
    const rows = [];
    if (node.pin) {
      rows.push(["revision", node.pin.revision]);
      rows.push(["pin", node.pin.ok ? node.pin.commit : `${node.pin.state}${node.pin.commit ? " " + node.pin.commit : ""}`,
        node.pin.ok ? "ok" : "bad"]);
    }
    if (node.files !== undefined) rows.push(["files", `${node.files} (${size(node.size)})`]);
    if (node.license) rows.push(["license", node.license]);
    if (node.role) rows.push(["role", node.group ? `${node.role} (group ${node.group})` : node.role]);
    if (node.task) rows.push(["task", node.task]);
    if (node.base) rows.push(["base", `${node.base} (${node.adaptation}${node.adapter ? ": " + node.adapter : ""})`]);
    if (node.trained_with) rows.push(["trained with", node.trained_with.join(", ")]);
    if (node.type === "model") rows.push(["install", node.runtime === false ? usesLabel(node) : "runtime"]);
    if (node.stage) rows.push(["stage", node.stage]);
    if (node.line) rows.push(["ptm.toml", `line ${node.line}`]);
    const list = html("dl", {}, panel);
    for (const [key, value, cls] of rows) {
      html("dt", {}, list, key);
      html("dd", cls ? { class: cls } : {}, list, value);
    }
    for (const [title, end, other] of [["Inputs", "target", "source"], ["Outputs", "source", "target"]]) {
      const links = data.links.filter((l) => l[end] === name);
      if (!links.length) continue;
      html("h3", {}, panel, title);
      const ul = html("ul", {}, panel);
      for (const link of links) html("li", {}, ul, `${link[other]}: ${link.label}`);
    }
  }

  // Arcs and their labels may reach past the laid-out area (over a node in the top lane, around one in
  // the last column): grow the drawing, lanes included, to hold them, so nothing is cut off.
  function fitDrawing() {
    const pad = 8;
    const reach = [...drawing.querySelectorAll(".links, .link-labels")].map((layer) => layer.getBBox())
      .filter((b) => b.width || b.height);
    const left = Math.min(0, ...reach.map((b) => b.x));
    const top = Math.min(0, ...reach.map((b) => b.y));
    const right = Math.max(L.width, ...reach.map((b) => b.x + b.width));
    const bottom = Math.max(L.height, ...reach.map((b) => b.y + b.height));
    const x0 = left < 0 ? left - pad : 0;
    const y0 = top < 0 ? top - pad : 0;
    const x1 = right > L.width ? right + pad : L.width;
    const y1 = bottom > L.height ? bottom + pad : L.height;
    if (x0 === 0 && y0 === 0 && x1 === L.width && y1 === L.height) return;
    drawing.setAttribute("viewBox", `${x0} ${y0} ${x1 - x0} ${y1 - y0}`);
    drawing.setAttribute("width", x1 - x0);
    drawing.setAttribute("height", y1 - y0);
    drawing.querySelectorAll(".lane-band").forEach((band, index) => {
      band.setAttribute("x", x0);
      band.setAttribute("width", x1 - x0);
      if (index === 0) { // the top lane reaches up to the new top
        band.setAttribute("y", y0);
        band.setAttribute("height", L.lanes[0].h - y0);
      }
    });
    drawing.querySelectorAll(".lane-rule").forEach((rule, index) => {
      rule.setAttribute("x1", x0);
      rule.setAttribute("x2", x1);
      if (index === 0) {
        rule.setAttribute("y1", y0);
        rule.setAttribute("y2", y0);
      }
    });
  }

  let selected = null;

  // (Re)draws the SVG from the layout, with the groups folded and the search as they are now.
  function redraw() {
    const canvas = document.getElementById("canvas");
    const boxes = visibleBoxes();
    drawn = visibleLinks();
    const fresh = svg("svg", { class: `graph${query ? " searching" : ""}`, xmlns: SVG_NS,
      viewBox: `0 0 ${L.width} ${L.height}`, width: L.width, height: L.height, role: "img",
      "aria-label": `model graph of ${data.title}` });
    if (drawing) canvas.replaceChild(fresh, drawing);
    else canvas.appendChild(fresh);
    drawing = fresh;
    drawLanes(drawing);
    drawGroups(drawing);
    drawLinks(drawing, drawn, boxes);
    drawNodes(drawing, boxes);
    fitDrawing();
    if (selected && shownAs(selected) === selected) showDetails(selected);
    const hits = data.nodes.filter(matches).length;
    document.getElementById("search-count").textContent = query ? `${hits} of ${data.nodes.length} match` : "";
    const fold = document.getElementById("fold-all");
    fold.textContent = collapsed.size === Object.keys(data.groups).length ? "Expand groups" : "Collapse groups";
  }

  function setUpTools() {
    const search = document.getElementById("search");
    search.addEventListener("input", () => {
      query = search.value.trim().toLowerCase();
      redraw();
    });
    // Enter shows the first match, unfolding its group.
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const first = data.nodes.find(matches);
      if (!first) return;
      if (first.group && collapsed.delete(first.group)) redraw();
      showDetails(first.name);
      const el = drawing.querySelector(`.node[data-name="${CSS.escape(first.name)}"]`);
      if (el && el.scrollIntoView) el.scrollIntoView({ block: "center", inline: "center" });
    });
    const fold = document.getElementById("fold-all");
    fold.hidden = Object.keys(data.groups).length === 0;
    fold.addEventListener("click", () => {
      const all = Object.keys(data.groups);
      if (collapsed.size === all.length) collapsed.clear();
      else all.forEach((group) => collapsed.add(group));
      redraw();
    });
  }

  function draw() {
    drawHeader();
    setUpTools();
    redraw();
    document.body.dataset.rendered = `${data.nodes.length} nodes, ${data.links.length} links`;
  }

  try {
    draw();
  } catch (error) {
    document.body.dataset.error = String(error);
    const box = document.createElement("p");
    box.id = "ptm-error";
    box.textContent = `Could not draw the graph: ${error}`;
    document.body.prepend(box);
  }
})();
