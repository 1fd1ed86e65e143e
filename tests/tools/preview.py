"""Draw the three editions side by side for the README: ``nox -s preview``.

The HTML edition and the EPUB's article page are rendered by Chromium (the
EPUB at a phone-sized viewport, as a reading system would show it); the PDF's
first page by PDFium. Usage: python tests/tools/preview.py DIST OUT.png
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path

import pypdfium2
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from validators import CHROMIUM, CHROMIUM_ARGS

FONTS = Path(__file__).resolve().parents[2] / "styles" / "fonts" / "literata"
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


def main(dist: Path, out: Path) -> None:
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


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
