// The projector view: live counts and one spotlighted statement, chosen from the console (in
// another window of this browser) or with the arrow keys here.
import { refreshFragment, spotlightKey, watchResults } from "./live.js";

const root = document.getElementById("projector");
const spotlight = document.getElementById("spotlight");
const counts = document.getElementById("projector-counts");
const key = spotlightKey(root.dataset.conversation);
const chosen = () => new URLSearchParams(window.location.search).get("tid") || window.localStorage.getItem(key);

const showSpotlight = () => refreshFragment(spotlight, { tid: chosen() });

watchResults(root.dataset.liveUrl, Number(root.dataset.pollSeconds || 2), async () => {
  await Promise.all([showSpotlight(), refreshFragment(counts, { size: "large" })]);
});

window.addEventListener("storage", (event) => {
  if (event.key === key) showSpotlight();
});

document.addEventListener("keydown", (event) => {
  const current = spotlight.querySelector(".spotlight");
  if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && current?.dataset.next) {
    const tid = event.key === "ArrowRight" ? current.dataset.next : current.dataset.prev;
    window.localStorage.setItem(key, tid);
    const url = new URL(window.location.href);
    url.searchParams.delete("tid");
    window.history.replaceState(null, "", url);
    showSpotlight();
  } else if (event.key === "f") {
    document.documentElement.requestFullscreen?.();
  }
});
