"""Submit the admin's forms as a browser would: every field with the value the page shows."""

from html.parser import HTMLParser


class AdminFormParser(HTMLParser):
    """The values a browser would submit from the admin's add or change form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data, self.in_form, self.textarea, self.select = {}, False, None, None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form" and attrs.get("id", "").endswith("_form"):
            self.in_form = True
        if tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value", ""))
        if not self.in_form or "disabled" in attrs or not attrs.get("name"):
            return
        name, kind = attrs["name"], attrs.get("type", "text")
        if tag == "input" and kind not in {"submit", "button", "file", "image", "reset"}:
            if kind not in {"checkbox", "radio"} or "checked" in attrs:
                self.add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self.textarea = name
            self.add(name, "")
        elif tag == "select":
            self.select = name
            self.data.setdefault(name, [])

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.in_form = False


def admin_form_data(client, url):
    """The form at `url` as a browser would submit it unchanged: {field name: [values]}."""
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    parser = AdminFormParser()
    parser.feed(response.content.decode())
    assert parser.data, f"no admin form at {url}"
    return parser.data


def submit_admin_form(client, url, /, **fields):
    """POST the form at `url` with `fields` changed and "Save" pressed; the response (302 when saved)."""
    data = admin_form_data(client, url) | {"_save": ["Save"]}
    for name, value in fields.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(url, data)
