/*
 * casegraph explorer: a single-page app over the casegraph HTTP API (no build step, no framework).
 *
 * Views (hash routes): #/query[/<name>]  #/explore[/<term>[?depth=N]]  #/case/<iri>  #/validate
 *
 * Security rule for this file: data from the graph is only ever put on the page with textContent,
 * createElement and setAttribute (see el()); never with innerHTML and friends.  The page runs under a CSP
 * without inline scripts, eval or other origins, so every dependency is served from /static.
 */
"use strict";

(() => {
  // ---------------------------------------------------------------------------------------------- helpers
  const $ = (id) => document.getElementById(id);

  /** Create an element; attrs: class, text, dataset ({k: v}), on<Event> handlers, anything else via setAttribute. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "style") Object.assign(node.style, value); // CSSOM, not a style attribute: fine under any CSP
      else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const PREFIXES = [
    ["cgr:", "https://w3id.org/casegraph/reference/"],
    ["cg:", "https://w3id.org/casegraph/ontology#"],
    ["case:", "https://w3id.org/casegraph/case/"],
    ["submission:", "https://w3id.org/casegraph/submission/"],
    ["rdf:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"],
    ["rdfs:", "http://www.w3.org/2000/01/rdf-schema#"],
    ["xsd:", "http://www.w3.org/2001/XMLSchema#"],
  ];
  const REFERENCE = "https://w3id.org/casegraph/reference/";

  /** A short, readable form of an IRI for display (the full IRI goes in a title attribute). */
  function compact(iri) {
    for (const [prefix, ns] of PREFIXES) if (iri.startsWith(ns)) return prefix + iri.slice(ns.length);
    return iri;
  }

  /** A label as shown: an IRI standing in for a missing label (a submitted case's measurement) is shortened. */
  const display = (label) => (/^(https?|urn):/.test(label) ? compact(label) : label);

  const exploreHref = (term) => "#/explore/" + encodeURIComponent(term);
  const caseHref = (iri) => "#/case/" + encodeURIComponent(iri);
  const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

  class ApiError extends Error {
    constructor(message, status) {
      super(message);
      this.status = status;
    }
  }

  /** fetch() that returns {body, headers} and turns the server's {"error": ...} answers into ApiError. */
  async function api(path, options = {}) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (err) {
      throw new ApiError(`The casegraph server cannot be reached (${err.message}).`, 0);
    }
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json().catch(() => null) : await response.text();
    if (!response.ok) {
      const message = body && typeof body === "object" && body.error ? body.error : `${response.status} ${response.statusText}`;
      throw new ApiError(message, response.status);
    }
    return { body, headers: response.headers };
  }

  function showMessage(text, kind = "error") {
    $("message-text").textContent = text;
    $("message").className = `message message-${kind}`;
    $("message").hidden = false;
  }
  const clearMessage = () => { $("message").hidden = true; };

  /** Report an API failure in the message box; anything else is a bug and goes to the console too. */
  function fail(err) {
    if (!(err instanceof ApiError)) console.error(err);
    showMessage(err.message || String(err));
  }

  function download(filename, type, text) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const link = el("a", { href: url, download: filename, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // ------------------------------------------------------------------------------------------------ router
  const views = ["query", "explore", "case", "validate"];

  function parseHash() {
    const hash = location.hash.replace(/^#\/?/, "");
    const [pathPart, queryPart = ""] = hash.split("?");
    const [view, ...rest] = pathPart.split("/");
    return { view: views.includes(view) ? view : "query", arg: rest.length ? decodeURIComponent(rest.join("/")) : "",
             params: new URLSearchParams(queryPart) };
  }

  function showView(name) {
    for (const section of document.querySelectorAll(".view")) section.hidden = section.dataset.view !== name;
    const navRoute = name === "case" ? "explore" : name;
    for (const link of document.querySelectorAll(".nav a")) {
      if (link.dataset.route === navRoute) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  async function route() {
    clearMessage();
    const { view, arg, params } = parseHash();
    showView(view);
    try {
      if (view === "query") await QueryView.show(arg);
      else if (view === "explore") await ExploreView.show(arg, Number(params.get("depth")) || undefined);
      else if (view === "case") await CaseView.show(arg);
      else ValidateView.show();
    } catch (err) {
      fail(err);
    }
  }

  // --------------------------------------------------------------------------------- results table (query)
  const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

  const Results = {
    vars: [], rows: [], sortVar: null, descending: false, name: "results",

    /** Show a result: {vars, rows (SPARQL JSON bindings), truncated, limit, elapsed, name}. */
    show(result) {
      Object.assign(this, { vars: result.vars, rows: result.rows.slice(), sortVar: null, descending: false,
                            name: result.name || "results" });
      const count = result.rows.length;
      const parts = [`${count} row${count === 1 ? "" : "s"}`];
      if (typeof result.elapsed === "number") parts.push(`${result.elapsed.toFixed(result.elapsed < 10 ? 1 : 0)} ms`);
      $("result-meta").textContent = parts.join(" · ");
      const banner = $("truncated-banner");
      banner.hidden = !result.truncated;
      banner.textContent = result.truncated
        ? `Truncated: the server returned only the first ${result.limit || count} rows. Narrow the query (filters, a LIMIT) to see everything.`
        : "";
      $("results").hidden = false;
      this.render();
    },

    numericColumn(name) {
      const values = this.rows.map((r) => r[name]).filter((t) => t && t.value !== "");
      return values.length > 0 && values.every((t) => t.type === "literal" && NUMBER.test(t.value.trim()));
    },

    sortBy(name) {
      this.descending = this.sortVar === name ? !this.descending : false;
      this.sortVar = name;
      const numeric = this.numericColumn(name);
      const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
      const sign = this.descending ? -1 : 1;
      this.rows.sort((a, b) => {
        const x = a[name], y = b[name];
        if (!x || !y) return (!x) - (!y); // unbound cells last, whatever the direction
        return sign * (numeric ? Number(x.value) - Number(y.value) : collator.compare(x.value, y.value));
      });
      this.render();
    },

    cell(term) {
      if (!term) return el("td", { class: "empty" });
      if (term.type === "uri") {
        const link = el("a", { href: exploreHref(term.value), title: term.value, text: compact(term.value) });
        return el("td", { class: "iri" }, link);
      }
      const numeric = term.type === "literal" && NUMBER.test(term.value.trim()) && term.datatype;
      const long = !numeric && term.value.length > 40; // room for labels and quotes, not for every IRI
      return el("td", { class: numeric ? "num" : long ? "long" : null, title: term.datatype ? compact(term.datatype) : null },
                term.type === "bnode" ? `_:${term.value}` : term.value);
    },

    render() {
      const table = $("results-table");
      const headRow = el("tr");
      for (const name of this.vars) {
        const sorted = this.sortVar === name;
        const button = el("button", { type: "button", class: "sort", dataset: { var: name },
                                      onclick: () => this.sortBy(name) },
                          name, el("span", { class: "arrow", "aria-hidden": "true", text: sorted ? (this.descending ? "▼" : "▲") : "↕" }));
        headRow.append(el("th", { scope: "col", "aria-sort": sorted ? (this.descending ? "descending" : "ascending") : "none" }, button));
      }
      table.tHead.replaceChildren(headRow);
      const body = el("tbody");
      for (const row of this.rows) body.append(el("tr", {}, this.vars.map((name) => this.cell(row[name]))));
      if (!this.rows.length) body.append(el("tr", {}, el("td", { colspan: Math.max(1, this.vars.length), class: "empty-result", text: "No rows." })));
      table.tBodies[0].replaceWith(body);
    },

    /** SPARQL 1.1 CSV results of the rows as shown (current sort order). */
    csv() {
      const quote = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      const lines = [this.vars.map(quote).join(",")];
      for (const row of this.rows) lines.push(this.vars.map((n) => quote(row[n] ? row[n].value : "")).join(","));
      return lines.join("\r\n") + "\r\n";
    },

    json() {
      return JSON.stringify({ head: { vars: this.vars }, results: { bindings: this.rows } }, null, 2);
    },
  };

  // ------------------------------------------------------------------------------------------- query view
  const QueryView = {
    catalogue: null, current: null,

    async load() {
      if (!this.catalogue) {
        this.catalogue = api("/api/queries").then(({ body }) => body).catch((err) => { this.catalogue = null; throw err; });
      }
      return this.catalogue;
    },

    async show(name) {
      const queries = await this.load();
      this.renderList(queries, name);
      if (!name) {
        if (!this.current) return;
        name = this.current.name;
      }
      const query = queries.find((q) => q.name === name);
      if (!query) throw new ApiError(`There is no stored query named “${name}”.`, 404);
      if (!this.current || this.current.name !== query.name) this.select(query);
    },

    renderList(queries, selected) {
      const filter = $("query-filter").value.trim().toLowerCase();
      const items = queries
        .filter((q) => !filter || `${q.name} ${q.summary} ${(q.tags || []).join(" ")}`.toLowerCase().includes(filter))
        .map((q) => el("li", {},
          el("a", { href: `#/query/${encodeURIComponent(q.name)}`, class: "query-item", dataset: { testid: `query-item-${q.name}`, name: q.name },
                    "aria-current": q.name === (selected || (this.current && this.current.name)) ? "true" : null },
            el("span", { class: "query-name", text: q.name }),
            el("span", { class: "query-summary", text: q.summary }))));
      $("query-list").replaceChildren(...items);
    },

    select(query) {
      this.current = query;
      $("query-title").textContent = `${query.name}`;
      $("query-description").replaceChildren(el("strong", { text: query.summary }), document.createTextNode(query.description ? ` — ${query.description}` : ""));
      const fields = query.parameters.map((p) => this.field(p));
      $("query-param-fields").replaceChildren(...fields);
      $("query-params").hidden = fields.length === 0;
      $("query-text").value = query.text;
      $("query-form").hidden = false;
      $("results").hidden = true;
      $("query-status").textContent = "";
      this.markEdited();
    },

    field(p) {
      const id = `param-${p.name}`;
      let input;
      if (p.enum && p.enum.length) {
        input = el("select", { id, name: p.name },
                   p.required ? null : el("option", { value: "", text: "(any)" }),
                   p.enum.map((v) => el("option", { value: v, text: v, selected: v === p.default })));
      } else {
        input = el("input", { id, name: p.name, type: p.type === "integer" ? "number" : "text", value: p.default ?? "",
                              placeholder: p.type === "iri" ? "label, synonym, CURIE or IRI" : p.type, required: p.required,
                              autocomplete: "off", dataset: { testid: id } });
      }
      return el("div", { class: "param" },
        el("label", { for: id }, el("span", { class: "param-name", text: p.name }),
           p.required ? el("span", { class: "required", title: "required", text: " *" }) : null,
           el("span", { class: "param-type", text: ` ${p.type}` })),
        input,
        p.description ? el("small", { class: "hint", text: p.description }) : null);
    },

    edited() {
      return this.current && $("query-text").value !== this.current.text;
    },

    markEdited() {
      const edited = this.edited();
      $("query-edited").hidden = !edited;
      $("query-reset").hidden = !edited;
      $("query-params").disabled = edited;
    },

    async run(event) {
      event.preventDefault();
      if (!this.current) return;
      clearMessage();
      const button = $("run-query");
      button.disabled = true;
      $("query-status").textContent = "Running…";
      try {
        const result = this.edited() ? await this.runText($("query-text").value) : await this.runStored();
        Results.show(result);
        $("query-status").textContent = "";
      } catch (err) {
        $("query-status").textContent = "";
        fail(err);
      } finally {
        button.disabled = false;
      }
    },

    async runStored() {
      const params = new URLSearchParams();
      for (const field of $("query-param-fields").querySelectorAll("input, select")) {
        if (field.value.trim()) params.set(field.name, field.value.trim());
      }
      const { body } = await api(`/api/queries/${encodeURIComponent(this.current.name)}?${params}`,
                                 { headers: { Accept: "application/json" } });
      return { vars: body.variables, rows: body.rows, truncated: body.truncated, limit: body.limit,
               elapsed: body.elapsed_ms, name: this.current.name };
    },

    async runText(text) {
      const started = performance.now();
      const { body, headers } = await api("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" },
        body: text,
      });
      const elapsed = performance.now() - started;
      if (!body || typeof body !== "object" || !body.head) {
        throw new ApiError("Only SELECT and ASK results can be shown as a table.", 200);
      }
      if (typeof body.boolean === "boolean") {
        return { vars: ["result"], rows: [{ result: { type: "literal", value: String(body.boolean) } }], elapsed, name: this.current.name };
      }
      const links = body.head.link || [];
      const flagged = links.find((l) => l.startsWith("urn:casegraph:truncated"));
      const truncated = headers.get("X-Casegraph-Truncated") === "true" || Boolean(flagged);
      const limit = Number(headers.get("X-Casegraph-Result-Limit")) || Number((flagged || "").split("limit=")[1]) || undefined;
      return { vars: body.head.vars || [], rows: body.results.bindings, truncated, limit, elapsed, name: `${this.current.name}-edited` };
    },

    init() {
      $("query-form").addEventListener("submit", (e) => this.run(e));
      $("query-text").addEventListener("input", () => this.markEdited());
      $("query-text").addEventListener("keydown", (e) => {
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) $("query-form").requestSubmit();
      });
      $("query-reset").addEventListener("click", () => { $("query-text").value = this.current.text; this.markEdited(); });
      $("query-filter").addEventListener("input", () => this.load().then((q) => this.renderList(q)).catch(fail));
      $("download-csv").addEventListener("click", () => download(`${Results.name}.csv`, "text/csv;charset=utf-8", Results.csv()));
      $("download-json").addEventListener("click", () => download(`${Results.name}.json`, "application/sparql-results+json", Results.json()));
    },
  };

  // -------------------------------------------------------------------------------------------- the graph
  const KIND_COLOURS = {
    drug: "#2563eb", "drug class": "#60a5fa", target: "#7c3aed", mechanism: "#059669", pathway: "#059669",
    disease: "#dc2626", phenotype: "#ea580c", case: "#0e7490", report: "#475569", claim: "#b45309",
    outcome: "#16a34a", score: "#64748b", "cell type": "#db2777", section: "#e2e8f0", other: "#94a3b8",
  };
  /** Link colours in the network: a report's claim (dashed) and a structural fact (solid). */
  const LINK_COLOURS = { claim: "#c2410c", structural: "#475569" };
  /** The kind of a section's items, for colours and for what a click does. */
  const SECTION_KINDS = {
    targets: "target", mechanisms: "mechanism", "mechanisms named in claims": "mechanism", "has part": "mechanism",
    "part of": "mechanism", "approved indications": "disease", diseases: "disease", "diseases named in claims": "disease",
    conditions: "disease", findings: "phenotype", "adverse events": "phenotype", drugs: "drug", "approved drugs": "drug",
    "drugs given": "drug", treatments: "drug", "drug class": "drug class", cases: "case", claims: "claim",
    outcomes: "outcome", scores: "score", "score changes": "case", report: "report",
  };
  const GRAPH_SECTION_LIMIT = 8;
  const MAX_DEPTH = 3;
  /** The centre's links carry their relation as a label when there are at most this many; others on hover. */
  const CENTRE_LABEL_LIMIT = 14;
  /** Network labels are cut to this many characters: along a radius, and level (the whole name is on hover). */
  const RADIAL_LABEL = 22, LEVEL_LABEL = 30;

  const colour = (kind) => KIND_COLOURS[kind] || KIND_COLOURS.other;
  const short = (text, n = 38) => (text.length > n ? text.slice(0, n - 1) + "…" : text);
  /** The parts of a value the server joined (documents "; ", quotes " | ", case IRIs " "), empty parts dropped. */
  const splitJoined = (value, sep) => String(value || "").split(sep).map((p) => p.trim()).filter(Boolean);

  /**
   * A radial tree: the centre in the middle, the entities one hop away on the first ring, two hops on the second…
   * Each entity gets a sector of its ring in proportion to the entities it leads to on the rings beyond, so an
   * entity's neighbours further out sit just beyond it.  Returns {id: {x, y, angle, ring, radial}}, radial when
   * the entity's ring is crowded enough to need its labels along the radius.
   */
  function radialLayout(centre, ids, edges, sortKey, labelOf) {
    const adjacent = new Map(ids.map((id) => [id, new Set()]));
    for (const e of edges) {
      adjacent.get(e.source).add(e.target);
      adjacent.get(e.target).add(e.source);
    }
    const order = (a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0);
    const ring = new Map([[centre, 0]]);
    const children = new Map(ids.map((id) => [id, []]));
    const rings = [[centre]];
    for (;;) { // breadth first, links followed either way; each entity hangs under the first that reaches it
      const next = [];
      for (const a of rings[rings.length - 1]) {
        for (const b of [...adjacent.get(a)].sort(order)) {
          if (ring.has(b)) continue;
          ring.set(b, rings.length);
          children.get(a).push(b);
          next.push(b);
        }
      }
      if (!next.length) break;
      rings.push(next);
    }
    const stray = ids.filter((id) => !ring.has(id)).sort(order); // not linked to the centre: an outer ring of their own
    if (stray.length) {
      for (const id of stray) { ring.set(id, rings.length); children.get(centre).push(id); }
      rings.push(stray);
    }
    const weight = new Map();
    const weigh = (id) => {
      const w = Math.max(1, children.get(id).reduce((sum, c) => sum + weigh(c), 0));
      weight.set(id, w);
      return w;
    };
    weigh(centre);
    // the first ring's entities get at least a fair part of the circle, so that few-linked ones are not crowded
    const firstRing = children.get(centre), least = weight.get(centre) / Math.max(1, 2 * firstRing.length);
    for (const id of firstRing) weight.set(id, Math.max(weight.get(id), least));
    weight.set(centre, firstRing.reduce((sum, id) => sum + weight.get(id), 0) || 1);
    const angle = new Map([[centre, 0]]);
    const place = (id, from, span) => { // the sector [from, from + span) is id's; its children share it by weight
      const used = children.get(id).reduce((sum, c) => sum + weight.get(c), 0);
      let at = from + span * (1 - used / weight.get(id)) / 2; // centred in the sector when they fill only part of it
      for (const c of children.get(id)) {
        const share = span * weight.get(c) / weight.get(id);
        angle.set(c, at + share / 2);
        place(c, at, share);
        at += share;
      }
    };
    place(centre, 0, 2 * Math.PI);
    // turn the picture so that the widest gap of the first ring is below the centre, where its label is
    const first = firstRing.map((id) => angle.get(id)).sort((a, b) => a - b);
    let turn = Math.PI / 2 - (first.length ? first[0] + Math.PI : 0);
    for (let i = 0, widest = 0; i < first.length; i++) {
      const next = i + 1 < first.length ? first[i + 1] : first[0] + 2 * Math.PI;
      if (next - first[i] > widest) { widest = next - first[i]; turn = Math.PI / 2 - (first[i] + next) / 2; }
    }
    for (const [id, a] of angle) angle.set(id, a + turn);
    // a crowded ring has its labels along the radius (and the next ring further out, past them); a sparse one has
    // them level, unless two of those would overlap
    const radial = rings.map((members, k) => k > 0 && members.length > 8);
    const minGap = rings.map((members) => {
      const angles = members.map((id) => angle.get(id)).sort((a, b) => a - b);
      let gap = 2 * Math.PI;
      for (let i = 0; i + 1 < angles.length; i++) gap = Math.min(gap, angles[i + 1] - angles[i]);
      if (angles.length > 1) gap = Math.min(gap, angles[0] + 2 * Math.PI - angles[angles.length - 1]);
      return gap;
    });
    const radii = () => {
      const radius = [0];
      for (let k = 1; k < rings.length; k++) {
        const spacing = radial[k] ? 19 : 44; // a radial label needs a line of text; a level one more
        const step = k === 1 ? 120 : radial[k - 1] ? 210 : 130;
        radius.push(Math.max(radius[k - 1] + step, spacing / minGap[k]));
      }
      return radius;
    };
    const at = (id, radius) => { // rings a little flattened: the picture is wider than high
      const k = ring.get(id);
      return { x: Math.cos(angle.get(id)) * radius[k], y: Math.sin(angle.get(id)) * radius[k] * 0.85 };
    };
    let radius = radii();
    for (let k = 1; k < rings.length; k++) {
      if (radial[k]) continue;
      const boxes = rings[k].map((id) => { // a level label: centred above (upper half) or below the node
        const { x, y } = at(id, radius), width = Math.min(labelOf(id).length, LEVEL_LABEL) * 7.6;
        return { left: x - width / 2, right: x + width / 2, top: y < 0 ? y - 30 : y + 8, bottom: y < 0 ? y - 8 : y + 30 };
      });
      const overlap = boxes.some((a, i) => boxes.some((b, j) => j > i && a.left < b.right && b.left < a.right &&
                                                                  a.top < b.bottom && b.top < a.bottom));
      if (overlap) { radial[k] = true; radius = radii(); }
    }
    const positions = {};
    for (const [id, k] of ring) {
      const { x, y } = at(id, radius);
      positions[id] = { x, y, angle: Math.atan2(y, x), ring: k, radial: radial[k] };
    }
    return positions;
  }

  /**
   * Where a network node's label goes: on a crowded ring along the radius, outwards; on a sparse one level, above
   * the node in the upper half and below it in the lower (beside it, it would run into the next ring).
   */
  function labelPlacement(pos) {
    const c = Math.cos(pos.angle), s = Math.sin(pos.angle), right = c >= -1e-9, GAP = 11;
    if (!pos.radial) return { halign: "center", valign: s < 0 ? "top" : "bottom", mx: 0, my: s < 0 ? -2 : 2, rot: 0 };
    // the anchor is the label's near end, GAP beyond the node on its radius; the text runs outwards from there
    return { halign: right ? "right" : "left", valign: "center", mx: c * GAP + (right ? -7 : 7), my: s * GAP,
             rot: right ? pos.angle : pos.angle - Math.PI };
  }

  const Graph = {
    cy: null,
    network: null, // depth ≥ 2: {nodes: Map id → server node, edges: [server edge], centre}

    /**
     * Centre + one box per section, laid out as a mind map: the boxes stacked in two columns left and right of
     * the centre (structural facts first, then case facts, then claims), each joined to the centre by an edge
     * labelled with the section.  At most GRAPH_SECTION_LIMIT items per box; the lists below have them all.
     */
    fromSections(data) {
      const ROW = 24, HEAD = 14, GAP = 44, INNER = 190, WIDTH = 230;
      const centre = data.entity;
      const nodes = [{ data: { id: centre.iri, label: short(centre.label, 40), full: centre.label, kind: centre.kind, iri: centre.iri },
                       position: { x: 0, y: 0 }, classes: "centre" }];
      const edges = [];
      const columns = [{ x: -INNER - WIDTH, height: 0, boxes: [] }, { x: INNER, height: 0, boxes: [] }];
      const groupRank = { "structural facts": 0, "case facts": 1, claims: 2 };
      const sections = Object.entries(data.sections)
        .filter(([name]) => name !== "score changes") // the same cases again, one per scale
        .sort(([, a], [, b]) => (groupRank[a.group] ?? 0) - (groupRank[b.group] ?? 0));
      for (const [name, section] of sections) {
        const unique = [...new Map(section.items.filter((i) => i.iri !== centre.iri).map((i) => [i.iri, i])).values()];
        const shown = unique.slice(0, GRAPH_SECTION_LIMIT);
        const rows = shown.length + (unique.length > shown.length ? 1 : 0);
        if (!rows) continue;
        const column = columns[0].height <= columns[1].height ? columns[0] : columns[1];
        column.boxes.push({ name, section, shown, more: unique.length - shown.length, top: column.height });
        column.height += HEAD + rows * ROW + GAP;
      }
      for (const column of columns) {
        const offset = -(column.height - GAP) / 2;
        for (const box of column.boxes) {
          const group = `section:${box.name}`;
          nodes.push({ data: { id: group, label: `${box.name} (${box.section.count})`, kind: "section", section: box.name }, classes: "group" });
          edges.push({ data: { id: `edge:${box.name}`, source: centre.iri, target: group, label: box.name } });
          box.shown.forEach((item, row) => nodes.push({
            data: { id: `${box.name}|${item.iri}`, parent: group, label: short(display(item.label)), full: item.label,
                    kind: SECTION_KINDS[box.name] || "other", iri: item.iri, section: box.name },
            position: { x: column.x, y: offset + box.top + HEAD + row * ROW } }));
          if (box.more > 0) {
            nodes.push({ data: { id: `${box.name}|more`, parent: group, label: `+${box.more} more in the list below`, kind: "other",
                                 section: box.name }, classes: "more",
                         position: { x: column.x, y: offset + box.top + HEAD + box.shown.length * ROW } });
          }
        }
      }
      return [...nodes, ...edges];
    },

    /**
     * The network within N hops (depth ≥ 2) as the server sent it: nodes {id, label, kind, short}, edges {source,
     * target (node ids), relation, kind "claim"|"structural", documents, evidence, quote…}.  Null without usable edges.
     */
    fromNetwork(data) {
      const net = data.network;
      if (!net || !Array.isArray(net.nodes) || !Array.isArray(net.edges)) return null;
      const nodes = new Map(net.nodes.filter((n) => n && typeof n.id === "string").map((n) => [n.id, n]));
      const centre = data.entity.iri;
      const edges = net.edges.filter((e) => e && nodes.has(e.source) && nodes.has(e.target));
      if (!edges.length || !nodes.has(centre)) return null;
      const kindOf = (id) => nodes.get(id).kind || nodes.get(id).type || "other";
      const labelOf = (id) => nodes.get(id).label || compact(id);
      const shownLabel = (id) => display(nodes.get(id).short || labelOf(id));
      const positions = radialLayout(centre, [...nodes.keys()], edges, (id) => `${kindOf(id)}\u0000${labelOf(id).toLowerCase()}`,
                                     shownLabel);
      const centreLinks = edges.filter((e) => e.source === centre || e.target === centre).length;
      this.network = { nodes, edges, centre };
      const elements = [...nodes.values()].map((n) => {
        const pos = positions[n.id];
        return {
          data: { id: n.id, iri: n.id, label: short(shownLabel(n.id), pos.radial ? RADIAL_LABEL : LEVEL_LABEL), full: labelOf(n.id),
                  kind: kindOf(n.id), hop: pos.ring, ...labelPlacement(pos) },
          position: { x: pos.x, y: pos.y },
          classes: n.id === centre ? "net centre" : "net",
        };
      });
      edges.forEach((e, i) => {
        const kind = e.kind === "claim" ? "claim" : "structural";
        const labelled = centreLinks <= CENTRE_LABEL_LIMIT && (e.source === centre || e.target === centre);
        elements.push({
          data: { id: `e${i}`, index: i, source: e.source, target: e.target, relation: e.relation || "", label: e.relation || "",
                  kind, evidence: e.evidence || "" },
          classes: `net ${kind}${labelled ? " labelled" : ""}`,
        });
      });
      return elements;
    },

    style() {
      return [
        { selector: "node", style: {
          "background-color": (n) => colour(n.data("kind")), label: "data(label)", "font-size": 12, color: "#1e293b",
          "text-valign": "center", "text-halign": "right", "text-margin-x": 6, width: 14, height: 14,
          "font-family": "system-ui, sans-serif" } },
        { selector: "node.net", style: {
          "text-halign": (n) => n.data("halign"), "text-valign": (n) => n.data("valign"), "text-margin-x": (n) => n.data("mx"), "text-margin-y": (n) => n.data("my"),
          "text-rotation": (n) => n.data("rot"), "font-size": 14, "border-width": 1.5, "border-color": "#ffffff",
          "text-background-color": "#ffffff", "text-background-opacity": 0.75, "text-background-padding": 1,
          "min-zoomed-font-size": 5 } },
        { selector: "node.centre", style: {
          width: 40, height: 40, "font-size": 15, "font-weight": "bold", "border-width": 3, "border-color": "#0f172a",
          "text-valign": "bottom", "text-halign": "center", "text-margin-x": 0, "text-margin-y": 6, "text-rotation": 0,
          "text-background-color": "#ffffff", "text-background-opacity": 0.9, "text-background-padding": 3 } },
        { selector: "node.group", style: {
          "background-color": "#f8fafc", "background-opacity": 1, "border-color": "#cbd5e1", "border-width": 1, shape: "round-rectangle",
          "text-valign": "top", "text-halign": "center", "text-margin-x": 0, "text-margin-y": -3, "font-size": 12, "font-weight": "bold",
          color: "#334155", padding: 8, "compound-sizing-wrt-labels": "include" } },
        { selector: "node.more", style: { shape: "ellipse", width: 6, height: 6, "background-color": "#cbd5e1", color: "#64748b",
                                          "font-style": "italic" } },
        { selector: "edge", style: {
          width: 1.5, "line-color": "#94a3b8", "target-arrow-color": "#94a3b8", "target-arrow-shape": "triangle", "curve-style": "bezier",
          label: "data(label)", "font-size": 11, color: "#475569", "text-rotation": "autorotate", "text-background-color": "#ffffff",
          "text-background-opacity": 0.9, "text-background-padding": 2 } },
        { selector: "edge.claim", style: { "line-style": "dashed" } },
        { selector: "edge.net", style: {
          label: "", width: 1.2, opacity: 0.45, "arrow-scale": 0.8, "line-color": LINK_COLOURS.structural,
          "target-arrow-color": LINK_COLOURS.structural, "control-point-step-size": 22 } },
        { selector: "edge.net.claim", style: {
          "line-style": "dashed", "line-dash-pattern": [6, 3], "line-color": LINK_COLOURS.claim, "target-arrow-color": LINK_COLOURS.claim } },
        { selector: "edge.net.labelled", style: { label: "data(label)", opacity: 0.9, width: 1.6, color: "#334155" } },
        { selector: "edge.net.focus", style: { label: "data(label)", width: 2.2, opacity: 1, color: "#0f172a", "z-index": 9 } },
        { selector: "edge.net:selected", style: {
          label: "data(label)", width: 3.5, opacity: 1, "line-color": "#0e7490", "target-arrow-color": "#0e7490", color: "#0f172a",
          "font-weight": "bold", "z-index": 10 } },
        { selector: ".faded", style: { opacity: 0.16 } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#f59e0b" } },
      ];
    },

    render(container, data, onNode) {
      if (this.cy) this.cy.destroy();
      this.cy = null;
      this.network = null;
      const body = container.parentElement, details = $("graph-details");
      if (typeof window.cytoscape !== "function") {
        body.classList.remove("with-details");
        details.hidden = true;
        container.replaceChildren(el("p", { class: "muted", text: "The graph library did not load." }));
        return;
      }
      container.replaceChildren();
      const network = data.depth > 1 ? this.fromNetwork(data) : null;
      const elements = network || this.fromSections(data);
      body.classList.toggle("with-details", Boolean(network)); // before cytoscape reads the container's size
      details.hidden = !network;
      this.cy = window.cytoscape({
        container, elements, style: this.style(), minZoom: 0.2, maxZoom: 3, layout: { name: "preset", padding: network ? 16 : 24 },
      });
      const shown = elements.filter((e) => e.data.iri && !e.data.source);
      container.setAttribute("aria-label", `Network of ${data.entity.label}: ${shown.length} entities` +
        (network ? ` within ${data.depth} hops, ${elements.length - shown.length} links` : ` in ${new Set(shown.map((e) => e.data.section).filter(Boolean)).size} sections`) +
        "; the same links are listed below.");
      container.dataset.nodes = String(shown.length);
      const kinds = elements.filter((e) => e.data.kind && !e.data.source && e.classes !== "more").map((e) => e.data.kind);
      if (!network) {
        $("graph-hover").textContent = "Click a node to explore it; click a case to open it.";
        this.cy.on("tap", "node", (event) => onNode(event.target.data()));
        this.cy.on("mouseover", "node", (event) => {
          const d = event.target.data();
          $("graph-hover").textContent = d.full ? `${d.full} (${d.kind})` : d.label;
        });
        legend(kinds, false);
        return;
      }
      $("graph-hover").textContent = "Click a link or an entity for what the reports say; double-click an entity to explore it.";
      const cy = this.cy;
      cy.on("tap", "node", (event) => this.showNode(event.target.id(), data.depth));
      cy.on("dbltap", "node", (event) => onNode(event.target.data()));
      cy.on("tap", "edge", (event) => this.showEdge(event.target.data("index"), data.depth));
      cy.on("tap", (event) => { if (event.target === cy) { cy.elements().unselect(); this.showNode(this.network.centre, data.depth, false); } });
      cy.on("mouseover", "node", (event) => {
        const d = event.target.data();
        $("graph-hover").textContent = `${d.full} (${d.kind}): ${event.target.connectedEdges().length} links`;
        this.highlight(event.target.closedNeighborhood());
      });
      cy.on("mouseover", "edge", (event) => {
        $("graph-hover").textContent = this.edgeText(this.network.edges[event.target.data("index")]);
        this.highlight(event.target.union(event.target.connectedNodes()));
      });
      cy.on("mouseout", "node, edge", () => this.highlight(null));
      cy.on("select unselect", () => this.highlight(null));
      legend(kinds, true);
      this.showNode(this.network.centre, data.depth, false);
    },

    /** Fade all but ``focus`` (hovered); with nothing hovered, all but the selected element and its ends. */
    highlight(focus) {
      const cy = this.cy;
      if (!cy) return;
      let keep = focus;
      if (!keep) {
        const selected = cy.$(":selected");
        keep = selected.nonempty() ? (selected.isEdge() ? selected.union(selected.connectedNodes()) : selected.closedNeighborhood()) : null;
      }
      cy.batch(() => {
        cy.elements().removeClass("faded focus");
        if (keep) cy.elements().not(keep).addClass("faded");
        if (keep) keep.edges().addClass("focus");
      });
    },

    label(id) {
      const node = this.network.nodes.get(id);
      return node ? node.label || compact(id) : compact(id);
    },

    edgeText(e) {
      const what = e.kind === "claim" ? `claim${e.evidence ? `, ${e.evidence}` : ""}` : "structural fact";
      return `${this.label(e.source)} — ${e.relation} → ${this.label(e.target)} (${what})`;
    },

    /** Select an element in the picture as the details panel's own buttons do. */
    select(id) {
      const target = this.cy.getElementById(id);
      this.cy.elements().unselect();
      target.select();
      return target;
    },

    entityLink(id, depth) {
      const node = this.network.nodes.get(id);
      const kind = node ? node.kind || node.type : "other";
      const href = kind === "case" ? caseHref(id) : itemHref(id, kind);
      const text = this.label(id);
      const dot = el("span", { class: "dot", "aria-hidden": "true", style: { backgroundColor: colour(kind) } });
      const name = href ? el("a", { href: kind === "case" ? href : `${href}?depth=${depth}`, title: id, text })
                        : el("span", { title: id, text });
      return el("span", { class: "entity-ref" }, dot, name);
    },

    /** What a link says and where it is from: documents, evidence, quotes, cited works, cases, outcomes. */
    provenance(e) {
      const quotes = splitJoined(e.quote, " | ");
      const documents = splitJoined(e.documents, "; ");
      const cited = splitJoined(e.cited, "; ");
      const outcomes = splitJoined(e.outcomes, " | ");
      const cases = splitJoined(e.cases, " ");
      return [
        e.claim_label ? el("p", { class: "detail-claim", text: e.claim_label }) : null,
        e.detail ? el("p", { class: "item-detail", text: e.detail }) : null,
        e.condition ? el("p", { class: "item-detail" }, "Condition: ", el("strong", { text: e.condition })) : null,
        quotes.map((q) => el("blockquote", { class: "quote", text: `“${q}”` })),
        documents.length
          ? el("p", { class: "sources", dataset: { testid: "detail-documents" } }, documents.length > 1 ? "Stated in: " : "Source: ",
               documents.map((d, i) => [i ? "; " : "", el("cite", { text: display(d) })]))
          : el("p", { class: "sources", text: "Reference data (no report)." }),
        cited.length ? el("p", { class: "sources" }, "Cites: ", cited.map((c, i) => [i ? "; " : "", el("cite", { text: c })])) : null,
        cases.length ? el("p", { class: "sources" }, "About: ",
                          cases.map((c, i) => [i ? ", " : "", el("a", { href: caseHref(c), text: this.network.nodes.has(c) ? this.label(c) : compact(c) })]))
                     : null,
        outcomes.length ? el("ul", { class: "detail-outcomes" }, outcomes.map((o) => el("li", { text: o }))) : null,
      ];
    },

    kindBadges(e) {
      return [
        el("span", { class: `badge badge-link badge-${e.kind === "claim" ? "claim" : "structural"}`,
                     text: e.kind === "claim" ? "claim" : "structural fact" }),
        e.evidence ? el("span", { class: "badge badge-evidence", text: e.evidence }) : null,
      ];
    },

    showEdge(index, depth) {
      const e = this.network.edges[index];
      if (!e) return;
      details(
        el("p", { class: "eyebrow", text: "Link" }),
        el("h4", { class: "detail-title", dataset: { testid: "detail-title" } },
          this.entityLink(e.source, depth), el("span", { class: "relation", text: e.relation }), this.entityLink(e.target, depth)),
        el("p", { class: "detail-badges" }, this.kindBadges(e)),
        this.provenance(e),
        el("p", { class: "detail-back" }, el("button", { type: "button", class: "link-button",
          onclick: () => { this.select(this.network.centre); this.showNode(this.network.centre, depth, false); },
          text: `← all links of ${this.label(this.network.centre)}` })));
    },

    showNode(id, depth, chosen = true) {
      const node = this.network.nodes.get(id);
      if (!node) return;
      const kind = node.kind || node.type || "other";
      const links = this.network.edges.map((e, i) => ({ e, i })).filter(({ e }) => e.source === id || e.target === id)
        .sort((a, b) => (a.e.kind === "claim") - (b.e.kind === "claim") || (b.e.evidence_rank || 0) - (a.e.evidence_rank || 0) ||
                        a.e.relation.localeCompare(b.e.relation) || a.i - b.i);
      const href = kind === "case" ? caseHref(id) : itemHref(id, kind);
      const centre = id === this.network.centre;
      details(
        el("p", { class: "eyebrow" }, el("span", { class: "dot", "aria-hidden": "true", style: { backgroundColor: colour(kind) } }),
           ` ${kind}${centre ? " · centre" : ""}`),
        el("h4", { class: "detail-title", dataset: { testid: "detail-title" }, text: this.label(id) }),
        el("p", { class: "muted iri", title: id, text: compact(id) }),
        !centre && href ? el("p", {}, el("a", { href: kind === "case" ? href : `${href}?depth=${depth}`,
                                                 text: kind === "case" ? "Open the case page" : `Explore ${this.label(id)}` })) : null,
        centre && !chosen ? el("p", { class: "muted detail-hint", text: "Click a link or an entity in the picture for what the reports say about it." }) : null,
        el("h5", { class: "detail-subhead", text: `${links.length} link${links.length === 1 ? "" : "s"} in this picture` }),
        el("ul", { class: "detail-links" }, links.map(({ e, i }) => {
          const out = e.source === id;
          return el("li", { class: `detail-link detail-link-${e.kind === "claim" ? "claim" : "structural"}`, dataset: { testid: "detail-link" } },
            el("div", { class: "detail-link-head" },
              el("button", { type: "button", class: "link-button relation", title: "Show this link in the picture",
                             onclick: () => { this.select(`e${i}`); this.showEdge(i, depth); } },
                 out ? `${e.relation} →` : `← ${e.relation}`),
              this.entityLink(out ? e.target : e.source, depth)),
            el("p", { class: "detail-badges" }, this.kindBadges(e)),
            this.provenance(e));
        })));
    },
  };

  /** Show ``children`` (elements, text, arrays, nulls: as el() takes them) in the network's details panel. */
  function details(...children) {
    const panel = $("graph-details");
    panel.replaceChildren(el("div", { class: "detail" }, ...children));
    panel.scrollTop = 0;
  }

  function legend(kinds, links) {
    const unique = [...new Set(kinds)].filter((k) => k !== "section");
    $("graph-legend").replaceChildren(...unique.map((kind) => {
      return el("li", {}, el("span", { class: "swatch", "aria-hidden": "true", style: { backgroundColor: colour(kind) } }), kind);
    }), ...(links ? [["structural", "structural fact"], ["claim", "claim (a report's assertion)"]].map(([kind, text]) =>
      el("li", { class: "legend-link" }, el("span", { class: `line-swatch line-${kind}`, "aria-hidden": "true" }), text)) : []));
  }

  // ------------------------------------------------------------------------------------------ score charts
  const charts = [];

  function clearCharts() {
    while (charts.length) charts.pop().destroy();
  }

  /** "Case 1: 1 month after starting dupilumab" -> "1 month after starting dupilumab" when the case is Case 1. */
  function whenLabel(when, caseLabel) {
    const cut = when.indexOf(": ");
    return cut > 0 && caseLabel.startsWith(when.slice(0, cut)) ? when.slice(cut + 2) : when;
  }

  /** A time point without a label: the server's sort key is the offset in days (±1e9 for presentation / unknown). */
  function orderLabel(order, i) {
    if (typeof order !== "number" || Math.abs(order) >= 1e8) return order <= -1e8 ? "at presentation" : `time point ${i + 1}`;
    return `day ${Math.round(order)}`;
  }

  function wrap(text, width = 18) {
    const lines = [];
    let line = "";
    for (const word of text.split(/\s+/)) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
    }
    if (line) lines.push(line);
    return lines;
  }

  /** One small line chart per case and scale: x = time points in order (their labels), y = the value. */
  function renderCharts(panel, scores) {
    const holder = panel.querySelector(".charts");
    holder.replaceChildren();
    const series = (scores || []).filter((s) => s.points && s.points.length > 1); // one value is not a course over time
    panel.hidden = series.length === 0;
    for (const s of series) {
      const points = s.points.slice().sort((a, b) => a.order - b.order);
      const labels = points.map((p, i) => (p.when ? whenLabel(p.when, s.caseLabel || "") : orderLabel(p.order, i)));
      const canvas = el("canvas", { role: "img", "aria-label": `${s.scale} for ${s.caseLabel}: ` +
                                    points.map((p, i) => `${p.value} (${labels[i]})`).join(", ") });
      const sources = [...new Set(points.map((p) => p.source).filter(Boolean))];
      const card = el("figure", { class: "chart-card", dataset: { testid: "score-chart" } },
        el("figcaption", {},
          el("a", { href: caseHref(s.case), class: "chart-case", text: s.caseLabel || compact(s.case) }),
          el("span", { class: "chart-scale", text: s.scale })),
        el("div", { class: "chart-box" }, canvas),
        sources.length ? el("p", { class: "sources" }, "Source: ", sources.map((src, i) => [i ? "; " : "", el("cite", { text: display(src) })])) : null);
      holder.append(card);
      if (typeof window.Chart !== "function") {
        canvas.replaceWith(el("p", { class: "muted", text: points.map((p, i) => `${labels[i]}: ${p.value}`).join(" · ") }));
        continue;
      }
      charts.push(new window.Chart(canvas, {
        type: "line",
        data: { labels: labels.map((l) => wrap(l)), datasets: [{ label: s.scale, data: points.map((p) => p.value),
          borderColor: "#0e7490", backgroundColor: "#0e7490", pointRadius: 4, pointHoverRadius: 6, tension: 0 }] },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          plugins: { legend: { display: false },
                     tooltip: { callbacks: { title: (items) => labels[items[0].dataIndex],
                                             afterLabel: (item) => points[item.dataIndex].source || "" } } },
          scales: { y: { beginAtZero: true, title: { display: true, text: s.scale } },
                    x: { ticks: { autoSkip: false, maxRotation: 0, font: { size: 10 } } } },
        },
      }));
    }
  }

  // -------------------------------------------------------------------------------------- section lists
  const GROUP_TITLES = {
    "structural facts": ["Structural facts", "reference data: targets, modes of action, approvals"],
    "case facts": ["Case facts", "what the case reports record"],
    claims: ["Claims", "what the reports assert, with their evidence level — not reference facts"],
  };

  /** Where an item leads: a case page, an explorer page (reference entities) or nowhere (claims, outcomes…). */
  function itemHref(iri, kind) {
    if (kind === "case") return caseHref(iri);
    if (iri.startsWith(REFERENCE) || !iri.startsWith("https://w3id.org/casegraph/")) return exploreHref(iri);
    return null;
  }

  function itemNode(sectionName, item) {
    const kind = SECTION_KINDS[sectionName] || "other";
    const href = itemHref(item.iri, kind);
    const label = display(item.label);
    const title = href ? el("a", { href, class: "item-label", title: item.iri, text: label })
                       : el("span", { class: "item-label", title: item.iri, text: label });
    let detail = null;
    if (item.detail) {
      const cut = kind === "claim" ? item.detail.indexOf(": ") : -1;
      detail = cut > 0
        ? el("p", { class: "item-detail" }, el("span", { class: "badge badge-evidence", text: item.detail.slice(0, cut) }),
             ` ${item.detail.slice(cut + 2)}`)
        : el("p", { class: "item-detail", text: item.detail });
    }
    return el("li", { class: "item", dataset: { iri: item.iri, testid: "section-item" } },
      el("span", { class: "dot", "aria-hidden": "true", style: { backgroundColor: colour(kind) } }),
      el("div", { class: "item-body" },
        title, detail,
        item.quote ? el("blockquote", { class: "quote", text: `“${item.quote}”` }) : null,
        item.sources && item.sources.length
          ? el("p", { class: "sources", dataset: { testid: "sources" } }, "Source: ",
               item.sources.map((src, i) => [i ? "; " : "", el("cite", { text: display(src) })]))
          : null));
  }

  function sectionNode(prefix, name, section) {
    const id = `${prefix}section-${slug(name)}`;
    return el("section", { class: "card section", id, dataset: { testid: `section-${slug(name)}` }, "aria-labelledby": `${id}-h` },
      el("h4", { id: `${id}-h` }, name.charAt(0).toUpperCase() + name.slice(1), el("span", { class: "count", text: String(section.count) })),
      el("ul", { class: "items" }, section.items.map((item) => itemNode(name, item))));
  }

  /** Sections grouped (structural facts, case facts, claims); ``order`` puts the named sections first. */
  function renderSections(container, sections, order = []) {
    const names = Object.keys(sections).sort((a, b) => {
      const ia = order.indexOf(a), ib = order.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
    const groups = ["structural facts", "case facts", "claims"];
    const blocks = [];
    for (const group of groups) {
      const members = names.filter((n) => (sections[n].group || "structural facts") === group);
      if (!members.length) continue;
      const [title, note] = GROUP_TITLES[group];
      blocks.push(el("div", { class: `group group-${slug(group)}`, dataset: { testid: `group-${slug(group)}` } },
        el("h3", { class: "group-title" }, title, el("small", { class: "muted", text: ` — ${note}` })),
        el("div", { class: "cards" }, members.map((n) => sectionNode(`${container.id}-`, n, sections[n])))));
    }
    if (!blocks.length) blocks.push(el("p", { class: "panel muted", text: "No links recorded." }));
    container.replaceChildren(...blocks);
  }

  function focusItem(container, iri) {
    const item = [...container.querySelectorAll("li.item")].find((li) => li.dataset.iri === iri);
    if (!item) return;
    item.scrollIntoView({ behavior: "smooth", block: "center" });
    item.classList.add("flash");
    setTimeout(() => item.classList.remove("flash"), 1600);
  }

  // ------------------------------------------------------------------------------------------ explorer view
  const ExploreView = {
    term: null, depth: 1, entity: null, timer: null, active: -1, suggestions: [],

    async show(term, depth) {
      if (depth) $("depth").value = String(Math.min(MAX_DEPTH, Math.max(1, depth)));
      if (!term) {
        $("explore-result").hidden = this.term === null;
        if (this.term === null) $("search-input").focus();
        return;
      }
      const d = Number($("depth").value) || 1;
      if (term === this.term && d === this.depth && !$("explore-result").hidden) return;
      let body;
      try {
        ({ body } = await api(`/api/explore?${new URLSearchParams({ term, depth: String(d) })}`));
      } catch (err) {
        this.term = null; // nothing shown is about this term: hide the previous entity rather than suggest it answers
        $("explore-result").hidden = true;
        if (!/^(https?|urn):/.test(term)) $("search-input").value = term;
        throw err;
      }
      if (body.entity.kind === "case") {
        location.replace(caseHref(body.entity.iri));
        return;
      }
      this.term = term;
      this.depth = d;
      this.entity = body.entity;
      this.render(body);
    },

    render(data) {
      const { entity } = data;
      $("explore-result").hidden = false;
      if (document.activeElement !== $("search-input")) $("search-input").value = entity.label;
      $("entity-title").replaceChildren(entity.label,
        el("span", { class: "badge badge-kind", text: entity.kind, style: { backgroundColor: colour(entity.kind) } }));
      const total = Object.values(data.sections).reduce((n, s) => n + s.count, 0);
      $("entity-meta").textContent = `${compact(entity.iri)} · ${Object.keys(data.sections).length} sections, ${total} links · depth ${data.depth}`;
      document.title = `${entity.label} — casegraph`;
      renderSections($("explore-sections"), data.sections, ["targets", "mechanisms", "drug class", "cases", "outcomes", "scores"]);
      clearCharts();
      renderCharts($("explore-charts"), data.scores);
      Graph.render($("graph"), data, (node) => this.onNode(node));
    },

    onNode(node) {
      if (node.kind === "section" || node.id.endsWith("|more")) {
        const section = $(`explore-sections-section-${slug(node.section)}`);
        if (section) section.scrollIntoView({ behavior: "smooth", block: "start" });
        return;
      }
      const href = node.iri && node.iri !== (this.entity && this.entity.iri) ? itemHref(node.iri, node.kind) : null;
      if (href) location.hash = href;
      else if (node.iri) focusItem($("explore-sections"), node.iri);
    },

    // --- search box with suggestions (a combobox: arrows, Enter, Escape)
    async suggest() {
      const q = $("search-input").value.trim();
      if (q.length < 2) return this.closeSuggestions();
      try {
        const { body } = await api(`/api/search?${new URLSearchParams({ q, limit: "12" })}`);
        if ($("search-input").value.trim() !== q) return; // a newer keystroke won
        this.suggestions = body;
        this.active = -1;
        const list = $("search-suggestions");
        list.replaceChildren(...body.map((hit, i) => el("li", {
          id: `suggestion-${i}`, role: "option", class: "suggestion", "aria-selected": "false", dataset: { testid: "suggestion", iri: hit.iri },
          onmousedown: (e) => { e.preventDefault(); this.choose(i); },
        }, el("span", { class: "dot", "aria-hidden": "true", style: { backgroundColor: colour(hit.kind) } }),
           el("span", { class: "suggestion-label", text: hit.label }), el("span", { class: "suggestion-kind", text: hit.kind }))));
        if (!body.length) list.append(el("li", { class: "suggestion none", text: `Nothing named like “${q}”.` }));
        list.hidden = false;
        $("search-input").setAttribute("aria-expanded", "true");
      } catch (err) {
        fail(err);
      }
    },

    closeSuggestions() {
      $("search-suggestions").hidden = true;
      $("search-input").setAttribute("aria-expanded", "false");
      $("search-input").removeAttribute("aria-activedescendant");
      this.active = -1;
    },

    move(step) {
      if ($("search-suggestions").hidden || !this.suggestions.length) return;
      this.active = (this.active + step + this.suggestions.length) % this.suggestions.length;
      for (const [i, li] of [...$("search-suggestions").children].entries()) li.setAttribute("aria-selected", String(i === this.active));
      $("search-input").setAttribute("aria-activedescendant", `suggestion-${this.active}`);
      $(`suggestion-${this.active}`).scrollIntoView({ block: "nearest" });
    },

    choose(i) {
      const hit = this.suggestions[i];
      this.closeSuggestions();
      $("search-input").value = hit.label;
      this.go(hit.iri, hit.kind);
    },

    go(term, kind) {
      const depth = Number($("depth").value) || 1;
      this.term = null; // explore again even if it is the same term (the depth may have changed)
      location.hash = kind === "case" ? caseHref(term) : exploreHref(term) + (depth > 1 ? `?depth=${depth}` : "");
    },

    init() {
      const input = $("search-input");
      input.addEventListener("input", () => { clearTimeout(this.timer); this.timer = setTimeout(() => this.suggest(), 180); });
      input.addEventListener("keydown", (e) => {
        if (e.key === "ArrowDown") { e.preventDefault(); this.move(1); } else if (e.key === "ArrowUp") { e.preventDefault(); this.move(-1); } else if (e.key === "Escape") this.closeSuggestions();
        else if (e.key === "Enter" && this.active >= 0 && !$("search-suggestions").hidden) { e.preventDefault(); this.choose(this.active); }
      });
      input.addEventListener("blur", () => setTimeout(() => this.closeSuggestions(), 100));
      $("search-form").addEventListener("submit", (e) => {
        e.preventDefault();
        const term = input.value.trim();
        if (term) { this.closeSuggestions(); this.go(term); }
      });
      $("depth").addEventListener("change", () => { if (this.term) this.go(this.term); });
    },
  };

  // ------------------------------------------------------------------------------------------- case page
  const CASE_ORDER = ["conditions", "findings", "treatments", "drugs given", "outcomes", "score changes", "scores",
                      "adverse events", "claims"];
  const IRI_SAFE = /^[^\s<>"{}|\\^`]+$/;

  const CaseView = {
    async show(iri) {
      if (!iri) throw new ApiError("No case given: open a case from the explorer or a query result.", 400);
      $("case-title").textContent = "Loading…";
      $("case-iri").textContent = iri;
      $("case-patient").replaceChildren();
      $("case-sections").replaceChildren();
      let body, patient;
      try {
        [{ body }, patient] = await Promise.all([
          api(`/api/explore?${new URLSearchParams({ term: iri, depth: "1" })}`),
          this.patient(iri).catch(() => null), // the patient card is a bonus; the case's facts come from explore
        ]);
      } catch (err) {
        $("case-title").textContent = "This case could not be opened";
        $("case-charts").hidden = true;
        throw err;
      }
      if (body.entity.kind !== "case") {
        location.replace(exploreHref(body.entity.iri)); // not a case: its page is the explorer's
        return;
      }
      $("case-title").textContent = body.entity.label;
      $("case-iri").textContent = body.entity.iri;
      document.title = `${body.entity.label} — casegraph`;
      this.renderPatient(patient, body.sections.report);
      clearCharts();
      renderCharts($("case-charts"), body.scores);
      const { report: _shownAbove, ...sections } = body.sections; // the report is named in the header
      renderSections($("case-sections"), sections, CASE_ORDER);
    },

    /** Age, sex and age group of the case's patient, read with one SELECT through the SPARQL endpoint. */
    async patient(iri) {
      if (!IRI_SAFE.test(iri)) return null;
      const query = `PREFIX cg: <https://w3id.org/casegraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label ?age ?sex ?ageGroup WHERE {
  ?patient a cg:Patient ; cg:inCase <${iri}> .
  OPTIONAL { ?patient rdfs:label ?label }
  OPTIONAL { ?patient cg:ageAtPresentation ?age }
  OPTIONAL { ?patient cg:sex ?s OPTIONAL { ?s rdfs:label ?sexLabel } BIND(COALESCE(?sexLabel, STRAFTER(STR(?s), "#")) AS ?sex) }
  OPTIONAL { ?patient cg:ageGroup ?ageGroup }
} LIMIT 1`;
      const { body } = await api("/sparql", { method: "POST", body: query,
        headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json" } });
      return body.results.bindings[0] || null;
    },

    renderPatient(row, report) {
      const facts = [];
      const add = (term, value) => { if (value) facts.push(el("div", { class: "fact" }, el("dt", { text: term }), el("dd", {}, value))); };
      if (row) {
        add("Patient", row.label && row.label.value);
        add("Age at presentation", row.age && `${row.age.value} years`);
        add("Sex", row.sex && row.sex.value);
      }
      if (report && report.items.length) add("Report", display(report.items[0].label));
      $("case-patient").replaceChildren(...facts);
    },
  };

  // -------------------------------------------------------------------------------------- submission form
  const FORMAT_BY_SUFFIX = { json: "application/json", jsonld: "application/ld+json", yaml: "application/yaml", yml: "application/yaml",
                             ttl: "text/turtle" };

  const ValidateView = {
    file: null, // {name, text}: the uploaded file, while the text area still holds it unchanged
    fromFile: false, // whether the last check was of that file

    show() { $("validate-text").focus(); },

    async loadFile() {
      const file = $("validate-file").files[0];
      if (!file) return;
      const text = await file.text();
      this.file = { name: file.name, text };
      $("validate-text").value = text;
      const suffix = file.name.split(".").pop().toLowerCase();
      if (FORMAT_BY_SUFFIX[suffix]) $("validate-format").value = FORMAT_BY_SUFFIX[suffix];
    },

    async run(event) {
      event.preventDefault();
      clearMessage();
      const text = $("validate-text").value;
      if (!text.trim()) {
        showMessage("Paste a case document or choose a file first.", "info");
        return;
      }
      const fromFile = Boolean(this.file && this.file.text === text);
      this.fromFile = fromFile; // name the file in the issues only when there was one (pasted text gets a server-made name)
      const url = fromFile ? `/api/validate?${new URLSearchParams({ filename: this.file.name })}` : "/api/validate";
      $("validate-run").disabled = true;
      $("validate-status").textContent = "Checking…";
      try {
        const { body } = await api(url, { method: "POST", body: text,
          headers: { "Content-Type": $("validate-format").value, Accept: "application/json" } });
        this.render(body);
      } catch (err) {
        this.renderError(err);
      } finally {
        $("validate-run").disabled = false;
        $("validate-status").textContent = "";
      }
    },

    renderError(err) {
      fail(err);
      $("validate-result").hidden = false;
      $("validate-result").className = "panel verdict-error";
      $("validate-verdict").textContent = err.status === 400 ? "The document could not be read" : "The check failed";
      $("validate-issues").replaceChildren(el("li", { class: "issue issue-violation" }, el("pre", { class: "error-text", text: err.message })));
    },

    render(report) {
      const issues = report.issues || [];
      const count = (sev) => issues.filter((i) => i.severity === sev).length;
      $("validate-result").hidden = false;
      $("validate-result").className = `panel ${report.conforms ? "verdict-ok" : "verdict-fail"}`;
      const violations = count("violation"), warnings = count("warning");
      $("validate-verdict").textContent = report.conforms
        ? `Conforms — the submission can be accepted${warnings ? ` (${warnings} warning${warnings > 1 ? "s" : ""})` : ""}.`
        : `Does not conform — ${violations} violation${violations === 1 ? "" : "s"}${warnings ? `, ${warnings} warning${warnings > 1 ? "s" : ""}` : ""}.`;
      $("validate-issues").replaceChildren(...issues.map((issue) => this.issue(issue)));
    },

    issue(issue) {
      const where = issue.location || issue.field_label || issue.focus_label || (issue.field && compact(issue.field)) || "";
      return el("li", { class: `issue issue-${issue.severity}`, dataset: { testid: "validate-issue" } },
        el("div", { class: "issue-head" },
          el("span", { class: `badge badge-${issue.severity}`, text: issue.severity }),
          where ? el("code", { class: "issue-where", text: where }) : null,
          issue.field_label && issue.field_label !== where ? el("span", { class: "issue-field", text: issue.field_label }) : null,
          issue.value !== null && issue.value !== undefined && issue.value !== "" ? el("span", { class: "issue-value" }, "value ", el("code", { text: issue.value })) : null),
        el("p", { class: "issue-message", text: issue.message }),
        issue.case_label || (this.fromFile && issue.file)
          ? el("p", { class: "muted issue-context",
                      text: [issue.case_label && `case: ${issue.case_label}`, this.fromFile && issue.file && `file: ${issue.file}`].filter(Boolean).join(" · ") })
          : null);
    },

    init() {
      $("validate-form").addEventListener("submit", (e) => this.run(e));
      $("validate-file").addEventListener("change", () => this.loadFile().catch(fail));
      $("validate-text").addEventListener("input", () => {
        const text = $("validate-text").value.trimStart();
        if (this.file && this.file.text === $("validate-text").value) return;
        if (text.startsWith("{") || text.startsWith("[")) $("validate-format").value = "application/json";
        else if (/^(@prefix|@base|PREFIX|BASE|<)/i.test(text)) $("validate-format").value = "text/turtle";
        else if (text) $("validate-format").value = "application/yaml";
      });
    },
  };

  // ------------------------------------------------------------------------------------------------- start
  /** Read-only hook for the browser tests (tests/test_web.py) and for debugging: the graph's cytoscape instance. */
  window.casegraphExplorer = Object.freeze({ graph: () => Graph.cy });

  function start() {
    $("message-close").addEventListener("click", clearMessage);
    QueryView.init();
    ExploreView.init();
    ValidateView.init();
    window.addEventListener("hashchange", route);
    if (!location.hash) history.replaceState(null, "", "#/query");
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
