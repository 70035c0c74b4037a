"""Text that came from the file system, made safe for every output.

File names that are not UTF-8 reach chaffra as surrogate escapes
(:func:`os.fsdecode`). Written as they are, they become raw bytes in a text
report or lone surrogates in JSON, which strict readers reject; every output
writes such a byte as ``\\xNN`` instead (SARIF URIs percent-encode it).
"""

from __future__ import annotations

__all__ = ["escape_surrogates"]

_ESCAPED_BYTES = range(0xDC80, 0xDD00)


def escape_surrogates(text: str) -> str:
    """``text`` with surrogates written as ``\\xNN`` (escaped bytes) or ``\\uNNNN``."""
    if not any("\ud800" <= char <= "\udfff" for char in text):
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    if code in _ESCAPED_BYTES:
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    return char
