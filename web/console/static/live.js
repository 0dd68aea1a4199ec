// What the live pages share: fetching JSON and HTML fragments, and polling for new results.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// A session that expired sends the page to the login form rather than half-updating it.
function loggedOut(response) {
  if (response.status === 401 || (response.redirected && response.url.includes("/console/login"))) {
    window.location.reload();
    return true;
  }
  return false;
}

export async function fetchJSON(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    ...options,
    headers: { Accept: "application/json", ...(options.headers || {}) },
  });
  if (loggedOut(response)) throw new Error("logged out");
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error((body && body.error) || `HTTP ${response.status}`);
    error.status = response.status;
    error.code = body && body.code;
    throw error;
  }
  return body;
}

// Stored times in the conversation's time zone (the page's data-time-zone; the browser's own
// zone on pages about no conversation), with the zone's abbreviation, as the server writes them:
// the time of day for today, else the date too. 24-hour clock: never "2:05 p.m.", whose own
// period doubled a sentence's.
export function formatTime(ms) {
  const timeZone = document.body.dataset.timeZone || undefined;
  const language = document.documentElement.lang || undefined;
  const dayOf = (date) => date.toLocaleDateString("en-CA", { timeZone });
  const when = new Date(Number(ms));
  const clock = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone, timeZoneName: "short" };
  return dayOf(when) === dayOf(new Date())
    ? when.toLocaleTimeString(language, clock)
    : when.toLocaleString(language, { year: "numeric", month: "short", day: "numeric", ...clock });
}

export function localiseTimes(root = document) {
  for (const element of root.querySelectorAll("time[data-ms]")) {
    element.textContent = formatTime(element.dataset.ms);
    element.title = new Date(Number(element.dataset.ms)).toISOString();
  }
}

// Replace an element's content with its fragment (the URL in data-fragment), rendered by the
// server: lists and bars are drawn in one place only.
export async function refreshFragment(element, params = {}) {
  if (!element || !element.dataset.fragment) return;
  const url = new URL(element.dataset.fragment, window.location.href);
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") url.searchParams.delete(name);
    else url.searchParams.set(name, value);
  }
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (loggedOut(response) || !response.ok) return;
  element.innerHTML = await response.text();
  localiseTimes(element);
  element.dispatchEvent(new CustomEvent("fragment-updated", { bubbles: true }));
}

// Poll live.json; call `onChange(stamp)` at the first answer and whenever it changes (a new
// result of either kind, a participant joining, a statement added). Slower in a hidden tab.
export function watchResults(url, seconds, onChange) {
  let last = null;
  async function tick() {
    try {
      const stamp = await fetchJSON(url);
      const key = JSON.stringify(stamp);
      if (key !== last) {
        last = key;
        await onChange(stamp);
      }
    } catch (error) {
      console.warn("live update failed:", error.message);
    } finally {
      const pause = document.hidden ? Math.max(seconds, 10) : seconds;
      window.setTimeout(tick, pause * 1000);
    }
  }
  tick();
}

export function spotlightKey(conversationId) {
  return `mesa.spotlight.${conversationId}`;
}
