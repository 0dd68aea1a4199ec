// Every console page: copy buttons, confirmations, printing, local times, spotlight buttons.
import { _ } from "./messages.js";
import { localiseTimes, spotlightKey } from "./live.js";

localiseTimes();

// A new conversation starts on the facilitator's own clock (the server's default is UTC).
for (const select of document.querySelectorAll("select[data-browser-zone]")) {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const creating = select.closest("form[data-new-conversation]") !== null;
  if (creating && select.value === "UTC" && [...select.options].some((o) => o.value === own)) {
    select.value = own;
  }
}

document.addEventListener("click", (event) => {
  const copy = event.target.closest("[data-copy]");
  if (copy) {
    const source = document.getElementById(copy.dataset.copy);
    source.select();
    navigator.clipboard?.writeText(source.value).catch(() => document.execCommand("copy"));
    copy.textContent = _("Copied");
    return;
  }
  if (event.target.closest("[data-print]")) {
    window.print();
    return;
  }
  const spotlight = event.target.closest("[data-spotlight]");
  if (spotlight) {
    // The projector, open in another window of this browser, follows through the storage event.
    const conversation = document.querySelector("[data-conversation]")?.dataset.conversation;
    if (conversation) {
      window.localStorage.setItem(spotlightKey(conversation), spotlight.dataset.spotlight);
      spotlight.textContent = _("On the projector ✓");
    }
  }
});

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
