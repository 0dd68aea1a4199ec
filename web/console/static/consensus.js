// The consensus page: re-render the lists when a new result is stored.
import { _ } from "./messages.js";
import { formatTime, refreshFragment, watchResults } from "./live.js";

const root = document.getElementById("findings");
const status = document.getElementById("live-status");
let shown = root.querySelector("[data-findings-version]")?.dataset.findingsVersion || "";

watchResults(root.dataset.liveUrl, Number(root.dataset.pollSeconds || 2), async (stamp) => {
  const version = stamp.latest ? String(stamp.latest.version) : "";
  if (version !== shown) {
    await refreshFragment(root);
    shown = version;
  }
  if (stamp.latest) {
    const when = formatTime(stamp.latest.computed_ms);
    status.textContent = _("Results v%(version)s, computed %(when)s", { version: stamp.latest.version, when });
  } else {
    status.textContent = _("Waiting for the first votes");
  }
});

root.addEventListener("click", (event) => {
  const show = event.target.closest("[data-show-tid]");
  if (show) window.location.href = `${root.dataset.mapUrl}?tid=${show.dataset.showTid}`;
});
