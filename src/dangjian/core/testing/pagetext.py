"""What a reader of a page sees, for tests about the words on it (plain language).

`visible_text(html)` keeps the text nodes outside <script>, <style> and <template>, plus the
attributes a browser shows (title tooltips, placeholders, alt text, aria labels, the value
of a button). Links, ids, data attributes and class names are not read by people and may
hold codes.
"""

from __future__ import annotations

from html.parser import HTMLParser

SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
HIDDEN_ELEMENTS = ("script", "style", "template")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_ELEMENTS:
            self.hidden += 1
            return
        values = dict(attrs)
        for name in SHOWN_ATTRIBUTES:
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_ELEMENTS and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    """The page's readable words, one text node or shown attribute per line."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return "\n".join(collector.parts)
