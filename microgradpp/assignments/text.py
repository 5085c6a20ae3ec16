"""Reading what teachers and students hand over: bounded, and as spreadsheets and editors save it.

:func:`read_at_most` reads a file without ever reading more than the limit: the size the file
system reports is checked first, and then only limit + 1 bytes are read (a size can be wrong or
missing: ``/proc``, a file still being written, a device or a pipe, which are refused before
they are opened, since opening a pipe waits for a writer).

:func:`decode_text`: UTF-8, or UTF-16 with its mark.

Excel's "CSV UTF-8" and most editors write UTF-8, often with a byte-order mark; Excel's
"Unicode Text" and Windows Notepad's "Unicode" write UTF-16 and always start with the mark
(FF FE or FE FF), so that encoding is known, not guessed. A file in a legacy code page (Big5/cp950,
GBK, Shift-JIS, cp1252) carries no mark, and the same bytes read as different names in each of
them: such a file is refused (``UnicodeDecodeError``), and the caller says how to save it again.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

MARKS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
"""The byte-order marks that say a file's encoding, and the encoding each says."""


class TooBig(Exception):
    """A file holds more than the limit: ``size`` bytes at least (what was found)."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class NotRegularFile(OSError):
    """A device, a pipe or a socket: nothing to read a roster or a submission from."""


def read_at_most(path: str | os.PathLike, most: int) -> bytes:
    """The bytes of the regular file at ``path``, never reading more than ``most`` + 1 of them.

    Raises :class:`TooBig` when it holds more than ``most`` bytes, ``IsADirectoryError`` for a
    folder, :class:`NotRegularFile` for anything else that is not a file, ``OSError`` when it
    cannot be read.
    """
    mode = os.stat(path).st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(21, "is a folder", str(path))
    if not stat.S_ISREG(mode):
        raise NotRegularFile(0, "not a regular file (a device, a pipe or a socket)", str(path))
    with Path(path).open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        if size > most:
            raise TooBig(size)
        data = file.read(most + 1)
    if len(data) > most:
        raise TooBig(len(data))
    return data


def decode_text(data: bytes) -> str:
    """``data`` as text: after a byte-order mark in the encoding it names, else UTF-8.

    Raises ``UnicodeDecodeError`` (its ``start`` counts bytes of ``data`` after the mark).
    """
    for mark, encoding in MARKS:
        if data.startswith(mark):
            return data[len(mark) :].decode(encoding)
    return data.decode("utf-8")
