"""Writing a file so that a crash, a full disk or a kill never leaves half of it behind.

Every file microgradpp writes — a saved model, a picture, a plot, a step-by-step page — goes
through :func:`atomic_write`:

1. the bytes go to a new temporary file in the *same folder* as the target (so the last step
   never crosses file systems), created with mode 0666 minus your umask, as ``open()`` would;
2. the temporary file is flushed and ``fsync``-ed: its bytes are on the disk;
3. it takes the permissions (and, when allowed, the owner) of the file it replaces;
4. ``os.replace`` swaps it in: one rename, which POSIX and Windows make atomic. Readers see the
   old file or the new one, never a mixture; if any step fails (disk full, permission denied,
   interrupted) the temporary file is removed and the old file is untouched.

A symbolic link is followed: the file it points to is replaced and the link stays a link (as
``echo text > link`` would), so a model saved through ``latest.json -> run7.json`` updates
``run7.json``.

And reading one bounded: :func:`read_at_most` never reads more than the limit — the size the
file system reports is checked first, and then only limit + 1 bytes are read (a size can be
wrong or missing: ``/proc``, a file still being written, a device or a pipe, which are refused
before they are opened, since opening a pipe waits for a writer).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from . import i18n

_NEW_FILE_MODE = 0o666
"""Mode asked for a new file; the operating system takes the umask off (usually 0644)."""


def atomic_write(path: str | os.PathLike, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Replace the file at ``path`` with ``data`` (bytes, or text encoded with ``encoding``)
    in one atomic step; returns the path. Missing parent folders are created.

    Raises ``IsADirectoryError`` if ``path`` is a folder and ``OSError`` if the write fails —
    in every case the previous file (if any) is left exactly as it was.
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    path = Path(path)
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if target.is_dir():
        raise i18n.error(IsADirectoryError, "files.error.is_folder", path=path)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        previous: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        previous = None
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _NEW_FILE_MODE)
    except OSError as error:
        raise _naming(error, path) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if previous is not None:
            _copy_permissions(temporary, previous)
        os.replace(temporary, target)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise _naming(error, path) from None
        raise
    _sync_folder(folder)
    return path


def os_reason(problem: OSError) -> str | i18n.Words:
    """What the operating system said about ``problem`` ("Permission denied"), in any language
    when the catalogs have those words (``files.reason.EACCES``); its own words otherwise. The
    English stays the system's: the catalogs' words are used only where they are the same."""
    said = problem.strerror or str(problem)
    key = f"files.reason.{errno.errorcode.get(problem.errno or 0, '')}"
    if key in i18n.catalog("en") and i18n.message(key, "en") == said:
        return i18n.Words(key)
    return said


def _naming(error: OSError, path: Path) -> OSError:
    """The same error (same class and errno) about the file that was asked for: the temporary
    file's name ('.page.html.5aeb9528.tmp') means nothing to whoever asked for page.html."""
    return type(error)(error.errno, error.strerror or str(error), str(path))


def _copy_permissions(temporary: Path, previous: os.stat_result) -> None:
    """Give the new file the old one's mode bits and, if we may, its owner and group."""
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # only root may give a file away: keep ours then
            os.chown(temporary, previous.st_uid, previous.st_gid)
    os.chmod(temporary, stat.S_IMODE(previous.st_mode))


def _sync_folder(folder: Path) -> None:
    """fsync the folder so the rename itself survives a power cut (POSIX; a no-op elsewhere)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


class TooBig(Exception):
    """A file holds more than the limit: ``size`` bytes at least (what was found); ``grew``: it
    was within the limit when its size was read, and grew past it before it was read."""

    def __init__(self, size: int, grew: bool = False):
        super().__init__(size)
        self.size, self.grew = size, grew


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
        # in pieces: file.read(n) sets n bytes aside at once, and the limit may be far larger
        # than the file (a 2 KB model under a 128 MB limit); a size of 0 (/proc) reads on
        pieces, count = [], 0
        while count <= most:
            piece = file.read(min(most + 1 - count, max(size + 1, 1 << 16)))
            if not piece:
                break
            pieces.append(piece)
            count += len(piece)
        data = b"".join(pieces)
    if len(data) > most:
        raise TooBig(len(data), grew=True)
    return data


def write_together(folder: str | os.PathLike, files: dict[str, bytes | str]) -> list[Path]:
    """Write several files into ``folder`` so that they appear together or not at all.

    ``files`` maps a path relative to ``folder`` ('students/hw3-S001.html') to its content.
    Every file is first written (and fsync-ed) into a hidden staging folder inside ``folder``;
    only when all of them are there are they moved into place, each with one ``os.replace``
    (a rename: it needs no disk space, so a full disk stops the writing before anything is
    replaced). If anything fails before that, the staging folder is removed and ``folder`` is
    as it was (created by this call? then it is removed too). Returns the paths written.
    """
    import shutil

    folder = Path(folder)
    targets = [folder / name for name in files]
    for name, target in zip(files, targets):
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise i18n.error(ValueError, "files.error.outside", name=repr(name), folder=folder)
        if target.is_dir():
            raise i18n.error(IsADirectoryError, "files.error.is_folder", path=target)
    existed = folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".staging.{secrets.token_hex(4)}.tmp"
    try:
        for name, data in files.items():
            atomic_write(staging / name, data)
        for name, target in zip(files, targets):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    _sync_folder(folder)
    return targets
