"""The playground's pinned packages (microgradpp.web.packages): a file is used only when its
SHA-256 is the pinned one; a download that cannot happen says why."""

from __future__ import annotations

import hashlib

import pytest

from microgradpp.errors import MicrogradppError, WebBuildError
from microgradpp.i18n import english_sentences, translated
from microgradpp.web import packages
from microgradpp.web.packages import PINNED, Pinned, fetch, sha256_of


def pinned_for(content: bytes, registry: str = "npm") -> Pinned:
    return Pinned(
        "example", "1.0.0", registry, "example-1.0.0.tgz",
        hashlib.sha256(content).hexdigest(), "MIT", "a test",
    )  # fmt: skip


def test_a_cached_file_with_the_pinned_hash_is_used_without_downloading(tmp_path, monkeypatch):
    (tmp_path / "example-1.0.0.tgz").write_bytes(b"the right bytes")
    monkeypatch.setattr(packages, "_download", lambda *_: pytest.fail("downloaded"))
    path = fetch(pinned_for(b"the right bytes"), tmp_path)
    assert path == tmp_path / "example-1.0.0.tgz" and path.read_bytes() == b"the right bytes"


def test_a_file_with_another_hash_is_deleted_and_the_build_stops(tmp_path):
    (tmp_path / "example-1.0.0.tgz").write_bytes(b"changed bytes")
    pin = pinned_for(b"the right bytes")
    with pytest.raises(WebBuildError) as info:
        fetch(pin, tmp_path)
    found = hashlib.sha256(b"changed bytes").hexdigest()
    assert str(info.value) == (
        f"example-1.0.0.tgz has SHA-256 {found}, not the pinned {pin.sha256}: deleted. "
        "Someone changed the file, or the pin is wrong (microgradpp/web/packages.py)."
    )
    assert not (tmp_path / "example-1.0.0.tgz").exists()
    assert isinstance(info.value, MicrogradppError) and isinstance(info.value, RuntimeError)
    assert translated(info.value, "zh-Hant") == (
        f"example-1.0.0.tgz 的 SHA-256 是 {found}，不是固定的 {pin.sha256}：已刪除。"
        "有人改了這個檔案，或是固定的值錯了（microgradpp/web/packages.py）。"
    )
    assert translated(info.value, "zh-Hans").startswith(f"example-1.0.0.tgz 的 SHA-256 是 {found}")


def test_without_npm_the_message_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(packages.shutil, "which", lambda _: None)
    with pytest.raises(
        WebBuildError, match=r"example comes from the npm registry and npm is not"
    ) as info:
        fetch(pinned_for(b"x"), tmp_path / "new-cache")
    assert translated(info.value, "zh-Hans").startswith("example 来自 npm 仓库，但没有安装 npm")
    assert english_sentences(translated(info.value, "zh-Hant")) == []
    assert (tmp_path / "new-cache").is_dir() and not list((tmp_path / "new-cache").iterdir())


def test_a_failed_download_names_the_package_and_the_clients_last_words(tmp_path, monkeypatch):
    monkeypatch.setattr(packages.sys, "executable", "/bin/false")
    with pytest.raises(WebBuildError, match=r"^downloading example 1.0.0 failed \(exit 1\)"):
        fetch(pinned_for(b"x", registry="pypi"), tmp_path)


def test_a_download_that_gives_no_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(packages, "_download", lambda *_: None)
    with pytest.raises(
        WebBuildError, match="downloading example 1.0.0 did not give example-1.0.0"
    ) as info:
        fetch(pinned_for(b"x"), tmp_path)
    assert translated(info.value, "zh-Hant") == "下載 example 1.0.0 沒有得到 example-1.0.0.tgz"


def test_every_pin_is_exact():
    for pin in PINNED:
        assert len(pin.sha256) == 64 and int(pin.sha256, 16) >= 0
        assert pin.registry in ("npm", "pypi") and pin.version[0].isdigit()
        assert pin.version in pin.filename
    assert [pin.name for pin in PINNED] == ["pyodide", "@hpcc-js/wasm-graphviz", "graphviz"]


def test_sha256_of_reads_in_blocks(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"a" * (3 << 20))
    assert sha256_of(path) == hashlib.sha256(b"a" * (3 << 20)).hexdigest()
