"""Reading what teachers and students hand over as spreadsheets and editors save it (the bytes
are read by ``files.read_at_most``, bounded).

:func:`decode_text`: UTF-8, or UTF-16 with its mark.

Excel's "CSV UTF-8" and most editors write UTF-8, often with a byte-order mark; Excel's
"Unicode Text" and Windows Notepad's "Unicode" write UTF-16 and always start with the mark
(FF FE or FE FF), so that encoding is known, not guessed. A file in a legacy code page (Big5/cp950,
GBK, Shift-JIS, cp1252) carries no mark, and the same bytes read as different names in each of
them: such a file is refused (``UnicodeDecodeError``), and the caller says how to save it again.
"""

from __future__ import annotations

import codecs

MARKS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
"""The byte-order marks that say a file's encoding, and the encoding each says."""


def decode_text(data: bytes) -> str:
    """``data`` as text: after a byte-order mark in the encoding it names, else UTF-8.

    Raises ``UnicodeDecodeError`` (its ``start`` counts bytes of ``data`` after the mark).
    """
    for mark, encoding in MARKS:
        if data.startswith(mark):
            return data[len(mark) :].decode(encoding)
    return data.decode("utf-8")
