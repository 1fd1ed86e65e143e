"""Build the editions twice under different conditions and compare every byte.

Used by ``nox -s reproduce`` and by the test suite. Each build makes the
article's editions into DIR and a collection of three manuscripts (the
article, the rich fixture with its figure, and Korean text) into
DIR/collection. The second build differs from the first in everything that
must not matter:
- an exported copy of the source (``git archive``, no ``.git``) instead of
  the checkout, at another path, writing to another output folder;
- time zone, locale, umask, HOME, USER and PYTHONHASHSEED;
- the clock, moved years ahead with ``faketime`` where it is installed;
- the user: ``nobody``, when the suite runs as root;
- for the collection: the order the manuscripts are named in, the number of
  jobs (1, then 2), and one build against three shards joined by
  ``publish merge``.
Both sign their checksums with one throwaway key (made by ``minisign -G``),
so the signatures are compared too; the reading room (the download page and
the feeds) is among the files compared.

On a mismatch it says where the files differ: diffoscope's report if
diffoscope is installed, else the first differing bytes (and, for ZIP files,
which entries differ).

Usage: python tests/tools/reproduce.py [SOURCE_TREE]
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

IGNORED = shutil.ignore_patterns(".git", ".nox", "dist", "node_modules", "__pycache__", "*.egg-info", ".*_cache")


@dataclass
class Variant:
    name: str
    tree: Path
    out: Path
    env: dict[str, str]
    umask: int
    prefix: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    key: Path | None = None  # a throwaway minisign key, when minisign is installed to make one


def export(tree: Path, dest: Path) -> str:
    """A copy of the source without .git: ``git archive`` of HEAD when the tree is clean."""
    dest.mkdir(parents=True)
    if (tree / ".git").exists():
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=tree, capture_output=True, text=True).stdout
        if not dirty.strip():
            archive = subprocess.run(
                ["git", "archive", "--format=tar", "HEAD"], cwd=tree, capture_output=True, check=True
            )
            subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
            return "git archive of HEAD, without .git"
    shutil.copytree(tree, dest, ignore=IGNORED, dirs_exist_ok=True)
    return "a copy of the working tree without .git (it has uncommitted changes)"


def _publish() -> str:
    script = Path(sys.executable).parent / "publish"
    return str(script) if script.exists() else "publish"


NOBODY = 65534
# As root, run as the user nobody: runuser if nobody can reach this Python;
# else setpriv, keeping only the capability to read and write files root
# owns (an interpreter under /root, which is 0700, needs it). Either way the
# build runs with another uid and gid.
AS_NOBODY = (
    ["runuser", "-u", "nobody", "--"],
    ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
     "--inh-caps=+dac_override,+dac_read_search", "--ambient-caps=+dac_override,+dac_read_search", "--"],
)  # fmt: skip


def _as_nobody() -> list[str] | None:
    if os.geteuid() != 0:
        return None
    for prefix in AS_NOBODY:
        if not shutil.which(prefix[0]):
            continue
        probe = [*prefix, sys.executable, "-c", f"import os, publish; assert os.getuid() == {NOBODY}"]
        if subprocess.run(probe, capture_output=True).returncode == 0:
            return prefix
    return None


def variants(tree: Path, work: Path) -> list[Variant]:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "VIRTUAL_ENV", "SYSTEMROOT")}
    first = Variant(
        "checkout",
        tree,
        work / "a" / "dist",
        {
            **base,
            "TZ": "UTC",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(work / "home-a"),
            "USER": "alice",
            "LOGNAME": "alice",
            "PYTHONHASHSEED": "0",
        },
        0o022,
    )
    exported = work / "elsewhere" / "exported-source"
    how = export(tree, exported)
    second = Variant(
        "export",
        exported,
        work / "b" / "another" / "output",
        {
            **base,
            "TZ": "Pacific/Kiritimati",
            "LANG": "C",
            "LC_ALL": "C",
            "HOME": str(work / "home-b"),
            "USER": "bob",
            "LOGNAME": "bob",
            "PYTHONHASHSEED": "4242",
        },
        0o077,
        notes=[how, "TZ=Pacific/Kiritimati (UTC+14)", "LC_ALL=C", "umask 077", "PYTHONHASHSEED=4242", "another HOME"],
    )
    if shutil.which("faketime"):
        second.prefix += ["faketime", "2031-06-15 23:47:11"]
        second.env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
        second.notes.append("clock moved to 2031-06-15 23:47 by faketime")
    else:
        second.notes.append("same clock (faketime is not installed)")
    prefix = _as_nobody()
    if prefix is not None:
        second.prefix = [*prefix, *second.prefix]
        for folder in [work, *[p for p in work.rglob("*") if p.is_dir()]]:
            folder.chmod(0o777)
        second.notes.append(f"run as the user nobody (uid {NOBODY}, by {prefix[0]})")
    else:
        second.notes.append("same user id (not root, so it cannot switch), USER=bob")
    for variant in (first, second):
        Path(variant.env["HOME"]).mkdir(parents=True, exist_ok=True)
        Path(variant.env["HOME"]).chmod(0o777)
    minisign = shutil.which("minisign")
    if minisign is not None:
        keys = work / "keys"
        keys.mkdir()
        subprocess.run([minisign, "-G", "-W", "-p", str(keys / "key.pub"), "-s", str(keys / "key.sec")],
                       check=True, capture_output=True)  # fmt: skip
        for path in (keys, keys / "key.sec", keys / "key.pub"):
            path.chmod(0o755 if path.is_dir() else 0o644)  # readable by nobody too: a throwaway key
        first.key = second.key = keys / "key.sec"
        second.notes.append("SHA256SUMS signed with one throwaway minisign key in both")
    else:
        second.notes.append("unsigned (minisign is not installed to make a key)")
    return [first, second]


COLLECTION = (
    "manuscript/us-north-korean-summitry-round-two.md",
    "tests/fixtures/rich/field-notes-on-footnotes.md",
    "tests/fixtures/corpus/korean-terms.md",
)


def run(variant: Variant) -> None:
    mask = variant.umask

    def publish(*args: str) -> None:
        command = [*variant.prefix, _publish(), *args]
        done = subprocess.run(
            command,
            cwd=variant.tree,
            env=variant.env,
            capture_output=True,
            text=True,
            preexec_fn=lambda: os.umask(mask),
        )
        if done.returncode != 0:
            raise RuntimeError(f"the {variant.name} build failed ({done.returncode}): {args}\n{done.stderr}")

    publish("build", "--quiet", "--out", str(variant.out))
    if variant.key is not None:  # the same throwaway key in both: Ed25519 gives the same signature
        publish("sign", str(variant.out), "--key", str(variant.key), "--quiet")
    collection = variant.out / "collection"
    if variant.name == "checkout":  # in one process, in the order given
        publish("build", *COLLECTION, "--jobs", "1", "--quiet", "--out", str(collection))
        if variant.key is not None:
            publish("sign", str(collection), "--key", str(variant.key), "--quiet")
        return
    shards = [variant.out.parent / f"shard-{k}" for k in (1, 2, 3)]
    for number, shard in enumerate(shards, 1):  # in reverse order, two jobs, three shards
        publish("build", *reversed(COLLECTION), "--jobs", "2", "--shard", f"{number}/3", "--quiet", "--out", str(shard))
    publish("merge", *map(str, shards), "--quiet", "--out", str(collection))
    if variant.key is not None:
        publish("sign", str(collection), "--key", str(variant.key), "--quiet")


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def explain(name: str, a: bytes, b: bytes, path_a: Path, path_b: Path) -> list[str]:
    """Where two versions of a file differ."""
    if shutil.which("diffoscope"):
        done = subprocess.run(["diffoscope", "--text", "-", str(path_a), str(path_b)], capture_output=True, text=True)
        return done.stdout.splitlines()[:80]
    lines = [f"{name}: {len(a)} bytes against {len(b)} bytes"]
    if a[:2] == b"PK" and b[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(a)) as za, zipfile.ZipFile(io.BytesIO(b)) as zb:
            names_a, names_b = za.namelist(), zb.namelist()
            if names_a != names_b:
                lines.append(f"  entries differ: {names_a} against {names_b}")
            for entry in sorted(set(names_a) & set(names_b)):
                ia, ib = za.getinfo(entry), zb.getinfo(entry)
                if za.read(entry) != zb.read(entry):
                    lines.append(f"  entry {entry}: contents differ")
                elif (ia.date_time, ia.external_attr, ia.compress_type) != (
                    ib.date_time,
                    ib.external_attr,
                    ib.compress_type,
                ):
                    lines.append(f"  entry {entry}: header differs ({ia.date_time} against {ib.date_time})")
    offset = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    lines.append(f"  first difference at byte {offset}:")
    lines.append(f"    {a[max(0, offset - 24) : offset + 40]!r}")
    lines.append(f"    {b[max(0, offset - 24) : offset + 40]!r}")
    return lines


@dataclass
class Outcome:
    identical: list[str]
    different: list[str]
    report: list[str]
    variants: list[Variant]

    @property
    def ok(self) -> bool:
        return not self.different and bool(self.identical)


def reproduce(tree: Path, say: Callable[[str], None] = print) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="reproduce-") as scratch:
        work = Path(scratch)
        builds = variants(tree.resolve(), work)
        for variant in builds:
            run(variant)
        first, second = (files(v.out) for v in builds)
        identical, different, report = [], [], []
        for name in sorted(set(first) | set(second)):
            if name not in first or name not in second:
                different.append(name)
                report.append(f"{name}: only in the {'first' if name in first else 'second'} build")
            elif first[name] == second[name]:
                identical.append(name)
            else:
                different.append(name)
                report += explain(name, first[name], second[name], builds[0].out / name, builds[1].out / name)
        return Outcome(identical, different, report, builds)


def main(argv: list[str]) -> int:
    tree = Path(argv[0]) if argv else Path.cwd()
    outcome = reproduce(tree)
    print("second build: " + "; ".join(outcome.variants[1].notes))
    for name in outcome.identical:
        print(f"identical  {name}")
    for line in outcome.report:
        print(line)
    total = len(outcome.identical) + len(outcome.different)
    print(f"{len(outcome.identical)} of {total} files byte-identical")
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
