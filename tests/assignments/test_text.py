"""decode_text: UTF-8 with or without its mark, UTF-16 only with its mark, nothing guessed."""

from __future__ import annotations

import pytest

from microgradpp.assignments.text import decode_text


@pytest.mark.parametrize(
    "data",
    [
        "林怡君,\r\n".encode(),
        b"\xef\xbb\xbf" + "林怡君,\r\n".encode(),
        b"\xff\xfe" + "林怡君,\r\n".encode("utf-16-le"),
        b"\xfe\xff" + "林怡君,\r\n".encode("utf-16-be"),
    ],
)
def test_the_mark_says_the_encoding_and_is_not_part_of_the_text(data):
    assert decode_text(data) == "林怡君,\r\n"


def test_unmarked_utf16_and_legacy_code_pages_are_not_guessed():
    for data in ("林怡君".encode("utf-16-le"), "林怡君".encode("cp950"), "林".encode("gbk")):
        with pytest.raises(UnicodeDecodeError):
            decode_text(data)
