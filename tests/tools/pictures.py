"""Draw the README's pictures: ``nox -s pictures``.

docs/editions.png: the three editions side by side. The HTML edition and the
EPUB's article page are rendered by Chromium (the EPUB at a phone-sized
viewport, as a reading system would show it); the PDF's first page by PDFium.

docs/preview-overlay.png: ``publish preview`` in Chromium, on a copy of the
article whose front matter has just been broken: the problem over the last
good edition.

Usage: python tests/tools/pictures.py DIST OUT_DIR
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from validators import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "styles" / "fonts" / "literata"
ARTICLE = ROOT / "manuscript" / "us-north-korean-summitry-round-two.md"
HEIGHT = 1000
BACKDROP = (232, 228, 220)


def _screenshot(url: str, width: int, height: int, scale: float) -> Image.Image:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, device_scale_factor=scale)
        page.goto(url)
        page.evaluate("document.fonts.ready")
        with tempfile.NamedTemporaryFile(suffix=".png") as shot:
            page.screenshot(path=shot.name)
            image = Image.open(shot.name).convert("RGB")
        browser.close()
    return image


def _fit(image: Image.Image, height: int) -> Image.Image:
    return image.resize((round(image.width * height / image.height), height), Image.Resampling.LANCZOS)


def editions(dist: Path, out: Path) -> None:
    html = next(dist.glob("*.html"))
    pdf = next(dist.glob("*.pdf"))
    epub = next(dist.glob("*.epub"))
    panels = []

    panels.append(("HTML", _fit(_screenshot(html.resolve().as_uri(), 1100, 1300, 1), HEIGHT)))

    document = pypdfium2.PdfDocument(str(pdf))
    page_image = document[0].render(scale=2).to_pil().convert("RGB")
    document.close()
    panels.append(("PDF", _fit(page_image, HEIGHT)))

    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(epub) as archive:
            archive.extractall(folder)
        cover = Image.open(Path(folder) / "EPUB" / "images" / "cover.png").convert("RGB")
        article = _screenshot((Path(folder) / "EPUB" / "article.xhtml").as_uri(), 390, 780, 2)
    panels.append(("EPUB", _fit(cover, HEIGHT)))
    panels.append(("", _fit(article, HEIGHT)))

    gap, label_height = 40, 80
    width = sum(image.width for _, image in panels) + gap * (len(panels) + 1)
    sheet = Image.new("RGB", (width, HEIGHT + label_height + gap), BACKDROP)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(str(FONTS / "Literata-Bold.ttf"), 44)
    x = gap
    for label, image in panels:
        draw.text((x, 18), label, font=font, fill=(40, 40, 40))
        sheet.paste(image, (x, label_height))
        x += image.width + gap
    sheet = sheet.resize((sheet.width // 2, sheet.height // 2), Image.Resampling.LANCZOS)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
    print(f"wrote {out} ({sheet.width}x{sheet.height})")


def overlay(out: Path) -> None:
    """The preview showing a problem over the last good HTML edition."""
    with tempfile.TemporaryDirectory() as folder:
        manuscript = Path(folder) / "manuscript" / ARTICLE.name
        manuscript.parent.mkdir()
        shutil.copy(ARTICLE, manuscript)
        process = subprocess.Popen(
            [sys.executable, "-m", "publish", "preview", str(manuscript.relative_to(folder)), "--port", "0"],
            cwd=folder,
            env={**os.environ, "PUBLISH_CACHE_DIR": str(Path(folder) / "cache")},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            url = re.search(r"http://\S+/", process.stdout.readline())
            assert url, "publish preview printed no address"
            while b'"checked": 2' not in urllib.request.urlopen(url.group(0) + "_preview/state").read():
                time.sleep(0.1)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1000, "height": 640}, device_scale_factor=1)
                page.goto(url.group(0) + ARTICLE.stem + ".html")
                page.evaluate("document.fonts.ready")
                text = manuscript.read_text(encoding="utf-8")
                manuscript.write_text(text.replace("value: 2019-02\n", "value: 2019-02-30\n", 1), encoding="utf-8")
                page.wait_for_selector("#publish-preview-problems", timeout=30_000)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out))
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=60)
    Image.open(out).convert("RGB").save(out, optimize=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    folder = Path(sys.argv[2])
    editions(Path(sys.argv[1]), folder / "editions.png")
    overlay(folder / "preview-overlay.png")
