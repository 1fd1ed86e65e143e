"""Signed checksums: ``SHA256SUMS.minisig``, in minisign's format, and its verification.

The secret key is a file as ``minisign -G`` writes it (Ed25519; encrypted with
scrypt and a password unless made with ``-W``), so publishers keep minisign's
own tools for their keys. The signature is minisign's default kind: Ed25519
over the BLAKE2b-512 digest of the file ("ED"), then a second signature over
that one and the trusted comment, which names the file and the build's source
date. Ed25519 is deterministic, so one key and one SHA256SUMS always give the
same bytes. The arithmetic is the ``cryptography`` package's; this module only
reads and writes minisign's framing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from publish.errors import PublishError, UsageError
from publish.options import SIGNING_KEY_VARIABLE, SIGNING_PASSWORD_VARIABLE, SUMS

SIGNATURE = "SHA256SUMS.minisig"
KEY_VARIABLE = SIGNING_KEY_VARIABLE  # the secret key file's text, for CI secrets
PASSWORD_VARIABLE = SIGNING_PASSWORD_VARIABLE
_UNTRUSTED = "untrusted comment: "
_TRUSTED = "trusted comment: "


class SignatureError(PublishError):
    """A signature or a checksum that does not hold: something was changed (exit 1)."""

    exit_code = 1

    def lines(self) -> list[str]:
        return str(self).splitlines()


@dataclass(frozen=True)
class SecretKey:
    key_id: bytes  # 8 bytes, as minisign stores them
    seed: bytes  # the Ed25519 private key's 32 bytes

    @property
    def key_id_text(self) -> str:
        return _key_id_text(self.key_id)


@dataclass(frozen=True)
class PublicKey:
    key_id: bytes
    key: bytes  # 32 bytes


def _key_id_text(key_id: bytes) -> str:
    return f"{int.from_bytes(key_id, 'little'):016X}"


def _payload(text: str, where: str) -> bytes:
    """The base64 line of a minisign file: the first line that is not a comment."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].startswith(_UNTRUSTED):
        raise UsageError(f"{where}: not a minisign file (it must start with '{_UNTRUSTED.strip()}')")
    try:
        return base64.b64decode(lines[1], validate=True)
    except ValueError as exc:
        raise UsageError(f"{where}:2: not base64: {exc}") from exc


def _scrypt_stream(password: bytes, salt: bytes, opslimit: int, memlimit: int, length: int) -> bytes:
    """libsodium's crypto_pwhash_scryptsalsa208sha256, which minisign encrypts keys with: its
    limits turned into scrypt's N, r and p as libsodium does."""
    opslimit = max(opslimit, 32768)
    r = 8
    if opslimit < memlimit // 32:
        p = 1
        most = opslimit // (r * 4)
    else:
        most = memlimit // (r * 128)
    n_log2 = next(n for n in range(1, 63) if (1 << n) > most // 2)
    if opslimit >= memlimit // 32:
        p = min((opslimit // 4) // (1 << n_log2), 0x3FFFFFFF) // r
    needed = 128 * r * (1 << n_log2) * p + 128 * r * p + 256 * r + 2**20
    return hashlib.scrypt(password, salt=salt, n=1 << n_log2, r=r, p=p, maxmem=needed, dklen=length)


def read_secret_key(text: str, where: str, password: str | None) -> SecretKey:
    data = _payload(text, where)
    if len(data) != 158 or data[:2] != b"Ed" or data[4:6] != b"B2":
        raise UsageError(f"{where}: not a minisign Ed25519 secret key")
    kdf, salt = data[2:4], data[6:38]
    opslimit, memlimit = int.from_bytes(data[38:46], "little"), int.from_bytes(data[46:54], "little")
    sealed = data[54:]
    if kdf == b"Sc":
        if password is None:
            raise UsageError(f"{where}: the key is protected by a password: put it in ${PASSWORD_VARIABLE}")
        stream = _scrypt_stream(password.encode(), salt, opslimit, memlimit, len(sealed))
        opened = bytes(a ^ b for a, b in zip(sealed, stream, strict=True))
    elif kdf == b"\0\0":
        opened = sealed
    else:
        raise UsageError(f"{where}: unknown key protection {kdf!r}")
    key_id, secret, check = opened[:8], opened[8:72], opened[72:]
    if kdf == b"Sc" and hashlib.blake2b(b"Ed" + key_id + secret, digest_size=32).digest() != check:
        raise UsageError(f"{where}: wrong password for this key (${PASSWORD_VARIABLE})")
    return SecretKey(key_id, secret[:32])


def read_public_key(text: str, where: str) -> PublicKey:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) == 1:  # the key alone, as `minisign -P` takes it
        lines = [_UNTRUSTED + "minisign public key", lines[0]]
    data = _payload("\n".join(lines), where)
    if len(data) != 42 or data[:2] != b"Ed":
        raise UsageError(f"{where}: not a minisign Ed25519 public key")
    return PublicKey(data[2:10], data[10:])


def _trusted_comment(folder: Path) -> str:
    """What the signature vouches for besides the file: its name and the build's source date."""
    try:
        epoch = int(json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["source_date_epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        epoch = None
    if epoch is None:  # a collection: the latest of its articles'
        epochs = []
        for manifest in sorted(folder.glob("*/manifest.json")):
            try:
                epochs.append(int(json.loads(manifest.read_text(encoding="utf-8"))["source_date_epoch"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        epoch = max(epochs, default=0)
    return f"timestamp:{epoch}\tfile:{SUMS}\thashed"


def sign(folder: Path, key: SecretKey) -> Path:
    """Write ``SHA256SUMS.minisig`` beside ``SHA256SUMS``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        message = (folder / SUMS).read_bytes()
    except OSError as exc:
        raise UsageError(f"{folder / SUMS}: cannot be read ({exc.strerror or exc}); build first") from exc
    private = Ed25519PrivateKey.from_private_bytes(key.seed)
    signature = private.sign(hashlib.blake2b(message, digest_size=64).digest())
    trusted = _trusted_comment(folder)
    global_signature = private.sign(signature + trusted.encode())
    text = (
        f"{_UNTRUSTED}signature from minisign secret key {key.key_id_text}\n"
        f"{base64.b64encode(b'ED' + key.key_id + signature).decode()}\n"
        f"{_TRUSTED}{trusted}\n"
        f"{base64.b64encode(global_signature).decode()}\n"
    )
    target = folder / SIGNATURE
    target.write_text(text, encoding="utf-8", newline="\n")
    return target


def load_secret_key(path: Path | None, environ: dict[str, str] | os._Environ[str]) -> SecretKey:
    """The key from ``--key FILE``, else from $PUBLISH_MINISIGN_KEY; its password, if it has
    one, from $PUBLISH_MINISIGN_PASSWORD."""
    password = environ.get(PASSWORD_VARIABLE)
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--key {path}: cannot be read ({exc})") from exc
        return read_secret_key(text, str(path), password)
    if environ.get(KEY_VARIABLE):
        return read_secret_key(environ[KEY_VARIABLE], f"${KEY_VARIABLE}", password)
    raise UsageError(f"no key: give --key FILE (as `minisign -G` writes it), or its text in ${KEY_VARIABLE}")


@dataclass
class Verified:
    key_id: str
    trusted_comment: str
    files: int


def verify(folder: Path, key: PublicKey) -> Verified:
    """The signature of SHA256SUMS, then every file it lists. Raises SignatureError (exit 1)
    for anything changed, UsageError (exit 2) for anything missing or unreadable."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    where = folder / SIGNATURE
    try:
        message = (folder / SUMS).read_bytes()
        lines = [line for line in where.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{exc.filename if isinstance(exc, OSError) else where}: cannot be read ({exc})") from exc
    if len(lines) != 4 or not lines[0].startswith(_UNTRUSTED) or not lines[2].startswith(_TRUSTED):
        raise UsageError(f"{where}: not a minisign signature (four lines: comment, signature, comment, signature)")
    try:
        first, second = base64.b64decode(lines[1], validate=True), base64.b64decode(lines[3], validate=True)
    except ValueError as exc:
        raise UsageError(f"{where}: not base64: {exc}") from exc
    if len(first) != 74 or first[:2] not in (b"ED", b"Ed") or len(second) != 64:
        raise UsageError(f"{where}:2: not an Ed25519 signature in minisign's format")
    if first[2:10] != key.key_id:
        raise SignatureError(
            f"{where}: signed by key {_key_id_text(first[2:10])}, not by this public key ({_key_id_text(key.key_id)})"
        )
    public = Ed25519PublicKey.from_public_bytes(key.key)
    signed = hashlib.blake2b(message, digest_size=64).digest() if first[:2] == b"ED" else message
    trusted = lines[2][len(_TRUSTED) :]
    try:
        public.verify(first[10:], signed)
    except InvalidSignature:
        raise SignatureError(f"{folder / SUMS}: does not match its signature: it was changed after signing") from None
    try:
        public.verify(second, first[10:] + trusted.encode())
    except InvalidSignature:
        raise SignatureError(f"{where}:3: the trusted comment was changed after signing") from None
    return Verified(_key_id_text(key.key_id), trusted, _check_sums(folder, message.decode("utf-8", "replace")))


_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def _check_sums(folder: Path, text: str) -> int:
    changed, missing = [], []
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        found = _LINE.match(line)
        if found is None:
            raise UsageError(f"{folder / SUMS}:{number}: not a checksum line")
        digest, name = found.groups()
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise UsageError(f"{folder / SUMS}:{number}: {name} is outside the folder")
        try:
            data = path.read_bytes()
        except OSError:
            missing.append(f"{folder / SUMS}:{number}: {name} is missing")
            continue
        count += 1
        if hashlib.sha256(data).hexdigest() != digest:
            changed.append(f"{folder / SUMS}:{number}: {name} does not match its checksum: it was changed")
    if changed:
        raise SignatureError("\n".join(changed + missing))
    if missing:
        raise UsageError("\n".join(missing))
    return count
