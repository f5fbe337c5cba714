"""A small HTML reader for layout tests: the tags and attributes of a rendered page."""

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass
class Tag:
    name: str
    attrs: dict[str, str | None]
    raw_text: str = ""

    @property
    def text(self) -> str:
        """The text inside the tag, with runs of white space made one space."""
        return " ".join(self.raw_text.split())


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []
        self._open: list[Tag] = []

    def handle_starttag(self, tag, attrs):
        element = Tag(tag, dict(attrs))
        self.tags.append(element)
        if tag not in {"meta", "link", "input", "img", "br", "hr"}:
            self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].name == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.raw_text += data

    def find_all(self, tag_name: str, /, **attrs: str) -> list[Tag]:
        return [
            tag
            for tag in self.tags
            if tag.name == tag_name
            and all(tag.attrs.get(key) == value for key, value in attrs.items())
        ]

    def find(self, tag_name: str, /, **attrs: str) -> Tag:
        found = self.find_all(tag_name, **attrs)
        assert found, f"no <{tag_name}> with {attrs}"
        return found[0]


def parse(content: bytes | str) -> Page:
    page = Page()
    page.feed(content.decode() if isinstance(content, bytes) else content)
    page.close()
    return page
