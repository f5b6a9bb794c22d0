"""What every way into the database does to text: NFC, no characters that hide or reorder it, no controls."""

import re
import unicodedata

# Characters that only hide or reorder text (zero-width space, word joiner, BOM, bidi embeddings,
# overrides and isolates): removed. The zero-width joiner stays: emoji sequences need it.
INVISIBLE = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# Control characters no text of ours holds (tab and line ends are fine): refused.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class ControlCharacterError(ValueError):
    """Text holds a control character; the message says which and where."""


def normalise_text(value):
    """`value` in NFC without invisible formatting characters; ControlCharacterError at a control one."""
    value = INVISIBLE.sub("", unicodedata.normalize("NFC", value))
    if match := CONTROL.search(value):
        raise ControlCharacterError(
            f"control character U+{ord(match.group()):04X} at position {match.start() + 1}: remove it"
        )
    return value
