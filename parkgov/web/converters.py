"""URL path converter for stored codes and names, so every stored value round-trips through a link.

Django quotes `%`, `?`, `#`, spaces and non-ASCII in `reverse`, but keeps `/`, and a `%2F` arrives decoded, so a
`/` in a code cannot be carried by percent-encoding. The converter writes `~2F` for `/` and `~7E` for `~` (so the
escape is unambiguous), and escapes the dots of a segment made only of dots, which browsers would resolve as `.`
or `..` instead of sending.
"""

import re

from django.urls import register_converter

_ESCAPED = re.compile(r"~([0-9A-F]{2})")


class StoredCodeConverter:
    """`<stored:code>`: any non-empty string; one path segment in the URL."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)

    def to_url(self, value) -> str:
        text = str(value).replace("~", "~7E").replace("/", "~2F")
        if text.strip(".") == "":
            text = text.replace(".", "~2E")
        return text


def register() -> None:
    """Register the converter under the name `stored` (before any URL pattern using it is built)."""
    register_converter(StoredCodeConverter, "stored")
