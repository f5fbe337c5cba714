"""A small stand-in for a browser: what an HTML form's controls would submit, and their labels."""

from __future__ import annotations

from html.parser import HTMLParser

from django.http import QueryDict


class FormControls(HTMLParser):
    """Collects inputs, selects, textareas and labels of rendered form fields."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.controls: list[dict] = []
        self.labels: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None
        self._text_of_id: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs and tag in {"span", "p"}:
            self._text_of_id, self._text = attrs["id"], []
        if tag == "label":
            self._label_for, self._label_text = attrs.get("for"), []
        elif tag == "input":
            self.controls.append({"tag": "input", **attrs})
        elif tag == "select":
            self._select = {"tag": "select", **attrs, "options": []}
            self.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = attrs
            self._select["options"].append(attrs)
        elif tag == "textarea":
            self._textarea = {"tag": "textarea", **attrs, "text": ""}
            self.controls.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for:
            self.labels[self._label_for] = "".join(self._label_text).strip()
            self._label_for = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag in {"span", "p"} and self._text_of_id:
            self.ids[self._text_of_id] = "".join(self._text).strip()
            self._text_of_id = None

    def handle_data(self, data):
        if self._label_for:
            self._label_text.append(data)
        if self._textarea is not None:
            self._textarea["text"] += data
        if self._text_of_id:
            self._text.append(data)

    def submitted(self) -> QueryDict:
        """What the browser sends for these controls as they are (no user change)."""
        data = QueryDict(mutable=True)
        for control in self.controls:
            name = control.get("name")
            if not name:
                continue
            if control["tag"] == "textarea":
                data.appendlist(name, control["text"])
            elif control["tag"] == "select":
                selected = [o for o in control["options"] if "selected" in o]
                data.appendlist(name, (selected or control["options"])[0].get("value", ""))
            elif control.get("type") in {"checkbox", "radio"}:
                if "checked" in control:
                    data.appendlist(name, control.get("value", "on"))
            else:
                data.appendlist(name, control.get("value", ""))
        return data
