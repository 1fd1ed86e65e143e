"""Benchmark: `publish build` against pandoc alone, side by side (`nox -s bench`).

Both make the same three editions from the same manuscript with the same
pinned pandoc and WeasyPrint: pandoc runs `pandoc -s` to HTML, pandoc to EPUB
with a fixed identifier, and pandoc with `--pdf-engine=weasyprint`, one after
the other. Runs alternate (ours first, then theirs, then the other way round)
so that a noisy neighbour on the shared machine hurts both alike, and the
report gives medians and their ratios. Each run is measured in a fresh helper
process: wall time, and the peak RSS of the largest process it started.

Measured: a clean build (`--no-cache`), a rebuild with nothing changed (the
cache warm), and both for the article and for a manuscript 20 times its length.

Then a collection of 40 manuscripts made from the article, half to three times
its length, built as one (`publish build FOLDER`): clean, with nothing changed,
and with one article changed, against pandoc alone making the three editions
of each in turn; memory here is also summed over every process (proportional
set size, sampled every 0.1 s), since a collection builds in several.

Then `publish preview`, on a copy of the article: a script edits one paragraph
and reads the preview's event stream, as a browser does, for the moment each
edition is served anew; the times from the save are set against pandoc alone,
measured again in the same run. Over 200 more edits, the preview's resident
memory must not grow by more than a tenth.

Usage: python tests/tools/bench.py [--rounds N] [--collection-rounds N] [--edits N]
       [--only article|collection|preview] [--json FILE]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "manuscript" / "us-north-korean-summitry-round-two.md"
IDENTIFIER = "urn:uuid:a6cea8ee-b5d4-582f-aca6-c1fec0aa2eb3"


def measure(commands: list[list[str]]) -> dict[str, float]:
    """Run the commands one after the other; wall seconds and peak RSS in MiB."""
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest process
    return {"seconds": wall, "peak_mib": peak_kib / 1024}


def in_helper(commands: list[list[str]], *, tree: bool = False) -> dict[str, float]:
    """measure() in a fresh process, so peak RSS belongs to this run alone; with ``tree``, the
    peak of the memory summed over every process too (measure_tree())."""
    flag = "--measure-tree" if tree else "--measure"
    done = subprocess.run(
        [sys.executable, __file__, flag, json.dumps(commands)], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def twenty_times(work: Path) -> Path:
    """The article's front matter with its body 20 times over, as 20 parts."""
    head, body = ARTICLE.read_text(encoding="utf-8").split("\n---\n", 1)
    parts = [f"# Part {n}\n\n{body.strip()}\n" for n in range(1, 21)]
    target = work / "twenty" / "us-north-korean-summitry-twenty-times.md"
    target.parent.mkdir(parents=True)
    target.write_text(head + "\n---\n\n" + "\n".join(parts), encoding="utf-8")
    return target


def commands(manuscript: Path, work: Path) -> dict[str, list[list[str]]]:
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    publish = shutil.which("publish") or "publish"
    out = work / "out"
    theirs = out / "pandoc"
    theirs.mkdir(parents=True, exist_ok=True)
    return {
        "pandoc alone": [
            [pandoc, str(manuscript), "-s", "-o", str(theirs / "a.html")],
            [pandoc, str(manuscript), "-o", str(theirs / "a.epub"), "-M", f"identifier={IDENTIFIER}"],
            [pandoc, str(manuscript), "-o", str(theirs / "a.pdf"), "--pdf-engine=weasyprint"],
        ],
        "publish, clean": [[publish, "build", str(manuscript), "--out", str(out / "clean"), "--no-cache", "--quiet"]],
        "publish, rebuild": [
            [
                publish,
                "build",
                str(manuscript),
                "--out",
                str(out / "warm"),
                "--quiet",
                "--cache-dir",
                str(work / "cache"),
            ]
        ],
    }


def bench(manuscript: Path, rounds: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        runs = commands(manuscript, work)
        in_helper(runs["publish, rebuild"])  # fill the cache: the rebuild finds everything
        for command in runs.values():  # warm the disk cache and every import
            in_helper(command)
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
        names = list(runs)
        for number in range(rounds):
            for name in names if number % 2 == 0 else reversed(names):
                samples[name].append(in_helper(runs[name]))
    baseline = samples["pandoc alone"]
    base_seconds = statistics.median(s["seconds"] for s in baseline)
    base_peak = statistics.median(s["peak_mib"] for s in baseline)
    report = {}
    for name, found in samples.items():
        seconds = statistics.median(s["seconds"] for s in found)
        peak = statistics.median(s["peak_mib"] for s in found)
        report[name] = {
            "median_seconds": round(seconds, 3),
            "ratio": round(seconds / base_seconds, 2),
            "peak_mib": round(peak, 1),
            "peak_ratio": round(peak / base_peak, 2),
            "runs": len(found),
        }
    return report


TARGETS = {
    ("article", "publish, clean"): 1.0,
    ("article", "publish, rebuild"): 0.10,
    ("20 times", "publish, clean"): 1.15,
}
PREVIEW_TARGETS = {"html": 0.10, "epub": 0.15, "pdf": 0.40}  # from save to served, against pandoc alone
MEMORY_GROWTH = 0.10  # over 200 edits


class _Events:
    """The preview's event stream, read as a browser reads it."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.connection.request("GET", "/_preview/events", headers={"Host": f"127.0.0.1:{port}"})
        self.response = self.connection.getresponse()

    def next_state(self) -> dict:
        data = ""
        while True:
            line = self.response.readline().decode()
            if not line:
                raise EOFError("the preview closed its event stream")
            if line.startswith("data: "):
                data = line[6:]
            elif line == "\n" and data:
                return json.loads(data)


def _rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (the preview's PDF worker), in MiB."""
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.append(int(stat.parent.name))
    total = 0
    for each in pids:
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    return total / 1024


COLLECTION_SIZE = 40
COLLECTION_TARGETS = {"publish, clean": 0.30, "publish, nothing changed": 0.05, "publish, one changed": 0.10}


def generated_collection(folder: Path, count: int = COLLECTION_SIZE) -> list[Path]:
    """``count`` manuscripts made from the article: its front matter with an identifier and a
    title of their own, and its paragraphs taken in turn to half to three times its length."""
    import uuid

    head, body = ARTICLE.read_text(encoding="utf-8").split("\n---\n", 1)
    paragraphs = [p for p in body.strip().split("\n\n") if p.strip()]
    folder.mkdir(parents=True)
    made = []
    for n in range(count):
        factor = 0.5 + 2.5 * n / max(1, count - 1)
        wanted = max(1, round(len(paragraphs) * factor))
        text = "\n\n".join(paragraphs[i % len(paragraphs)] for i in range(wanted))
        identifier = uuid.uuid5(uuid.NAMESPACE_URL, f"publish-bench-{n}")
        front = re.sub(r"^identifier: .*$", f"identifier: urn:uuid:{identifier}", head, count=1, flags=re.M)
        front = re.sub(r'^title: "(.*)"$', rf'title: "\1 (bench copy {n + 1})"', front, count=1, flags=re.M)
        target = folder / f"article-{n + 1:02d}.md"
        target.write_text(front + "\n---\n\n" + text + "\n", encoding="utf-8")
        made.append(target)
    return made


def _tree_pss_mib(root: int) -> tuple[float, float]:
    """Proportional set size of a process and all its descendants, in MiB: memory shared by a
    fork (WeasyPrint, imported once) counted once, not once a process; and the largest
    resident set of any one of them."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, largest, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        pss = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
        rss = re.search(r"^Rss:\s+(\d+) kB", rollup, re.M)
        total += int(pss.group(1)) if pss else 0
        largest = max(largest, int(rss.group(1)) if rss else 0)
    return total / 1024, largest / 1024


def measure_tree(commands: list[list[str]]) -> dict[str, float]:
    """As measure(), and the peak of the memory summed over every process, sampled each 0.1 s."""
    started = time.perf_counter()
    peak_sum = peak_one = 0.0
    for command in commands:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        while process.poll() is None:
            total, largest = _tree_pss_mib(process.pid)
            peak_sum, peak_one = max(peak_sum, total), max(peak_one, largest)
            time.sleep(0.1)
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command)
    wall = time.perf_counter() - started
    # the largest process: as the kernel counted those it reaped for us, or as sampled (the
    # build processes of a collection are reaped by the server that forked them, not by us)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": wall, "peak_mib": max(peak_kib / 1024, peak_one), "peak_sum_mib": peak_sum}


def collection_bench(rounds: int) -> dict[str, dict[str, float]]:
    """A collection of 40 generated manuscripts: clean, nothing changed, one changed, against
    pandoc alone making the three editions of each, one manuscript after another."""
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    publish = shutil.which("publish") or "publish"
    with tempfile.TemporaryDirectory(prefix="bench-collection-") as scratch:
        work = Path(scratch)
        manuscripts = generated_collection(work / "shelf")
        theirs = work / "pandoc"
        theirs.mkdir()
        alone = []
        for n, manuscript in enumerate(manuscripts):
            identifier = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
            alone += [
                [pandoc, str(manuscript), "-s", "-o", str(theirs / f"{n}.html")],
                [pandoc, str(manuscript), "-o", str(theirs / f"{n}.epub"), "-M", f"identifier={identifier}"],
                [pandoc, str(manuscript), "-o", str(theirs / f"{n}.pdf"), "--pdf-engine=weasyprint"],
            ]
        shelf = str(work / "shelf")
        warm = [publish, "build", shelf, "--out", str(work / "warm"), "--quiet", "--cache-dir", str(work / "cache")]
        clean = [publish, "build", shelf, "--out", str(work / "clean"), "--no-cache", "--quiet"]
        runs = {
            "pandoc alone": alone,
            "publish, clean": [clean],
            "publish, nothing changed": [warm],
            "publish, one changed": [warm],
        }
        changed = manuscripts[len(manuscripts) // 2]
        original = changed.read_text(encoding="utf-8")
        edits = iter(range(10**6))
        in_helper(runs["publish, clean"])  # warm the disk cache and every import
        in_helper([warm])  # fill the cache
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
        names = list(runs)
        for number in range(rounds):
            for name in names if number % 2 == 0 else reversed(names):
                if name == "publish, one changed":  # a new sentence: this article is built again
                    changed.write_text(original + f"\nRevision {next(edits)}.\n", encoding="utf-8")
                samples[name].append(in_helper(runs[name], tree=True))
    base = samples["pandoc alone"]
    base_seconds = statistics.median(s["seconds"] for s in base)
    report = {}
    for name, found in samples.items():
        seconds = statistics.median(s["seconds"] for s in found)
        report[name] = {
            "median_seconds": round(seconds, 3),
            "ratio": round(seconds / base_seconds, 3),
            "largest_process_mib": round(statistics.median(s["peak_mib"] for s in found), 1),
            "sum_over_processes_mib": round(statistics.median(s["peak_sum_mib"] for s in found), 1),
            "runs": len(found),
        }
    return report


def preview_bench(edits: int, memory_edits: int) -> dict[str, object]:
    """Times from a save to each edition served, and memory over many saves."""
    publish = shutil.which("publish") or "publish"
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as scratch:
        work = Path(scratch)
        manuscript = work / "manuscript" / ARTICLE.name
        manuscript.parent.mkdir()
        shutil.copy(ARTICLE, manuscript)
        runs = commands(manuscript, work)
        baseline = [in_helper(runs["pandoc alone"])["seconds"] for _ in range(3)]
        process = subprocess.Popen(
            [publish, "preview", str(manuscript.relative_to(work)), "--port", "0", "--cache-dir", str(work / "cache")],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert process.stdout is not None
            port = int(re.search(r":(\d+)/", process.stdout.readline()).group(1))  # type: ignore[union-attr]
            events = _Events(port)
            state = events.next_state()
            while state["building"] or state["checked"] != state["generation"]:
                state = events.next_state()
            original = manuscript.read_text(encoding="utf-8")
            anchor = "Eight months after their historic Singapore summit"
            assert anchor in original

            def edit(n: int, wait_for_checks: bool) -> dict[str, float]:
                """One paragraph changed; seconds from the save until each edition is served. It
                returns once the build is over (and its checks, if asked): an editor saves again
                when they have read the change, not while the preview is still writing the files."""
                nonlocal state
                text = original.replace(anchor, f"{anchor} (revision {n})", 1)
                served: dict[str, float] = {}
                before = dict(state["editions"])
                started = time.perf_counter()
                manuscript.write_text(text, encoding="utf-8")
                while (
                    len(served) < 3
                    or state["building"]
                    or (wait_for_checks and state["checked"] != state["generation"])
                ):
                    state = events.next_state()
                    for edition, generation in state["editions"].items():
                        if edition not in served and generation != before.get(edition):
                            served[edition] = time.perf_counter() - started
                    if state["problems"]:
                        raise RuntimeError("\n".join(state["problems"]))
                return served

            timings = [edit(n, wait_for_checks=True) for n in range(edits)]
            baseline += [in_helper(runs["pandoc alone"])["seconds"] for _ in range(3)]
            for n in range(10):
                edit(edits + n, wait_for_checks=False)
            warm = _rss_mib(process.pid)
            for n in range(memory_edits):
                edit(edits + 10 + n, wait_for_checks=False)
            after = _rss_mib(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    base = statistics.median(baseline)
    report: dict[str, object] = {"pandoc alone": round(base, 3), "edits": edits}
    for edition in ("html", "epub", "pdf"):
        seconds = statistics.median(t[edition] for t in timings)
        report[edition] = {"median_seconds": round(seconds, 3), "ratio": round(seconds / base, 3)}
    report["memory"] = {
        "after 10 edits MiB": round(warm, 1),
        f"after {10 + memory_edits} edits MiB": round(after, 1),
        "growth": round(after / warm - 1, 3),
        "edits": memory_edits,
    }
    return report


def report_article(label: str, table: dict[str, dict[str, float]], failed: list[str]) -> None:
    print(f"\n{label}: medians of {table['pandoc alone']['runs']} alternating runs")
    print(f"  {'':<18} {'seconds':>8} {'ratio':>6} {'peak MiB':>9} {'ratio':>6}")
    for name, row in table.items():
        print(
            f"  {name:<18} {row['median_seconds']:>8.3f} {row['ratio']:>5.2f}x"
            f" {row['peak_mib']:>9.1f} {row['peak_ratio']:>5.2f}x"
        )
        target = TARGETS.get((label, name))
        if target is not None and row["ratio"] > target:
            failed.append(f"{label}, {name}: {row['ratio']}x is over the {target}x target")
    clean = table["publish, clean"]
    if clean["peak_ratio"] > 1.2:
        failed.append(f"{label}: peak memory {clean['peak_ratio']}x is over the 1.2x target")


def report_collection(table: dict[str, dict[str, float]], failed: list[str]) -> None:
    print(f"\na collection of {COLLECTION_SIZE} manuscripts (half to three times the article): medians of "
          f"{table['pandoc alone']['runs']} alternating runs")  # fmt: skip
    print(f"  {'':<25} {'seconds':>8} {'ratio':>7} {'largest MiB':>12} {'sum MiB':>8}")
    for name, row in table.items():
        print(
            f"  {name:<25} {row['median_seconds']:>8.3f} {row['ratio']:>6.3f}x"
            f" {row['largest_process_mib']:>12.1f} {row['sum_over_processes_mib']:>8.1f}"
        )
        target = COLLECTION_TARGETS.get(name)
        if target is not None and row["ratio"] > target:
            failed.append(f"collection, {name}: {row['ratio']}x is over the {target}x target")


def report_preview(preview: dict[str, object], edits: int, failed: list[str]) -> None:
    print(f"\npublish preview: medians of {edits} edits of one paragraph, from the save to each edition served")
    print(f"  pandoc alone (three conversions) {preview['pandoc alone']:.3f} s")
    for edition, target in PREVIEW_TARGETS.items():
        row = preview[edition]
        assert isinstance(row, dict)
        print(f"  {edition:<5} {row['median_seconds']:>7.3f} s {row['ratio']:>6.3f}x (target {target}x)")
        if row["ratio"] > target:
            failed.append(f"preview, {edition}: {row['ratio']}x is over the {target}x target")
    memory = preview["memory"]
    assert isinstance(memory, dict)
    print(f"  memory: {' -> '.join(f'{v} MiB' for k, v in memory.items() if k.endswith('MiB'))}"
          f" ({memory['growth']:+.1%} over {memory['edits']} edits)")  # fmt: skip
    if memory["growth"] > MEMORY_GROWTH:
        failed.append(f"preview memory grew {memory['growth']:.1%} over {memory['edits']} edits")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--edits", type=int, default=15, help="timed preview edits (then 200 for memory)")
    parser.add_argument("--memory-edits", type=int, default=200)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--collection-rounds", type=int, default=3)
    parser.add_argument("--only", choices=("article", "collection", "preview"), action="append",
                        help="run only these parts (default: all)")  # fmt: skip
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--measure-tree", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0
    if args.measure_tree:
        print(json.dumps(measure_tree(json.loads(args.measure_tree))))
        return 0
    parts = set(args.only or ("article", "collection", "preview"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    print(f"machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}")
    results: dict[str, object] = {}
    failed: list[str] = []
    if "article" in parts:
        with tempfile.TemporaryDirectory() as scratch:
            long = twenty_times(Path(scratch))
            for label, manuscript, rounds in (
                ("article", ARTICLE, args.rounds),
                ("20 times", long, max(3, args.rounds // 2)),
            ):
                results[label] = table = bench(manuscript, rounds)
                report_article(label, table, failed)
    if "collection" in parts:
        results["collection"] = collection = collection_bench(args.collection_rounds)
        report_collection(collection, failed)
    if "preview" in parts:
        results["preview"] = preview = preview_bench(args.edits, args.memory_edits)
        report_preview(preview, args.edits, failed)
    if args.json:
        args.json.write_text(json.dumps({"machine": cpu, "results": results}, indent=2) + "\n")
    print()
    for line in failed:
        print(f"over target: {line}")
    print("all targets met" if not failed else f"{len(failed)} target(s) missed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
