"""atomic_write: the one way microgradpp writes a file (models, pictures, plots, step pages)."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from microgradpp import files
from microgradpp.files import atomic_write


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def disk_full(monkeypatch) -> None:
    """Make the next fsync fail as a full disk does (the bytes did not all reach the disk)."""

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)


def test_writes_text_and_bytes_and_creates_folders(tmp_path):
    assert atomic_write(tmp_path / "a" / "b" / "x.txt", "héllo") == tmp_path / "a" / "b" / "x.txt"
    assert (tmp_path / "a" / "b" / "x.txt").read_bytes() == "héllo".encode()
    atomic_write(tmp_path / "y.bin", b"\x00\xff")
    assert (tmp_path / "y.bin").read_bytes() == b"\x00\xff"
    assert sorted(os.listdir(tmp_path)) == ["a", "y.bin"]  # no temporary file left


def test_a_new_file_gets_the_umask_mode_like_open(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.txt", "x")
        assert mode(tmp_path / "new.txt") == 0o644
        os.umask(0o077)
        atomic_write(tmp_path / "private.txt", "x")
        assert mode(tmp_path / "private.txt") == 0o600
    finally:
        os.umask(old)


@pytest.mark.parametrize("permissions", [0o644, 0o600, 0o640, 0o664, 0o755])
def test_an_existing_file_keeps_its_permissions(tmp_path, permissions):
    path = tmp_path / "kept.txt"
    path.write_text("old")
    os.chmod(path, permissions)
    atomic_write(path, "new")
    assert path.read_text() == "new"
    assert mode(path) == permissions


@pytest.mark.parametrize("relative", [True, False])
def test_a_symlink_stays_a_link_and_its_target_is_updated(tmp_path, relative):
    target = tmp_path / "runs" / "run7.json"
    target.parent.mkdir()
    target.write_text("old")
    os.chmod(target, 0o644)
    link = tmp_path / "latest.json"
    link.symlink_to(os.path.relpath(target, tmp_path) if relative else target)
    atomic_write(link, "new")
    assert link.is_symlink()
    assert target.read_text() == "new" and link.read_text() == "new"
    assert mode(target) == 0o644
    assert os.listdir(target.parent) == ["run7.json"]


def test_a_chain_of_links_and_a_dangling_link(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    (tmp_path / "one").symlink_to(target)
    (tmp_path / "two").symlink_to(tmp_path / "one")
    atomic_write(tmp_path / "two", "new")
    assert (tmp_path / "one").is_symlink() and (tmp_path / "two").is_symlink()
    assert target.read_text() == "new"
    (tmp_path / "dangling").symlink_to(tmp_path / "later.txt")
    atomic_write(tmp_path / "dangling", "made")  # as `echo made > dangling`: creates the target
    assert (tmp_path / "dangling").is_symlink() and (tmp_path / "later.txt").read_text() == "made"


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="it is a folder, not a file"):
        atomic_write(tmp_path, "x")


def test_a_failure_names_the_file_asked_for_not_the_temporary_one(tmp_path, monkeypatch):
    """'No such file or directory: .page.html.5aeb9528.tmp' would puzzle whoever asked for
    page.html: the error keeps its class and errno and names page.html."""
    path = tmp_path / "page.html"
    disk_full(monkeypatch)
    with pytest.raises(OSError) as caught:
        atomic_write(path, "x")
    assert (caught.value.errno, caught.value.filename) == (errno.ENOSPC, str(path))
    assert ".tmp" not in str(caught.value)

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".page.x.tmp"))

    monkeypatch.setattr(files.os, "open", refuse)  # the temporary file cannot even be created
    with pytest.raises(PermissionError) as caught:
        atomic_write(path, "x")
    assert str(caught.value) == f"[Errno 13] Permission denied: '{path}'"


@pytest.mark.parametrize("size", [0, 1, 10_000, 3_000_000])
def test_a_full_disk_leaves_the_old_file_whole(tmp_path, monkeypatch, size):
    path = tmp_path / "page.html"
    path.write_text("the old page")
    disk_full(monkeypatch)
    with pytest.raises(OSError, match="No space left on device"):
        atomic_write(path, "x" * size)
    assert path.read_text() == "the old page"
    assert os.listdir(tmp_path) == ["page.html"]


def test_a_failed_write_halfway_leaves_the_old_file(tmp_path, monkeypatch):
    """The write itself fails after part of the bytes (ENOSPC from write, not from fsync)."""
    path = tmp_path / "model.json"
    path.write_text("old")
    real_fdopen = os.fdopen

    class HalfFile:
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(files.os, "fdopen", lambda *a, **k: HalfFile(real_fdopen(*a, **k)))
    with pytest.raises(OSError):
        atomic_write(path, "new text that does not fit")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["model.json"]


def test_an_interrupt_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "x.svg"
    path.write_text("old")

    def interrupted(descriptor: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, "new")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["x.svg"]


# -- every writer goes through atomic_write -------------------------------------------------------


def _writers(tmp_path):
    """(name, path, write) for every kind of file microgradpp writes."""
    from microgradpp import save
    from microgradpp.engine import Value
    from microgradpp.nn import MLP

    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    f = x * y + x
    f.backward()
    writers = [
        ("save", tmp_path / "model.json", lambda p: save(MLP(2, [2, 1], seed=0), p)),
    ]
    try:
        from microgradpp.viz import render

        writers.append(("render dot", tmp_path / "f.dot", lambda p: render(f, p)))
        import shutil

        if shutil.which("dot"):
            writers.append(("render svg", tmp_path / "f.svg", lambda p: render(f, p)))
            from microgradpp.steps import render_steps

            writers.append(("step page", tmp_path / "steps.html", lambda p: render_steps(f, p)))
    except ImportError:
        pass
    try:
        import matplotlib  # noqa: F401

        from microgradpp.viz import plots

        history = {"epochs": [1, 2], "loss": [1.0, 0.5]}
        writers.append(
            ("plot png", tmp_path / "h.png", lambda p: plots.plot_history(history, path=p))
        )
        writers.append(
            ("plot svg", tmp_path / "h.svg", lambda p: plots.plot_history(history, path=p))
        )
    except ImportError:
        pass
    return writers


def test_every_writer_is_atomic_and_keeps_links_and_permissions(tmp_path, monkeypatch):
    for name, path, write in _writers(tmp_path):
        real = path.with_name("real-" + path.name)
        real.write_text("old")
        os.chmod(real, 0o644)
        path.symlink_to(real.name)
        write(path)
        assert path.is_symlink(), name
        assert real.read_bytes() != b"old", name
        assert mode(real) == 0o644, name
        real.write_text("old")
        with monkeypatch.context() as patch:
            disk_full(patch)
            with pytest.raises(OSError, match="No space left"):
                write(path)
        assert real.read_text() == "old", name
        assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")], name


def test_write_together_puts_every_file_in_place_and_leaves_no_staging_folder(tmp_path):
    written = files.write_together(tmp_path / "out", {"a.txt": "A", "sub/b.bin": b"\x00B"})
    assert written == [tmp_path / "out/a.txt", tmp_path / "out/sub/b.bin"]
    assert (tmp_path / "out/a.txt").read_text() == "A"
    assert (tmp_path / "out/sub/b.bin").read_bytes() == b"\x00B"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.txt", "sub"]


def test_write_together_writes_nothing_when_one_file_fails(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old")
    real, calls = files.atomic_write, []

    def full_disk_at_the_second(path, data, encoding="utf-8"):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data, encoding)

    monkeypatch.setattr(files, "atomic_write", full_disk_at_the_second)
    with pytest.raises(OSError, match="No space left"):
        files.write_together(out, {"a.txt": "new", "b.txt": "new"})
    assert [p.name for p in out.iterdir()] == ["a.txt"] and (out / "a.txt").read_text() == "old"
    calls.clear()
    with pytest.raises(OSError):
        files.write_together(tmp_path / "fresh", {"a.txt": "new", "b.txt": "new"})
    assert not (tmp_path / "fresh").exists()  # a folder this call made goes too
    (out / "c").mkdir()
    with pytest.raises(IsADirectoryError):  # refused before anything is written
        files.write_together(out, {"a.txt": "new", "c": "x"})
    with pytest.raises(ValueError, match="is not a path inside"):
        files.write_together(out, {"../escape.txt": "x"})
    assert (out / "a.txt").read_text() == "old" and not (tmp_path / "escape.txt").exists()


def test_a_folder_in_the_way_is_said_in_chinese(tmp_path):
    from microgradpp.i18n import translated

    with pytest.raises(IsADirectoryError) as caught:
        atomic_write(tmp_path, "x")
    assert str(caught.value) == f"cannot write {tmp_path}: it is a folder, not a file"
    assert translated(caught.value, "zh-Hant") == f"無法寫入 {tmp_path}：它是資料夾，不是檔案"
    assert translated(caught.value, "zh-Hans") == f"无法写入 {tmp_path}：它是文件夹，不是文件"
    with pytest.raises(ValueError) as caught:
        files.write_together(tmp_path / "o", {"../x": "y"})
    assert translated(caught.value, "zh-Hant") == f"'../x' 不是 {tmp_path / 'o'} 裡面的路徑"


def test_what_the_system_says_is_translated_only_where_it_is_the_catalogs_english():
    from microgradpp.i18n import Words

    said = files.os_reason(PermissionError(errno.EACCES, "Permission denied"))
    assert isinstance(said, Words) and str(said) == "Permission denied"
    assert said.reason("zh-Hant") == "沒有權限" and said.reason("zh-Hans") == "没有权限"
    assert (
        files.os_reason(OSError(errno.EIO, "I/O failure on this box")) == "I/O failure on this box"
    )
    assert files.os_reason(OSError("no errno at all")) == "no errno at all"


def test_an_unreadable_model_file_says_why_in_chinese(tmp_path, monkeypatch):
    from pathlib import Path

    from microgradpp.i18n import translated
    from microgradpp.serialize import SerializationError, load

    path = tmp_path / "model.json"
    path.write_text("{}", encoding="utf-8")

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(SerializationError) as caught:
        load(path)
    assert str(caught.value) == f"{path} cannot be read: Permission denied"
    assert translated(caught.value, "zh-Hant") == f"無法讀取 {path}：沒有權限"
