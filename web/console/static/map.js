// The live opinion map: participants as WebGL points coloured by group, each group outlined by
// its convex hull; PCA or UMAP; click a group for what represents it, a statement for where its
// agreers and disagreers sit. Redrawn when live.json reports a new result, without a reload.
import { _ } from "./messages.js";
import { fetchJSON, formatTime, refreshFragment, watchResults } from "./live.js";

const root = document.getElementById("live-map");
const plot = document.getElementById("map");
const status = document.getElementById("map-status");
status.textContent = _("Loading the map…"); // written here: without JavaScript nothing is loading
const legend = document.getElementById("group-legend");
const groupPanel = document.getElementById("group-panel");
const overlayLegend = document.getElementById("overlay-legend");
const overlayTitle = document.getElementById("overlay-title");

// Okabe-Ito, as in console.css (--g0...): group A, B, C...
const COLOURS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8c6d1f"];
const UNGROUPED = "#9aa3b2";
const VOTE_STYLE = [
  // code: [label, colour] as in deliberation.services.opinion_map.VOTE_CODES
  [_("did not vote"), "#d5d9e1"],
  [_("agreed"), "#2e8540"],
  [_("disagreed"), "#c0392b"],
  [_("passed"), "#7b8494"],
];

// Plotly's own words (its toolbar's tooltips), registered once as a Plotly locale named as the
// page's language; English is Plotly's own.
let plotlyLanguage = null;
function plotlyLocale() {
  const language = document.documentElement.lang || "en";
  if (language !== "en" && plotlyLanguage !== language) {
    const dictionary = {
      Zoom: _("Zoom"),
      Pan: _("Pan"),
      "Zoom in": _("Zoom in"),
      "Zoom out": _("Zoom out"),
      Autoscale: _("Autoscale"),
      "Reset axes": _("Reset axes"),
      "Reset view": _("Reset view"),
      "Share chart...": _("Share chart..."),
      "Toggle Spike Lines": _("Toggle Spike Lines"),
      "Show closest data on hover": _("Show closest data on hover"),
      "Compare data on hover": _("Compare data on hover"),
      "Double-click to zoom back out": _("Double-click to zoom back out"),
    };
    window.Plotly.register({ moduleType: "locale", name: language, dictionary });
    plotlyLanguage = language;
  }
  return language;
}

// A group as its legend and hover show it: its letter and size.
const groupName = (group) => _("Group %(group)s", { group: letter(group.id) }) + ` · ${group.size}`;

const state = {
  projection: "pca",
  stamp: null,
  map: null, // the decoded payload
  overlay: null, // {tid, codes}
  group: null,
  drawnVersion: null,
};

const letter = (gid) => (gid >= 0 && gid < 26 ? String.fromCharCode(65 + gid) : String(gid));
const colour = (gid) => (gid < 0 ? UNGROUPED : COLOURS[gid % COLOURS.length]);

function bytes(base64) {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i += 1) out[i] = text.charCodeAt(i);
  return out;
}

function axis(base64, low, high, grid) {
  const raw = bytes(base64);
  const view = new DataView(raw.buffer);
  const step = (high - low) / grid;
  const values = new Float32Array(raw.length / 2);
  for (let i = 0; i < values.length; i += 1) values[i] = low + view.getUint16(2 * i, true) * step;
  return values;
}

function decode(payload) {
  if (!payload.available) return { ...payload, n: 0 };
  const [x0, x1, y0, y1] = payload.bounds;
  return {
    ...payload,
    n: payload.points,
    xs: axis(payload.x, x0, x1, payload.grid),
    ys: axis(payload.y, y0, y1, payload.grid),
    groupOf: new Int8Array(bytes(payload.group).buffer),
  };
}

// Indices of the points in each category (a group id, or a vote code), as typed arrays of x, y.
function split(map, categoryOf) {
  const buckets = new Map();
  for (let i = 0; i < map.n; i += 1) {
    const key = categoryOf(i);
    if (!buckets.has(key)) buckets.set(key, []);
    buckets.get(key).push(i);
  }
  const out = new Map();
  for (const [key, indices] of buckets) {
    const xs = new Float32Array(indices.length);
    const ys = new Float32Array(indices.length);
    indices.forEach((index, j) => {
      xs[j] = map.xs[index];
      ys[j] = map.ys[index];
    });
    out.set(key, { xs, ys });
  }
  return out;
}

function markerSize(n) {
  if (n > 20000) return 3;
  if (n > 2000) return 5;
  return 8;
}

function hullTraces(map, filled) {
  return map.groups.map((group) => {
    const hull = group.hull.length ? [...group.hull, group.hull[0]] : [];
    const dimmed = state.group !== null && state.group !== group.id;
    return {
      type: "scatter",
      mode: "lines",
      x: hull.map((p) => p[0]),
      y: hull.map((p) => p[1]),
      fill: filled ? "toself" : "none",
      fillcolor: `${colour(group.id)}${dimmed ? "0a" : "1f"}`,
      line: { color: colour(group.id), width: state.group === group.id ? 3 : 1.5 },
      hoveron: "fills",
      hoverinfo: "name",
      name: groupName(group),
      meta: { group: group.id },
    };
  });
}

function groupTraces(map) {
  const size = markerSize(map.n);
  const buckets = split(map, (i) => map.groupOf[i]);
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  return keys.map((gid) => {
    const dimmed = state.group !== null && state.group !== gid;
    return {
      type: "scattergl",
      mode: "markers",
      x: buckets.get(gid).xs,
      y: buckets.get(gid).ys,
      marker: { color: colour(gid), size, opacity: dimmed ? 0.2 : 0.85 },
      hoverinfo: "name",
      name: gid < 0 ? _("Not in a group") : _("Group %(group)s", { group: letter(gid) }),
      meta: { group: gid },
    };
  });
}

function voteTraces(map, codes) {
  const size = markerSize(map.n);
  const buckets = split(map, (i) => codes[i]);
  // Non-voters first, so the votes are drawn on top of them.
  return [0, 3, 2, 1]
    .filter((code) => buckets.has(code))
    .map((code) => ({
      type: "scattergl",
      mode: "markers",
      x: buckets.get(code).xs,
      y: buckets.get(code).ys,
      marker: { color: VOTE_STYLE[code][1], size: code === 0 ? Math.max(2, size - 2) : size, opacity: 0.9 },
      hoverinfo: "name",
      name: `${VOTE_STYLE[code][0]} (${buckets.get(code).xs.length})`,
    }));
}

function draw() {
  const map = state.map;
  if (!map || !map.available) {
    window.Plotly.purge(plot);
    plot.dataset.points = "0";
    return;
  }
  const traces = state.overlay
    ? [...hullTraces(map, false), ...voteTraces(map, state.overlay.codes)]
    : [...hullTraces(map, true), ...groupTraces(map)];
  const layout = {
    margin: { l: 8, r: 8, t: 8, b: 8 },
    xaxis: { visible: false },
    yaxis: { visible: false, scaleanchor: "x" },
    showlegend: false,
    hovermode: "closest",
    dragmode: "pan",
    paper_bgcolor: "#fbfcfe",
    plot_bgcolor: "#fbfcfe",
    uirevision: state.projection, // keep the facilitator's zoom across updates
  };
  const config = {
    locale: plotlyLocale(),
    displaylogo: false,
    responsive: true,
    scrollZoom: true,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"],
  };
  window.Plotly.react(plot, traces, layout, config);
  plot.dataset.version = String(map.version);
  plot.dataset.points = String(map.n);
  plot.dataset.projection = map.projection;
  plot.dataset.mode = state.overlay ? "statement" : "groups";
  drawLegend(map);
}

function drawLegend(map) {
  legend.replaceChildren(
    ...map.groups.map((group) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.dataset.group = String(group.id);
      button.setAttribute("aria-pressed", String(state.group === group.id));
      const swatch = document.createElement("span");
      swatch.className = `swatch g${group.id % COLOURS.length}`;
      button.append(swatch, groupName(group));
      return button;
    }),
  );
}

function describe(map) {
  const when = formatTime(map.computed_ms);
  const grouped = _("%(grouped)s of %(participants)s in %(groups)s groups", {
    grouped: map.grouped,
    participants: map.participants,
    groups: map.groups.length,
  });
  const agreement =
    map.projection === "umap" && map.agreement_with_groups != null
      ? " · " + _("UMAP clusters vs groups: ARI %(ari)s", { ari: map.agreement_with_groups.toFixed(2) })
      : "";
  const updated = _("updated %(when)s", { when });
  const points = _("%(points)s points", { points: map.points });
  return `v${map.version} (${map.kind}) · ${updated} · ${points} · ${grouped}${agreement}`;
}

function notComputedYet() {
  return state.projection === "umap"
    ? _("The UMAP map comes with the slow recompute; not computed yet.")
    : _("No opinion groups yet: they appear a few seconds after the first votes.");
}

// The newest result this projection is drawn from, as live.json last said (undefined before
// its first answer).
function relevantResult(stamp) {
  if (!stamp) return undefined;
  return state.projection === "umap" ? stamp.latest_slow : stamp.latest;
}

async function loadMap() {
  if (state.stamp && !relevantResult(state.stamp)) {
    // Nothing computed for this projection yet: say so, without asking for a map that is not there.
    state.map = null;
    status.textContent = notComputedYet();
    draw();
    return;
  }
  const url = new URL(root.dataset.mapUrl, window.location.href);
  url.searchParams.set("projection", state.projection);
  try {
    state.map = decode(await fetchJSON(url));
  } catch (error) {
    state.map = null;
    status.textContent =
      error.code === "results_not_computed"
        ? notComputedYet()
        : _("The map could not be loaded: %(error)s", { error: error.message });
    draw();
    return;
  }
  if (!state.map.available) {
    status.textContent = _("UMAP not available: %(reason)s", { reason: state.map.reason });
  } else {
    status.textContent = describe(state.map);
  }
  if (state.overlay) await loadStatement(state.overlay.tid, false);
  draw();
}

async function loadStatement(tid, redraw = true) {
  const url = new URL(root.dataset.statementUrl.replace("{tid}", tid), window.location.href);
  url.searchParams.set("projection", state.projection);
  try {
    const answer = await fetchJSON(url);
    if (!state.map || answer.version !== state.map.version) {
      // The map moved on meanwhile; it reloads and fetches the votes again.
      state.overlay = { tid, codes: new Uint8Array(state.map ? state.map.n : 0) };
    } else {
      state.overlay = { tid, codes: bytes(answer.votes) };
    }
    const item = document.querySelector(`.statement-item[data-tid="${tid}"] .statement-text`);
    const text = item ? item.textContent.trim() : `#${tid}`;
    const { agree, disagree } = answer.counts;
    overlayTitle.textContent = text + " — " + _("%(agree)s agreed, %(disagree)s disagreed:", { agree, disagree });
    overlayLegend.hidden = false;
    for (const element of document.querySelectorAll(".statement-item.selected")) element.classList.remove("selected");
    for (const element of document.querySelectorAll(`.statement-item[data-tid="${tid}"]`)) element.classList.add("selected");
  } catch (error) {
    status.textContent = _("Votes on #%(tid)s could not be loaded: %(error)s", { tid, error: error.message });
    return;
  }
  if (redraw) draw();
}

function clearOverlay() {
  state.overlay = null;
  overlayLegend.hidden = true;
  for (const element of document.querySelectorAll(".statement-item.selected")) element.classList.remove("selected");
  draw();
}

async function showGroup(gid) {
  if (gid === null || gid < 0) return;
  state.group = state.group === gid ? null : gid;
  if (state.group === null) {
    const hint = document.createElement("p");
    hint.className = "muted";
    hint.textContent = _("Click a group on the map to see what represents it.");
    groupPanel.replaceChildren(hint);
  } else {
    groupPanel.dataset.fragment = root.dataset.groupUrl.replace("{gid}", gid);
    await refreshFragment(groupPanel);
  }
  draw();
}

async function onStamp(stamp) {
  const previous = state.stamp;
  state.stamp = stamp;
  const relevant = relevantResult(stamp);
  const newResult = (stamp.latest && stamp.latest.version) !== (previous && previous.latest && previous.latest.version);
  const jobs = [];
  if (relevant ? !state.map || relevant.version !== state.map.version : !previous || relevantResult(previous)) {
    jobs.push(loadMap());
  }
  if (previous && newResult) {
    jobs.push(refreshFragment(document.getElementById("findings-compact")));
    if (state.group !== null) jobs.push(refreshFragment(groupPanel));
  }
  if (previous) jobs.push(refreshFragment(document.getElementById("counts")));
  await Promise.all(jobs);
}

function whenPlotlyReady(start) {
  if (window.Plotly) start();
  else window.addEventListener("load", start, { once: true });
}

whenPlotlyReady(() => {
  root.addEventListener("change", (event) => {
    if (event.target.name !== "projection") return;
    state.projection = event.target.value;
    state.map = null;
    loadMap();
  });
  root.addEventListener("click", (event) => {
    const show = event.target.closest("[data-show-tid]");
    if (show) {
      loadStatement(Number(show.dataset.showTid));
      return;
    }
    const group = event.target.closest("[data-group]");
    if (group && legend.contains(group)) showGroup(Number(group.dataset.group));
  });
  document.getElementById("clear-overlay").addEventListener("click", clearOverlay);
  // Plotly attaches `on` to the element at the first draw; wait for it once.
  const bindClicks = () => {
    if (!plot.on) return window.setTimeout(bindClicks, 200);
    plot.on("plotly_click", (event) => {
      const meta = event.points?.[0]?.data?.meta;
      if (meta && meta.group !== undefined) showGroup(meta.group);
    });
  };
  bindClicks();
  const wanted = new URLSearchParams(window.location.search).get("tid");
  watchResults(root.dataset.liveUrl, Number(root.dataset.pollSeconds || 2), async (stamp) => {
    await onStamp(stamp);
    if (wanted !== null && state.map && !state.overlay && !state.wantedShown) {
      state.wantedShown = true;
      await loadStatement(Number(wanted));
    }
  });
});
