"""Moodle's text formats made AI4D text: Markdown-safe text for stems and explanations, plain text for options.

Moodle stores each text with a format; AI4D keeps text only, shown through a Markdown renderer that escapes raw
HTML (options, prompts and targets as plain labels). So an imported text never carries markup to execute:

* `html` (XML `html`, GIFT `[html]`): rendered as a browser would read it: tags dropped (`script` and `style`
  with their content), entities decoded, white space collapsed, blocks (`p`, `div`, `br`, `li`, headings...) made
  line breaks, list items `- `, `<pre>` kept verbatim in a fenced code block, a link `text (url)`.
* `moodle` (XML `moodle_auto_format`, GIFT `[moodle]`, GIFT's default): Moodle passes HTML in it through and
  turns line breaks into `<br>`: a text with markup (a tag or an entity) is read as `html` keeping its line
  breaks; a text without markup is kept as it is.
* `plain` (XML `plain_text`, GIFT `[plain]`) and `markdown` (XML `markdown`, GIFT `[markdown]`): kept as they
  are (AI4D's renderer already escapes HTML; Markdown is what it renders). XML's old `wiki_like` reads as `moodle`.

What AI4D cannot carry raises `MediaError`: an image, audio, video or embedded object (`img`, `audio`, `video`,
`object`, `embed`, `iframe`, `svg`...) and any file of the Moodle file area (`@@PLUGINFILE@@`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

GIFT_FORMATS = frozenset({"html", "moodle", "plain", "markdown"})
XML_FORMATS = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "plain_text": "plain",
    "markdown": "markdown",
    "wiki_like": "moodle",
}
_MARKUP = re.compile(r"<[A-Za-z/!][^>]*>|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_MEDIA = frozenset({"img", "image", "audio", "video", "source", "track", "object", "embed", "iframe", "svg", "canvas"})
_BLOCK = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "tr",
        "table",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "hr",
        "section",
        "article",
        "header",
        "footer",
    ]
)
_SKIP = frozenset({"script", "style", "head", "title"})
_FILE = "@@PLUGINFILE@@"


class MediaError(ValueError):
    """A text holds an image, a media object or a file, which AI4D cannot carry."""


class _Reader(HTMLParser):
    def __init__(self, keep_newlines: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.keep_newlines = keep_newlines
        self._skipping = 0
        self._pre = 0
        self._links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _MEDIA:
            raise MediaError(f"an embedded {tag} (<{tag}>)")
        if any(_FILE in (v or "") for v in values.values()):
            raise MediaError("a file of Moodle's file area (@@PLUGINFILE@@)")
        if tag in _SKIP:
            self._skipping += 1
        elif tag == "pre":
            self._pre += 1
            self.parts.append("\n```\n")
        elif tag == "a":
            self._links.append(values.get("href"))
        elif tag in _BLOCK:
            self.parts.append("\n- " if tag == "li" else "\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIP or tag == "pre" or tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "pre" and self._pre:
            self._pre -= 1
            self.parts.append("\n```\n")
        elif tag == "a" and self._links:
            href = (self._links.pop() or "").strip()
            if re.match(r"(?i)(https?|ftp|mailto):", href) and not "".join(self.parts).rstrip().endswith(href):
                self.parts.append(f" ({href})")
        elif tag in _BLOCK and tag != "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._pre:
            self.parts.append(data.replace("\n", "\ue010"))  # kept verbatim below
        elif self.keep_newlines:
            self.parts.append(data)
        else:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str, *, keep_newlines: bool = False) -> str:
    """The text an HTML fragment shows (see the module docstring); raises `MediaError` for media and files."""
    if _FILE in html:
        raise MediaError("a file of Moodle's file area (@@PLUGINFILE@@)")
    reader = _Reader(keep_newlines)
    reader.feed(html)
    reader.close()
    text = "".join(reader.parts).replace("\xa0", " ")
    lines: list[str] = []
    for line in text.split("\n"):
        if "\ue010" in line:  # a <pre> block: verbatim, its own line breaks
            lines.extend(part.rstrip() for part in line.split("\ue010"))
        else:
            lines.append(re.sub(r"[ \t\r\f\v]+", " ", line).strip())
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"```\n\n+", "```\n", re.sub(r"\n\n+```", "\n```", joined))


def to_text(text: str, fmt: str) -> str:
    """A Moodle text in format `fmt` (`html`, `moodle`, `plain` or `markdown`) as AI4D text."""
    if fmt == "html":
        return html_to_text(text)
    if _FILE in text:
        raise MediaError("a file of Moodle's file area (@@PLUGINFILE@@)")
    if fmt == "moodle" and _MARKUP.search(text):
        return html_to_text(text, keep_newlines=True)
    return text.strip()
