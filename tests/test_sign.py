"""Signed checksums: `publish sign` writes minisign's format, and both the real `minisign` and
`publish verify` accept it, and refuse every kind of tampering."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from commands import publish
from conftest import ARTICLE, ROOT

from publish.build.run import build

MINISIGN = shutil.which("minisign")
needs_minisign = pytest.mark.skipif(MINISIGN is None, reason="minisign is not installed (Debian: minisign)")
SLUG = ARTICLE.stem


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway key pair, as `minisign -G -W` (no password) makes it."""
    folder = tmp_path_factory.mktemp("keys")
    if MINISIGN is None:
        pytest.skip("minisign is not installed (Debian: minisign)")
    subprocess.run([MINISIGN, "-G", "-W", "-p", folder / "key.pub", "-s", folder / "key.sec"],
                   check=True, capture_output=True)  # fmt: skip
    return folder


@pytest.fixture
def signed(keys: Path, tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    build(ARTICLE, out, environ={})
    done = publish("sign", out, "--key", keys / "key.sec", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return out


def _minisign(folder: Path, public: Path) -> subprocess.CompletedProcess[str]:
    assert MINISIGN is not None
    return subprocess.run([MINISIGN, "-Vm", "SHA256SUMS", "-p", str(public)], cwd=folder, capture_output=True,
                          text=True, check=False)  # fmt: skip


def _verify(folder: Path, public: Path) -> subprocess.CompletedProcess[str]:
    return publish("verify", folder, "--public-key", public, cwd=folder.parent)


@needs_minisign
def test_minisign_and_publish_verify_accept_the_signature(signed: Path, keys: Path) -> None:
    done = _minisign(signed, keys / "key.pub")
    assert done.returncode == 0, done.stderr
    assert "Signature and comment signature verified" in done.stdout + done.stderr
    assert "Trusted comment: timestamp:1795737600\tfile:SHA256SUMS\thashed" in done.stdout + done.stderr
    ours = _verify(signed, keys / "key.pub")
    assert ours.returncode == 0, ours.stderr
    assert "signature good" in ours.stdout
    assert f"{len((signed / 'SHA256SUMS').read_text().splitlines())} files match" in ours.stdout
    one_line = keys.parent / "one-line.pub"  # the key as `minisign -P` takes it, alone
    key = (keys / "key.pub").read_text().splitlines()[1]
    one_line.write_text(key + "\n")
    assert _verify(signed, one_line).returncode == 0
    given = publish("verify", signed, "--public-key", key, cwd=signed.parent)  # or the key itself
    assert given.returncode == 0, given.stderr


@needs_minisign
def test_the_same_key_and_checksums_give_the_same_signature(signed: Path, keys: Path, tmp_path: Path) -> None:
    first = (signed / "SHA256SUMS.minisig").read_bytes()
    env_key = {"PUBLISH_MINISIGN_KEY": (keys / "key.sec").read_text()}  # as a CI secret gives it
    command = [sys.executable, "-m", "publish", "sign", str(signed)]
    done = subprocess.run(command, env={**os.environ, **env_key}, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (signed / "SHA256SUMS.minisig").read_bytes() == first


@needs_minisign
def test_a_changed_edition_fails_publish_verify_and_sha256sum(signed: Path, keys: Path) -> None:
    pdf = signed / f"{SLUG}.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n% appended\n")
    ours = _verify(signed, keys / "key.pub")
    assert ours.returncode == 1
    line = next(
        n for n, text in enumerate((signed / "SHA256SUMS").read_text().splitlines(), 1) if text.endswith(".pdf")
    )
    assert f"SHA256SUMS:{line}: {SLUG}.pdf does not match its checksum: it was changed" in ours.stderr
    assert _minisign(signed, keys / "key.pub").returncode == 0  # minisign vouches for the list only...
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=signed, capture_output=True, text=True)
    assert check.returncode != 0  # ...which the page tells readers to check the files against
    pdf.unlink()
    assert _verify(signed, keys / "key.pub").returncode == 2  # missing: cannot be read


@needs_minisign
def test_changed_checksums_fail(signed: Path, keys: Path) -> None:
    sums = signed / "SHA256SUMS"
    html = signed / f"{SLUG}.html"
    html.write_bytes(html.read_bytes().replace(b"James Person", b"Someone Else"))
    import hashlib

    digest = hashlib.sha256(html.read_bytes()).hexdigest()
    lines = [
        f"{digest}  {SLUG}.html" if line.endswith(f"  {SLUG}.html") else line for line in sums.read_text().splitlines()
    ]
    sums.write_text("\n".join(lines) + "\n")  # the checksum made to agree with the changed file
    ours = _verify(signed, keys / "key.pub")
    assert ours.returncode == 1
    assert "SHA256SUMS: does not match its signature" in ours.stderr
    assert _minisign(signed, keys / "key.pub").returncode != 0


@needs_minisign
@pytest.mark.parametrize("line", [1, 3])
def test_a_changed_signature_or_trusted_comment_fails(signed: Path, keys: Path, line: int) -> None:
    signature = signed / "SHA256SUMS.minisig"
    lines = signature.read_text().splitlines()
    if line == 1:
        data = bytearray(base64.b64decode(lines[1]))
        data[-1] ^= 1
        lines[1] = base64.b64encode(bytes(data)).decode()
    else:
        lines[2] = lines[2].replace("timestamp:1795737600", "timestamp:1900000000")
    signature.write_text("\n".join(lines) + "\n")
    ours = _verify(signed, keys / "key.pub")
    assert ours.returncode == 1, ours.stderr
    assert ("the trusted comment was changed" if line == 3 else "does not match its signature") in ours.stderr
    assert _minisign(signed, keys / "key.pub").returncode != 0


@needs_minisign
def test_another_key_a_missing_signature_and_no_key(signed: Path, keys: Path, tmp_path: Path) -> None:
    assert MINISIGN is not None
    subprocess.run([MINISIGN, "-G", "-W", "-p", tmp_path / "other.pub", "-s", tmp_path / "other.sec"],
                   check=True, capture_output=True)  # fmt: skip
    other = _verify(signed, tmp_path / "other.pub")
    assert other.returncode == 1
    assert "not by this public key" in other.stderr
    (signed / "SHA256SUMS.minisig").unlink()
    missing = _verify(signed, keys / "key.pub")
    assert missing.returncode == 2
    assert "SHA256SUMS.minisig" in missing.stderr
    nokey = publish("sign", signed, cwd=tmp_path)
    assert nokey.returncode == 2
    assert "no key: give --key FILE" in nokey.stderr


@needs_minisign
def test_a_password_protected_key_reads_its_password_from_the_environment(tmp_path: Path) -> None:
    assert MINISIGN is not None
    subprocess.run([MINISIGN, "-G", "-p", tmp_path / "pw.pub", "-s", tmp_path / "pw.sec"],
                   input=b"correct horse\ncorrect horse\n", check=True, capture_output=True)  # fmt: skip
    out = tmp_path / "dist"
    build(ARTICLE, out, environ={})
    base = {k: v for k, v in os.environ.items() if not k.startswith("PUBLISH_MINISIGN")}
    command = [sys.executable, "-m", "publish", "sign", str(out), "--key", str(tmp_path / "pw.sec")]
    none = subprocess.run(command, env=base, capture_output=True, text=True, check=False)
    assert none.returncode == 2
    assert "protected by a password: put it in $PUBLISH_MINISIGN_PASSWORD" in none.stderr
    wrong = subprocess.run(command, env={**base, "PUBLISH_MINISIGN_PASSWORD": "wrong"}, capture_output=True,
                           text=True, check=False)  # fmt: skip
    assert wrong.returncode == 2
    assert "wrong password" in wrong.stderr
    right = subprocess.run(command, env={**base, "PUBLISH_MINISIGN_PASSWORD": "correct horse"}, capture_output=True,
                           text=True, check=False)  # fmt: skip
    assert right.returncode == 0, right.stderr
    assert _minisign(out, tmp_path / "pw.pub").returncode == 0
    secret = (tmp_path / "pw.sec").read_text().splitlines()[1].encode()
    assert not [p for p in out.rglob("*") if p.is_file() and secret[:40] in p.read_bytes()]  # the key stays out


def test_no_secret_key_is_in_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False).stdout.split(b"\0")
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path.is_file() and path.stat().st_size < 2_000_000:
            assert b"minisign encrypted " + b"secret key" not in path.read_bytes(), name


@needs_minisign
def test_the_release_bundle_carries_the_signature(signed: Path, keys: Path) -> None:
    import zipfile

    from publish.build.release import bundle

    with zipfile.ZipFile(bundle(signed)) as archive:
        names = archive.namelist()
        assert f"{SLUG}-editions/SHA256SUMS.minisig" in names
        assert archive.read(f"{SLUG}-editions/SHA256SUMS.minisig") == (signed / "SHA256SUMS.minisig").read_bytes()
        assert f"{SLUG}-editions/index.html" in names
