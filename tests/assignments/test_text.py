"""read_at_most: no byte past the limit, no pipe opened; decode_text: UTF-8, UTF-16 with its mark."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from microgradpp.assignments import AssignmentError
from microgradpp.assignments.text import decode_text
from microgradpp.files import NotRegularFile, TooBig, read_at_most


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


def _readers():
    from microgradpp.assignments import read_manifest, read_roster, read_submissions

    return [read_roster, read_submissions, read_manifest]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_or_a_device_is_refused_before_it_is_opened(tmp_path):
    # opening a pipe waits for a writer: `grade inbox/` hung on a fifo among the files
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    for read in _readers():
        with pytest.raises(AssignmentError, match="not a regular file"):
            read(pipe)
    with pytest.raises(NotRegularFile):
        read_at_most("/dev/null", 10)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="no /proc here")
def test_a_file_whose_size_is_not_what_it_holds_is_still_read_no_further_than_the_limit():
    # /proc files say 0 bytes and hold ~1 KB; reading stops at the limit + 1
    with pytest.raises(TooBig) as caught:
        read_at_most("/proc/self/status", 100)
    assert (caught.value.size, caught.value.grew) == (101, True)
    assert read_at_most("/proc/self/status", 1_000_000).startswith(b"Name:")
