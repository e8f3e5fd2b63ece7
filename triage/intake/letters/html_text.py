"""The words of an HTML e-mail body, a line per block: an e-mail's only text is often its HTML."""

from __future__ import annotations

from html.parser import HTMLParser


class _HtmlText(HTMLParser):
    """Collects the text; scripts and styles dropped, table cells kept apart with " | "."""

    _BLOCKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag == "td":
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)
