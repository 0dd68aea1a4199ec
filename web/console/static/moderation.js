// Moderating from the keyboard: j/k move, a accept, r reject (type a reason, Enter), m meta,
// t back to to-do, x select, Shift+A / Shift+R act on the selected. Decisions are the page's own
// form, sent with fetch; rows that leave the tab disappear and the next one is current.
import { _ } from "./messages.js";
import { csrfToken, fetchJSON } from "./live.js";

const form = document.getElementById("moderation");
const tab = form.dataset.tab;
// Not form.action: the <select name="action"> shadows it.
const endpoint = form.getAttribute("action");
const status = document.getElementById("moderation-status");
const items = () => [...form.querySelectorAll(".queue-item:not(.done)")];
let current = 0;

function setCurrent(index, focus = true) {
  const rows = items();
  if (!rows.length) return;
  current = Math.max(0, Math.min(index, rows.length - 1));
  rows.forEach((row, i) => row.classList.toggle("current", i === current));
  if (focus) {
    rows[current].focus({ preventScroll: true });
    rows[current].scrollIntoView({ block: "nearest" });
  }
}

const currentRow = () => items()[current];

async function decide(action, tids, reason = "") {
  const body = new FormData();
  body.append("csrf_token", csrfToken());
  body.append("action", action);
  body.append("tab", tab);
  body.append("reason", reason);
  for (const tid of tids) body.append("tid", tid);
  status.textContent = _("Saving…");
  try {
    const answer = await fetchJSON(endpoint, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrfToken() },
    });
    applyAnswer(answer, action);
  } catch (error) {
    status.textContent = _("Not saved: %(error)s", { error: error.message });
  }
}

function applyAnswer(answer, action) {
  const leaving = [];
  for (const statement of answer.statements) {
    const row = form.querySelector(`.queue-item[data-tid="${statement.tid}"]`);
    if (!row) continue;
    row.dataset.meta = String(statement.is_meta);
    row.querySelector(".meta-badge").hidden = !statement.is_meta;
    const metaButton = row.querySelector("button.meta");
    metaButton.value = `${statement.is_meta ? "not-meta" : "meta"}:${statement.tid}`;
    metaButton.textContent = statement.is_meta ? _("Not meta") : "Meta";
    row.querySelector('input[name="tid"]').checked = false;
    if (statement.moderation !== tab) leaving.push(row);
  }
  const index = current;
  for (const row of leaving) {
    row.classList.add("done");
    row.classList.remove("current");
    row.querySelector('input[name="tid"]').disabled = true;
    window.setTimeout(() => row.remove(), 400);
  }
  for (const [name, count] of Object.entries(answer.counts)) {
    const badge = document.querySelector(`[data-tab-count="${name}"]`);
    if (badge) badge.textContent = count;
  }
  const n = answer.statements.length;
  const done = { accept: _("accepted"), reject: _("rejected"), todo: _("to do"), meta: "meta", "not-meta": _("Not meta") };
  status.textContent = _("Statements changed: %(n)s (%(action)s). Left in this tab: %(left)s.", {
    n,
    action: done[action] || action,
    left: answer.counts[tab],
  });
  document.getElementById("queue-empty").hidden = items().length > 0;
  setCurrent(index);
}

const selected = () => [...form.querySelectorAll('input[name="tid"]:checked')].map((box) => box.value);

function startRejecting(row) {
  const reason = row.querySelector(".reason");
  reason.dataset.rejecting = "true";
  reason.placeholder = _("Reason for rejecting, then Enter (Esc cancels)");
  reason.focus();
}

form.addEventListener("keydown", (event) => {
  const reason = event.target.closest(".reason");
  if (!reason) return;
  const row = reason.closest(".queue-item");
  if (event.key === "Enter") {
    event.preventDefault();
    if (tab === "rejected") return; // already rejected: the reason goes with the next button
    decide("reject", [row.dataset.tid], reason.value.trim());
    reason.dataset.rejecting = "";
    reason.value = "";
    row.focus();
  } else if (event.key === "Escape") {
    reason.dataset.rejecting = "";
    reason.placeholder = _("Reason");
    row.focus();
  }
});

document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) {
    return;
  }
  const row = currentRow();
  const keys = {
    j: () => setCurrent(current + 1),
    ArrowDown: () => setCurrent(current + 1),
    k: () => setCurrent(current - 1),
    ArrowUp: () => setCurrent(current - 1),
    a: () => row && tab !== "accepted" && decide("accept", [row.dataset.tid]),
    r: () => row && tab !== "rejected" && startRejecting(row),
    m: () => row && decide(row.dataset.meta === "true" ? "not-meta" : "meta", [row.dataset.tid]),
    t: () => row && tab !== "todo" && decide("todo", [row.dataset.tid]),
    x: () => {
      if (!row) return;
      const box = row.querySelector('input[name="tid"]');
      box.checked = !box.checked;
    },
    A: () => selected().length && tab !== "accepted" && decide("accept", selected()),
    R: () =>
      selected().length &&
      tab !== "rejected" &&
      decide("reject", selected(), document.getElementById("bulk-reason").value.trim()),
  };
  const action = keys[event.key];
  if (action) {
    event.preventDefault();
    action();
  }
});

// The buttons work without JavaScript; with it they take the same path as the keys.
form.addEventListener("submit", (event) => {
  const button = event.submitter;
  event.preventDefault();
  if (button && button.name === "row") {
    const [action, tid] = button.value.split(":");
    const reason = form.querySelector(`input[name="reason-${tid}"]`).value.trim();
    setCurrent(items().findIndex((row) => row.dataset.tid === tid), false);
    decide(action, [tid], reason);
  } else if (selected().length) {
    decide(form.elements.action.value, selected(), form.elements.reason.value.trim());
  } else {
    status.textContent = _("Select statements first (x, or the boxes).");
  }
});

document.getElementById("select-all")?.addEventListener("change", (event) => {
  for (const box of form.querySelectorAll('input[name="tid"]:not(:disabled)')) box.checked = event.target.checked;
});

form.addEventListener("click", (event) => {
  const row = event.target.closest(".queue-item");
  if (row && !event.target.closest("button, input")) setCurrent(items().indexOf(row), false);
});

setCurrent(0, false);
