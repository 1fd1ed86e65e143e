"""The minisign reader's refusals, one by one, in this process: each names the file and, where
it can, the line."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from publish.errors import UsageError
from publish.room.page import size
from publish.room.sign import (
    SIGNATURE,
    SUMS,
    PublicKey,
    SecretKey,
    SignatureError,
    read_public_key,
    read_secret_key,
    sign,
    verify,
)

SEED = bytes(range(32))
KEY = SecretKey(b"\x01\x02\x03\x04\x05\x06\x07\x08", SEED)
SHORT = base64.b64encode(b"ED" + bytes(10)).decode()  # a signature line of the wrong length


def _public() -> PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = Ed25519PrivateKey.from_private_bytes(SEED).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PublicKey(KEY.key_id, raw)


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    lines = [f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())]
    (tmp_path / SUMS).write_text("".join(lines))
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a minisign file"),
        ("untrusted comment: x\nnot base64!\n", ":2: not base64"),
        ("untrusted comment: x\n" + base64.b64encode(b"Ed" + bytes(10)).decode(), "not a minisign Ed25519 secret key"),
        ("untrusted comment: x\n" + base64.b64encode(b"EdXXB2" + bytes(152)).decode(), "unknown key protection"),
        ("untrusted comment: x\n" + base64.b64encode(b"EdScB2" + bytes(152)).decode(), "protected by a password"),
    ],
)
def test_a_secret_key_that_is_not_one_is_refused(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        read_secret_key(text, "key.sec", None)


def test_a_public_key_that_is_not_one_is_refused() -> None:
    with pytest.raises(UsageError, match="not a minisign Ed25519 public key"):
        read_public_key(base64.b64encode(b"Ed" + bytes(8)).decode(), "key.pub")
    assert read_public_key(base64.b64encode(b"Ed" + bytes(40)).decode(), "key.pub").key == bytes(32)


def test_a_collection_signs_with_its_latest_source_date(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a/a.html": b"a", "b/b.html": b"b"})
    for name, epoch in (("a", 100), ("b", 200)):
        (folder / name / "manifest.json").write_text(json.dumps({"source_date_epoch": epoch}))
    (folder / "c").mkdir()
    (folder / "c" / "manifest.json").write_text("not json")
    sign(folder, KEY)
    assert "trusted comment: timestamp:200\tfile:SHA256SUMS\thashed" in (folder / SIGNATURE).read_text()
    assert verify(folder, _public()).files == 2


def test_signing_needs_checksums(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="SHA256SUMS: cannot be read"):
        sign(tmp_path, KEY)


@pytest.mark.parametrize(
    ("damage", "error", "message"),
    [
        (lambda lines: lines[:3], UsageError, "not a minisign signature"),
        (lambda lines: [lines[0], "!!", *lines[2:]], UsageError, "not base64"),
        (
            lambda lines: [lines[0], base64.b64encode(b"ED" + bytes(10)).decode(), *lines[2:]],
            UsageError,
            ":2: not an Ed25519 signature",
        ),
    ],
)
def test_a_signature_file_that_is_not_one_is_refused(damage, error, message, tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"a.html": b"a"})
    sign(folder, KEY)
    lines = (folder / SIGNATURE).read_text().splitlines()
    (folder / SIGNATURE).write_text("\n".join(damage(lines)) + "\n")
    with pytest.raises(error, match=message):
        verify(folder, _public())


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not a checksum", ":1: not a checksum line"),
        (f"{'0' * 64}  ../outside", ":1: ../outside is outside the folder"),
    ],
)
def test_checksums_that_cannot_be_read_are_refused(line: str, message: str, tmp_path: Path) -> None:
    (tmp_path / SUMS).write_text(line + "\n")
    sign(tmp_path, KEY)
    with pytest.raises(UsageError, match=message):
        verify(tmp_path, _public())


def test_a_legacy_signature_of_the_whole_file_is_read_too(tmp_path: Path) -> None:
    """minisign -l signs the file itself ("Ed"), not its digest."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    folder = _folder(tmp_path, {"a.html": b"a"})
    private = Ed25519PrivateKey.from_private_bytes(SEED)
    signature = private.sign((folder / SUMS).read_bytes())
    trusted = "timestamp:0\tfile:SHA256SUMS"
    (folder / SIGNATURE).write_text(
        "untrusted comment: legacy\n"
        + base64.b64encode(b"Ed" + KEY.key_id + signature).decode()
        + f"\ntrusted comment: {trusted}\n"
        + base64.b64encode(private.sign(signature + trusted.encode())).decode()
        + "\n"
    )
    assert verify(folder, _public()).trusted_comment == trusted
    (folder / "a.html").write_bytes(b"b")
    with pytest.raises(SignatureError, match=r"a\.html does not match its checksum"):
        verify(folder, _public())


@pytest.mark.parametrize(("count", "shown"), [(999, "999 bytes"), (312_400, "312 kB"), (1_450_000, "1.4 MB")])
def test_sizes_are_shown_as_readers_read_them(count: int, shown: str) -> None:
    assert size(count) == shown
