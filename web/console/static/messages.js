// The console's words in the facilitator's language. Every string a script shows is written
// `_("English text", { name: value })`: pybabel extracts it (web/babel.cfg) like the templates'
// messages, and the page carries the current language's translations of exactly these strings
// in <meta name="mesa-messages"> (web.console.script_messages), as JSON.
const meta = document.querySelector('meta[name="mesa-messages"]');
const catalogue = meta ? JSON.parse(meta.content) : {};

// The translation of `message`, its %(name)s placeholders filled from `values`.
export function _(message, values = {}) {
  const text = catalogue[message] || message;
  return text.replace(/%\((\w+)\)s/g, (_match, name) => String(values[name] ?? ""));
}
