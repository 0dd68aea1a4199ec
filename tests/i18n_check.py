"""Is a rendered page all in the reader's language? English interface text left on a Spanish
page, found by comparing the page's visible text with the compiled catalogue.

Every message the interface shows is a msgid (English) of web/translations; on a Spanish page
each should appear as its msgstr. A msgid whose Spanish differs and that still appears on the
page, as a whole phrase, is interface text someone forgot to translate (or a template that
skips `_()`, or a script string without its translation). Used by the unit tests that walk the
console (tests/web/test_console_language.py) and by the browser test of the evening, which
passes the HTML of each page it visits:

    from tests.i18n_check import untranslated
    assert untranslated(page.content()) == []

What people typed (statements, topics, sector names) is not interface text: elements marked
with another `lang` than the page's, `translate="no"`, `<code>`, `<script>`, `<style>` and
`<textarea>` contents are left out, so an English statement on a Spanish page is not counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.mofile import read_mo

TRANSLATIONS = Path(__file__).resolve().parents[1] / "web" / "translations"
# Attributes people read (or hear from a screen reader) as text.
VISIBLE_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
SKIPPED_ELEMENTS = frozenset({"script", "style", "textarea", "code", "template", "noscript"})
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
# A printf placeholder of a msgid: %(name)s, %(num)d, %s.
_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass(frozen=True)
class Untranslated:
    """A msgid found on the page, the text it was found in, and what it should have said."""

    msgid: str
    found_in: str
    expected: str


@cache
def catalogue(language: str = "es") -> dict[str, str]:
    """Compiled msgid -> msgstr of `language` (a plural entry as its singular and its plural
    msgid), only where the translation differs from the English: a msgid equal to its msgstr
    cannot be told apart from it."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
    with path.open("rb") as file:
        compiled = read_mo(file)
    messages: dict[str, str] = {}
    for message in compiled:
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for index, msgid in enumerate(ids):
            msgstr = strings[min(index, len(strings) - 1)] if strings else ""
            if msgid and msgstr and msgid != msgstr and _WORD.search(_PLACEHOLDER.sub("", msgid)):
                messages[msgid] = msgstr
    return messages


class _VisibleText(HTMLParser):
    """The text a reader sees, one chunk per text node or visible attribute."""

    def __init__(self, page_language: str | None):
        super().__init__(convert_charrefs=True)
        self.page_language = page_language
        self.chunks: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, is this element left out)

    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html" and self.page_language is None:
            self.page_language = (attributes.get("lang") or "")[:2] or None
        language = (attributes.get("lang") or "")[:2]
        skipped = (
            self._skipping()
            or tag in SKIPPED_ELEMENTS
            or attributes.get("translate") == "no"
            # Another language marked inside the page; the page's own <html lang> is not: an
            # English page checked as Spanish is all untranslated.
            or bool(tag != "html" and language and language != self.page_language)
        )
        if not skipped:
            for name in VISIBLE_ATTRIBUTES:
                if attributes.get(name):
                    self.chunks.append(attributes[name])
            if tag == "input" and attributes.get("type") in ("submit", "button"):
                self.chunks.append(attributes.get("value") or "")
        if tag not in VOID_ELEMENTS:
            self._stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        # Close the innermost open element of this name (HTML lets some end tags be omitted).
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.chunks.append(data)


def visible_text(html: str, page_language: str | None = None) -> list[str]:
    """The page's visible text, one whitespace-normalised chunk per text node or attribute."""
    parser = _VisibleText(page_language)
    parser.feed(html)
    parser.close()
    return [" ".join(chunk.split()) for chunk in parser.chunks if chunk.strip()]


@cache
def _pattern(msgid: str) -> re.Pattern[str]:
    """The msgid as a whole phrase, any placeholder standing for some text."""
    literals = [
        r"\s+".join(map(re.escape, re.split(r"\s+", part))) for part in _PLACEHOLDER.split(msgid)
    ]
    # Not part of a longer word, an address or a path ("owner" in "owner@example.org").
    return re.compile(r"(?<![\w%@/.-])" + r".+?".join(literals) + r"(?![\w@/-])")


def untranslated(
    html: str, language: str = "es", *, allowed: frozenset[str] = frozenset()
) -> list[Untranslated]:
    """The catalogue's messages shown untranslated in this page's visible text.

    `html` is a rendered page (or a fragment); `allowed` lists msgids a caller knows to be
    fine here (a word both languages share in this context).
    """
    chunks = visible_text(html, language)
    return untranslated_in_chunks(chunks, language, allowed=allowed)


def untranslated_in_chunks(
    chunks: list[str], language: str = "es", *, allowed: frozenset[str] = frozenset()
) -> list[Untranslated]:
    """As `untranslated`, for text already extracted (e.g. Playwright's inner_text lines)."""
    messages = catalogue(language)
    found = []
    for msgid, msgstr in messages.items():
        if msgid in allowed:
            continue
        pattern = _pattern(msgid)
        for chunk in chunks:
            if pattern.search(chunk) and not _within_translation(chunk, msgstr, msgid, language):
                found.append(Untranslated(msgid, chunk, msgstr))
                break
    return sorted(found, key=lambda entry: entry.msgid)


def _within_translation(chunk: str, msgstr: str, msgid: str, language: str) -> bool:
    """The English words are part of translated text: of their own translation (a name both
    share), or of another message's translation that keeps them ("Community Notes")."""
    if msgstr and _pattern(msgstr).search(chunk):
        return True
    for match in _pattern(msgid).finditer(chunk):
        # The words around the match, as another translation has them.
        start, end = max(0, match.start() - 24), min(len(chunk), match.end() + 24)
        words = chunk[start:end].split()
        # Words cut by the window's edges are left out.
        around = " ".join(words[int(start > 0) : len(words) - int(end < len(chunk))])
        kept = _translations_keeping(msgid, language)
        if around != match.group(0) and any(around in text for text in kept):
            continue
        return False
    return True


@cache
def _translations_keeping(msgid: str, language: str) -> tuple[str, ...]:
    pattern = _pattern(msgid)
    return tuple(
        " ".join(text.split()) for text in catalogue(language).values() if pattern.search(text)
    )


def report(found: list[Untranslated]) -> str:
    """One line per untranslated message, for an assertion's message."""
    return "\n".join(f"{e.msgid!r} in {e.found_in!r} (should read {e.expected!r})" for e in found)
