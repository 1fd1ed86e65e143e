"""`publish preview`: it builds what `publish build` builds, serves it to this machine only,
rebuilds on save, shows problems over the last good editions, and stops cleanly.

Every test runs the real command in its own process on a copy of the article,
and talks to it over HTTP; the last drives it with Chromium, as an editor would.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from commands import publish, snapshot
from conftest import ARTICLE, ROOT

SLUG = "us-north-korean-summitry-round-two"
SENTENCE = "Kim Jong Un is slated to meet"


@dataclass
class Preview:
    process: subprocess.Popen[str]
    port: int
    project: Path
    manuscript: Path
    out: Path

    def request(
        self, path: str, method: str = "GET", host: str | None = None, body: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def state(self) -> dict:
        status, _, body = self.request("/_preview/state")
        assert status == 200
        return json.loads(body)

    def settled(self, after: int = 0, timeout: float = 60) -> dict:
        """The state once a build after generation ``after`` has finished: failed, or built and checked."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            done = state["problems"] or state["checked"] == state["generation"]
            if state["generation"] > after and not state["building"] and done:
                return state
            assert self.process.poll() is None, self.process.stderr.read() if self.process.stderr else ""
            time.sleep(0.05)
        raise AssertionError(f"no build after generation {after} within {timeout} s: {self.state()}")

    def edit(self, old: str, new: str) -> None:
        text = self.manuscript.read_text(encoding="utf-8")
        assert old in text
        self.manuscript.write_text(text.replace(old, new, 1), encoding="utf-8")


def _project(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "project"
    (project / "manuscript").mkdir(parents=True)
    manuscript = project / "manuscript" / ARTICLE.name
    shutil.copy(ARTICLE, manuscript)
    return project, manuscript


def _start(project: Path, manuscript: Path, *extra: str, cache: Path) -> Preview:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ["HOME"],
        "PUBLISH_CACHE_DIR": str(cache),
        **{k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "preview", str(manuscript.relative_to(project)), "--port", "0", *extra],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    found = re.fullmatch(r"preview: http://127\.0\.0\.1:(\d+)/ \(Ctrl-C stops it\)\n", first)
    assert found, (first, process.stderr.read() if process.poll() is not None and process.stderr else "")
    return Preview(process, int(found.group(1)), project, manuscript, project / "dist")


def _stop(preview: Preview, how: int = signal.SIGTERM) -> tuple[int, str]:
    if preview.process.poll() is None:
        preview.process.send_signal(how)
    try:
        _, stderr = preview.process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        preview.process.kill()
        raise
    return preview.process.returncode, stderr


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Preview]:
    project, manuscript = _project(tmp_path)
    preview = _start(project, manuscript, cache=tmp_path / "cache")
    try:
        yield preview
    finally:
        _stop(preview)


def test_the_output_folder_holds_what_publish_build_writes(running: Preview, tmp_path: Path) -> None:
    """The live script is put into what is served, never into the files."""
    state = running.settled()
    assert state["editions"] == {"html": 1, "epub": 1, "pdf": 1}
    built = publish("build", running.manuscript, "--out", tmp_path / "built", "--quiet", cwd=running.project)
    assert built.returncode == 0, built.stderr
    assert snapshot(running.out) == snapshot(tmp_path / "built")
    assert b"/_preview/live.js" not in (running.out / f"{SLUG}.html").read_bytes()
    status, headers, served = running.request(f"/{SLUG}.html")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b'<script src="/_preview/live.js" data-edition="html" data-generation="1"></script></body>' in served
    assert (
        served.replace(b'<script src="/_preview/live.js" data-edition="html" data-generation="1"></script>', b"")
        == (running.out / f"{SLUG}.html").read_bytes()
    )
    for edition in ("pdf", "epub"):
        status, _, served = running.request(f"/{SLUG}.{edition}")
        assert status == 200
        assert served == (running.out / f"{SLUG}.{edition}").read_bytes()
    # The index links every edition and shows `publish check` on each.
    status, _, index = running.request("/")
    page = index.decode()
    for link in (f'href="/{SLUG}.html"', 'href="/pdf"', 'href="/epub/"', 'href="/republish/attribution.html"'):
        assert link in page
    for edition in ("HTML", "EPUB", "PDF"):
        assert f'<h3 class="passed">{edition}: passes</h3>' in page
    assert f"dist/{SLUG}.pdf: complete attribution (PDF)" in page
    # The EPUB in reading order: its spine, each page with its styles and a link to the next.
    status, headers, _ = running.request("/epub/")
    assert status == 302
    assert headers["location"] == "/epub/EPUB/cover.xhtml"
    status, headers, page_bytes = running.request("/epub/EPUB/article.xhtml")
    assert status == 200
    assert headers["content-type"] == "application/xhtml+xml; charset=utf-8"
    assert b'href="css/style.css"' in page_bytes
    assert b'<a href="/epub/EPUB/colophon.xhtml">next' in page_bytes
    assert running.request("/epub/EPUB/css/style.css")[0] == 200


def test_a_save_rebuilds_and_a_broken_manuscript_keeps_the_last_good_editions(running: Preview) -> None:
    first = running.settled()
    before = snapshot(running.out)
    running.edit(SENTENCE, "Kim Jong Un, as planned, is slated to meet")
    state = running.settled(first["generation"])
    assert state["problems"] == []
    assert b"Kim Jong Un, as planned, is slated" in running.request(f"/{SLUG}.html")[2]
    assert snapshot(running.out) != before

    good = snapshot(running.out)
    running.edit("licence:", "licence: [unclosed")
    broken = running.settled(state["generation"])
    expected = publish("build", running.manuscript.relative_to(running.project), cwd=running.project)
    assert expected.returncode == 2
    assert broken["problems"] == expected.stderr.splitlines()  # the same lines as the command
    assert re.match(rf"manuscript/{SLUG}\.md:\d+: ", broken["problems"][0])
    assert snapshot(running.out) == good  # the last good editions stay, on disc and served
    assert b"Kim Jong Un, as planned, is slated" in running.request(f"/{SLUG}.html")[2]
    assert b"The last build failed" in running.request("/")[2]

    running.edit("licence: [unclosed", "licence:")
    fixed = running.settled(broken["generation"])
    assert fixed["problems"] == []
    _, stderr = _stop(running)
    assert broken["problems"][0] in stderr.splitlines()  # the terminal showed the same lines


def test_saves_during_a_build_collapse_into_one_and_none_is_lost(running: Preview) -> None:
    first = running.settled()
    for n in range(12):  # faster than a build: most land while one runs
        running.edit(
            SENTENCE if n == 0 else f"Kim Jong Un (edit {n - 1}) is slated", f"Kim Jong Un (edit {n}) is slated"
        )
        time.sleep(0.03)
    deadline = time.monotonic() + 60
    while b"Kim Jong Un (edit 11) is slated" not in running.request(f"/{SLUG}.html")[2]:
        assert time.monotonic() < deadline, "the last save was never built"
        time.sleep(0.05)
    running.settled(first["generation"])
    _, stderr = _stop(running)
    builds = [line for line in stderr.splitlines() if line.startswith("preview: built in")]
    assert 2 <= len(builds) <= 7, builds  # the first build, then far fewer than twelve
    assert b"Kim Jong Un (edit 11) is slated" in (running.out / f"{SLUG}.html").read_bytes()


def test_it_serves_its_own_files_only_to_this_machine_and_writes_nothing(running: Preview, tmp_path: Path) -> None:
    running.settled()
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the browser", encoding="utf-8")
    # A link planted in the output folder, under a name SHA256SUMS lists.
    planted = running.out / "republish" / "attribution.txt"
    planted.unlink()
    planted.symlink_to(secret)
    (running.out / "outside").symlink_to(tmp_path)
    for path in (
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/republish/..%2f..%2fsecret.txt",
        "/" + str(secret),
        "//" + str(secret).lstrip("/"),
        "/outside/secret.txt",
        "/republish/attribution.txt",
        f"/epub/../{SLUG}.html",
        "/epub/%2e%2e/META-INF/container.xml",
        "/manuscript/" + ARTICLE.name,
        "/%ff",
    ):
        status, _, body = running.request(path)
        assert status == 404, (path, status)
        assert b"not for the browser" not in body
    assert running.request("/republish/attribution.md")[0] == 200  # listed, a plain file
    # A page elsewhere that reaches the preview by DNS rebinding sends its own name as Host.
    for host in ("evil.example", f"evil.example:{running.port}", f"127.0.0.1:{running.port + 1}", ""):
        assert running.request("/", host=host)[0] == 403, host
    assert running.request("/", host=f"localhost:{running.port}")[0] == 200
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, headers, _ = running.request(f"/{SLUG}.html", method=method, body=b"x")
        assert status == 405, method
        assert headers["allow"] == "GET, HEAD"
    assert running.request(f"/{SLUG}.html", method="HEAD")[0] == 200
    assert (running.out / f"{SLUG}.html").read_bytes() == (tmp_path / "project" / "dist" / f"{SLUG}.html").read_bytes()


def test_any_other_host_is_said_aloud(tmp_path: Path) -> None:
    project, manuscript = _project(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "preview", str(manuscript), "--host", "0.0.0.0", "--port", "0"],
        cwd=project,
        env={**os.environ, "PUBLISH_CACHE_DIR": str(tmp_path / "cache")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    preview = Preview(process, 0, project, manuscript, project / "dist")
    assert process.stdout is not None
    assert process.stdout.readline().startswith("preview: http://127.0.0.1:")
    code, stderr = _stop(preview)
    assert code == 0
    assert "not only on this machine: anyone who can reach this machine on port" in stderr
    assert "with no password" in stderr


def test_open_opens_the_index_in_the_default_browser(tmp_path: Path) -> None:
    """--open goes through Python's webbrowser, which honours $BROWSER: here a script that notes the URL."""
    project, manuscript = _project(tmp_path)
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "preview", str(manuscript), "--port", "0", "--open"],
        cwd=project,
        env={**os.environ, "PUBLISH_CACHE_DIR": str(tmp_path / "cache"), "BROWSER": str(browser)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    preview = Preview(process, 0, project, manuscript, project / "dist")
    try:
        assert process.stdout is not None
        url = re.search(r"http://\S+/", process.stdout.readline())
        assert url
        deadline = time.monotonic() + 30
        while not (opened.exists() and opened.read_text().strip()):
            assert time.monotonic() < deadline, "no browser was opened"
            time.sleep(0.05)
        assert opened.read_text().strip() == url.group(0)
    finally:
        _stop(preview)


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_it_stops_cleanly_with_nothing_left_behind(tmp_path: Path, how: int) -> None:
    project, manuscript = _project(tmp_path)
    preview = _start(project, manuscript, cache=tmp_path / "cache")
    time.sleep(0.3)  # mid-build, most likely
    children = subprocess.run(["pgrep", "-P", str(preview.process.pid)], capture_output=True, text=True).stdout.split()
    code, stderr = _stop(preview, how)
    assert code == 0, stderr
    assert stderr.rstrip().endswith("preview: stopped")
    assert "Traceback" not in stderr
    assert not [p for p in project.iterdir() if p.name.startswith(".dist.staging-")]
    for child in children:
        assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower()
    with pytest.raises(ConnectionRefusedError):
        http.client.HTTPConnection("127.0.0.1", preview.port, timeout=5).request("GET", "/")


def test_a_second_ctrl_c_mid_build_still_ends_cleanly_and_soon(tmp_path: Path) -> None:
    """A build in progress stops at its next step, so the wait is short and a second Ctrl-C, which
    impatient people press, cuts nothing short: no staging folder, no worker left (found by a trial)."""
    project, manuscript = _project(tmp_path)
    head, body = manuscript.read_text(encoding="utf-8").split("\n---\n", 1)
    manuscript.write_text(head + "\n---\n" + "\n".join(f"# Part {n}\n{body}" for n in range(30)), encoding="utf-8")
    preview = _start(project, manuscript, "--no-cache", cache=tmp_path / "cache")
    deadline = time.monotonic() + 60
    while not preview.state()["building"]:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.5)
    children = subprocess.run(["pgrep", "-P", str(preview.process.pid)], capture_output=True, text=True).stdout.split()
    assert children, f"the resident PDF worker runs: {preview.state()}"
    started = time.monotonic()
    preview.process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    preview.process.send_signal(signal.SIGINT)
    code, stderr = _stop(preview, signal.SIGINT)
    took = time.monotonic() - started
    assert code == 0, stderr
    assert took < 20, (took, stderr)  # a part made in this process (pandoc, the EPUB) ends first
    assert stderr.rstrip().endswith("preview: stopped"), stderr
    assert not list(project.rglob(".dist.staging-*")), stderr
    for child in children:
        assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text().lower()


def test_the_manuscripts_own_folder_as_the_output_still_rebuilds(tmp_path: Path) -> None:
    project, manuscript = _project(tmp_path)
    notes = manuscript.parent / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    preview = _start(project, manuscript, "--out", "manuscript", cache=tmp_path / "cache")
    try:
        first = preview.settled()
        preview.edit(SENTENCE, "Kim Jong Un, written beside the editions, is slated to meet")
        preview.settled(first["generation"])
        served = preview.request(f"/{SLUG}.html")[2]
        assert b"Kim Jong Un, written beside the editions, is slated" in served
        assert notes.read_text(encoding="utf-8") == "mine"
    finally:
        _stop(preview)


def test_a_manuscript_that_is_not_there_is_refused(tmp_path: Path) -> None:
    done = publish("preview", "nowhere/article.md", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "nowhere/article.md:1: no such file; check the path\n"


def test_a_port_in_use_is_refused_plainly(running: Preview, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "publish", "preview", str(running.manuscript), "--port", str(running.port)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"publish preview: error: cannot listen on 127.0.0.1:{running.port}: ")
    assert "Traceback" not in done.stderr


# -- in a browser ------------------------------------------------------------------------------


@pytest.mark.validators
def test_in_chromium_edits_appear_and_problems_show_over_the_page(tmp_path: Path) -> None:
    """Playwright and the system Chromium: a sentence changed in the manuscript appears without a
    reload by hand; a broken front matter shows its line over the page; fixing it clears it. The
    same for a stylesheet."""
    from playwright.sync_api import expect, sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from validators import CHROMIUM, CHROMIUM_ARGS

    project, manuscript = _project(tmp_path)
    css = project / "styles" / "css" / "screen.css"
    css.parent.mkdir(parents=True)
    default = (ROOT / "styles" / "css" / "screen.css").read_text(encoding="utf-8")
    css.write_text(default + "\nbody { background-color: rgb(250, 240, 200); }\n", encoding="utf-8")
    preview = _start(project, manuscript, cache=tmp_path / "cache")
    try:
        preview.settled()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto(f"http://127.0.0.1:{preview.port}/{SLUG}.html")
            expect(page.locator("body")).to_contain_text(SENTENCE)
            page.mouse.wheel(0, 900)
            page.wait_for_function("window.scrollY > 800")

            preview.edit(SENTENCE, "Kim Jong Un, in the browser, is slated to meet")
            expect(page.locator("body")).to_contain_text("Kim Jong Un, in the browser, is slated", timeout=30_000)
            page.wait_for_function("window.scrollY > 800")  # the reader's place is kept

            preview.edit("licence:", "licence: [unclosed")
            overlay = page.locator("#publish-preview-problems")
            expect(overlay).to_be_visible(timeout=30_000)
            expected = publish("build", manuscript.relative_to(project), cwd=project).stderr.splitlines()[0]
            expect(overlay).to_contain_text(expected)
            expect(page.locator("body")).to_contain_text("Kim Jong Un, in the browser, is slated")  # last good

            preview.edit("licence: [unclosed", "licence:")
            expect(overlay).to_have_count(0, timeout=30_000)

            background = "getComputedStyle(document.body).backgroundColor"
            assert page.evaluate(background) == "rgb(250, 240, 200)"
            css.write_text(default + "\nbody { background-color: rgb(200, 230, 250); }\n", encoding="utf-8")
            page.wait_for_function(f"{background} === 'rgb(200, 230, 250)'", timeout=30_000)

            css.write_text(default + "\nbody { background: url(https://example.org/paper.png); }\n", encoding="utf-8")
            expect(overlay).to_be_visible(timeout=30_000)
            expect(overlay).to_contain_text(
                "styles: css/screen.css: url(https://example.org/paper.png) must be a path relative to the stylesheet"
            )
            css.write_text(default + "\nbody { background-color: rgb(220, 250, 220); }\n", encoding="utf-8")
            expect(overlay).to_have_count(0, timeout=30_000)
            page.wait_for_function(f"{background} === 'rgb(220, 250, 220)'", timeout=30_000)
            browser.close()
    finally:
        _stop(preview)
