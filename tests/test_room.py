"""The reading room: the download page, the OPDS catalogue and the Atom feed, read as the
validators, an app's feed library and a browser read them."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import lxml.html
import pytest
from commands import publish
from conftest import ARTICLE, RICH, ROOT
from lxml import etree

from publish.build.run import build

SCHEMAS = ROOT / "tests" / "schemas"
SLUG = ARTICLE.stem
KOREAN = ROOT / "tests" / "fixtures" / "corpus" / "korean-terms.md"
ATOM = "{http://www.w3.org/2005/Atom}"
ACQUISITION = "http://opds-spec.org/acquisition/open-access"


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("room") / "dist"
    build(ARTICLE, out, environ={})
    return out


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("room-shelf")
    folder = work / "shelf"
    folder.mkdir()
    for manuscript in (ARTICLE, RICH, KOREAN):
        shutil.copy(manuscript, folder / manuscript.name)
    shutil.copy(RICH.parent / "figure.png", folder / "figure.png")
    done = publish("build", folder, "--out", work / "dist", "--quiet", cwd=work)
    assert done.returncode == 0, done.stderr
    return work / "dist"


def _schema(name: str) -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / name)))


def _schematron(feed: etree._Element) -> list[str]:
    """The rules atom.rnc states in Schematron, which RELAX NG does not check."""
    problems = []
    feed_author = feed.find(f"{ATOM}author") is not None
    for entry in feed.iter(f"{ATOM}entry"):
        title = entry.findtext(f"{ATOM}title")
        if not feed_author and entry.find(f"{ATOM}author") is None:
            problems.append(f"{title}: an entry without an author, in a feed without one")
        alternate = [link for link in entry.iter(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        if not alternate and entry.find(f"{ATOM}content") is None:
            problems.append(f"{title}: neither an alternate link nor content")
        types = [(link.get("type"), link.get("hreflang")) for link in alternate]
        if len(types) != len(set(types)):
            problems.append(f"{title}: two alternate links of one type and language")
        if entry.find(f"{ATOM}rights") is None:
            problems.append(f"{title}: no rights")
    return problems


@pytest.mark.parametrize(("name", "schema"), [("opds.xml", "opds.rng"), ("feed.xml", "atom.rng")])
@pytest.mark.parametrize("where", ["single", "shelf"])
def test_the_feeds_are_valid_opds_and_atom(name: str, schema: str, where: str, request: pytest.FixtureRequest) -> None:
    folder: Path = request.getfixturevalue(where)
    feed = etree.parse(str(folder / name))
    relaxng = _schema(schema)
    assert relaxng.validate(feed), relaxng.error_log
    assert _schematron(feed.getroot()) == []


def test_a_broken_feed_fails_the_schemas(single: Path) -> None:
    """The schemas can fail: a link with a space, a feed without its id."""
    feed = etree.parse(str(single / "opds.xml"))
    link = feed.getroot().find(f"{ATOM}entry/{ATOM}link")
    assert link is not None
    link.set("href", "a cover.png")
    assert not _schema("opds.rng").validate(feed)
    feed = etree.parse(str(single / "feed.xml"))
    feed.getroot().remove(feed.getroot().find(f"{ATOM}id"))
    assert not _schema("atom.rng").validate(feed)
    entry = feed.getroot().find(f"{ATOM}entry")
    entry.remove(entry.find(f"{ATOM}author"))
    assert _schematron(feed.getroot()) == [
        "US and North Korean Summitry: Round Two: an entry without an author, in a feed without one"
    ]


def test_an_app_reads_every_edition_cover_and_right_from_the_opds_catalogue(single: Path) -> None:
    parsed = feedparser.parse((single / "opds.xml").read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    (entry,) = parsed.entries
    assert entry.id == "urn:uuid:a6cea8ee-b5d4-582f-aca6-c1fec0aa2eb3"
    assert entry.title == "US and North Korean Summitry: Round Two"
    assert entry.author == "Dr James Person"
    assert entry.dcterms_language == "en"
    assert entry.published == "2019-02"  # dc:issued, as precise as the manuscript knows it
    assert entry.summary.startswith("Kim Jong Un is slated to meet")
    assert "may be republished with attribution" in entry.rights
    assert "https://creativecommons.org/licenses/by-nc-nd/4.0/" in entry.rights
    assert "assumed" in entry.rights
    acquisitions = {link.type: link.href for link in entry.links if link.rel == ACQUISITION}
    assert acquisitions == {
        "application/epub+zip": f"{SLUG}.epub",
        "application/pdf": f"{SLUG}.pdf",
        "text/html": f"{SLUG}.html",
    }
    images = {link.rel: link.href for link in entry.links if "image" in link.rel}
    assert images == {
        "http://opds-spec.org/image": f"{SLUG}-cover.png",
        "http://opds-spec.org/image/thumbnail": f"{SLUG}-thumbnail.png",
    }
    for link in entry.links:  # relative links work from the downloaded folder
        target = single / link.href
        assert target.is_file(), link.href
        if link.get("length"):
            assert int(link.length) == target.stat().st_size
    from PIL import Image

    with Image.open(single / f"{SLUG}-thumbnail.png") as thumbnail, Image.open(single / f"{SLUG}-cover.png") as cover:
        assert thumbnail.width == 200
        assert cover.width > thumbnail.width


def test_a_feed_reader_reads_the_atom_feed(single: Path) -> None:
    parsed = feedparser.parse((single / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    (entry,) = parsed.entries
    assert entry.link == f"{SLUG}.html"  # the page is the HTML edition
    enclosures = sorted(e.type for e in entry.enclosures)
    assert enclosures == ["application/epub+zip", "application/pdf"]
    assert entry.updated == "2026-11-27T00:00:00Z"
    assert "published" not in entry  # the original's date is a month: no day is made up
    assert entry.rights.startswith("This article is published under a Creative Commons License")


def test_base_url_makes_the_links_absolute_and_ids_never_come_from_the_clock(tmp_path: Path) -> None:
    base = "https://example.org/articles"
    build(ARTICLE, tmp_path / "a", environ={"SOURCE_DATE_EPOCH": "1800000000"}, base_url=base)
    build(ARTICLE, tmp_path / "b", environ={})
    deployed = feedparser.parse((tmp_path / "a" / "opds.xml").read_bytes())
    assert deployed.feed.id == f"{base}/opds.xml"
    assert {link.href for link in deployed.entries[0].links} >= {f"{base}/{SLUG}.epub", f"{base}/{SLUG}-cover.png"}
    assert all(link.href.startswith(f"{base}/") for link in deployed.entries[0].links)
    atom = feedparser.parse((tmp_path / "a" / "feed.xml").read_bytes())
    assert atom.feed.id == f"{base}/feed.xml"
    assert atom.entries[0].link == f"{base}/{SLUG}.html"
    assert atom.feed.updated == "2027-01-15T08:00:00Z"  # SOURCE_DATE_EPOCH, not the clock
    local = feedparser.parse((tmp_path / "b" / "opds.xml").read_bytes())
    assert local.feed.id.startswith("urn:uuid:")
    assert local.entries[0].id == deployed.entries[0].id == "urn:uuid:a6cea8ee-b5d4-582f-aca6-c1fec0aa2eb3"
    again = tmp_path / "c"
    build(ARTICLE, again, environ={"SOURCE_DATE_EPOCH": "1900000000"})
    assert feedparser.parse((again / "opds.xml").read_bytes()).feed.id == local.feed.id
    refused = publish("build", ARTICLE, "--base-url", "example.org/x", "--out", tmp_path / "d", cwd=tmp_path)
    assert refused.returncode == 2
    assert "expected an http(s) address" in refused.stderr


def test_the_download_page_lists_every_edition_with_its_size_and_digest(single: Path) -> None:
    page = lxml.html.parse(str(single / "index.html")).getroot()
    assert page.get("lang") == "en"
    assert page.findtext(".//h1") == "Download this article"
    assert page.findtext(".//title") == "US and North Korean Summitry: Round Two: download"
    (entry,) = page.find_class("room-entry")
    text = entry.text_content()
    assert "Dr James Person" in text
    time = entry.find(".//time")
    assert (time.get("datetime"), time.text) == ("2019-02", "February 2019")
    assert "(date inferred from the text)" in text
    licence = entry.find_class("licence")[0].find("a")
    assert licence.get("rel") == "license"  # one article: the page's licence is its
    assert licence.get("href") == "https://creativecommons.org/licenses/by-nc-nd/4.0/"
    assert licence.text == "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International"
    assert entry.find_class("licence")[0].text_content().endswith(", assumed")
    assert "names no specific licence" in entry.find_class("assumed")[0].text_content()
    credit = entry.find_class("credit-line")[0].text_content()
    assert credit.startswith("“US and North Korean Summitry: Round Two” by Dr James Person.")
    editions = entry.find_class("editions")[0].findall("li")
    assert [li.find("a").text for li in editions] == ["EPUB", "PDF", "HTML"]
    for li in editions:
        href = li.find("a").get("href")
        data = (single / href).read_bytes()
        assert li.find(".//code").text == hashlib.sha256(data).hexdigest()
        assert li.find_class("size")[0].text == f"{len(data) / 1000:.0f} kB"
    kit = [a.get("href") for a in entry.find_class("kit")[0].iter("a")]
    assert all((single / href).is_file() for href in kit)
    assert "republish/attribution.txt" in kit
    verify = page.get_element_by_id("verify").text_content()
    assert "sha256sum -c --ignore-missing SHA256SUMS" in verify
    assert "minisign -Vm SHA256SUMS" in verify
    assert page.find(".//script") is None  # a plain page
    assert "@font-face" in page.findtext(".//style")  # the editions' fonts, subset for the page


def test_the_room_is_listed_and_checksummed(single: Path) -> None:
    sums = dict(reversed(line.split("  ", 1)) for line in (single / "SHA256SUMS").read_text().splitlines())
    for name in ("index.html", "opds.xml", "feed.xml", f"{SLUG}-cover.png", f"{SLUG}-thumbnail.png"):
        assert sums[name] == hashlib.sha256((single / name).read_bytes()).hexdigest()
    manifest = json.loads((single / "manifest.json").read_text())
    catalogue = manifest["catalogue"]
    assert catalogue["identifier"] == manifest["identifier"]
    assert catalogue["licence"]["assumed"] is True
    assert catalogue["date"] == {"iso": "2019-02", "display": "February 2019", "inferred": True}
    assert "index.html" in manifest["outputs"]


def test_a_collection_room_lists_every_article_with_links_into_its_folder(shelf: Path) -> None:
    page = lxml.html.parse(str(shelf / "index.html")).getroot()
    assert page.findtext(".//h1") == "Creative Commons articles"
    entries = page.find_class("room-entry")
    slugs = sorted(p.name for p in shelf.iterdir() if p.is_dir())
    assert [e.get("id") for e in entries] == slugs
    for entry in entries:
        for link in entry.iter("a"):
            href = link.get("href")
            if not href.startswith("http"):
                assert (shelf / href).is_file(), href
                assert href.startswith(f"{entry.get('id')}/")
    korean = next(e for e in entries if e.get("id") == "korean-terms")
    assert korean.findtext("h2") == "Summit, 정상회담, 頂上會談: Names Across Scripts"
    assert "Noto Serif CJK" in page.findtext(".//style") or "CJK" in page.findtext(".//style")
    parsed = feedparser.parse((shelf / "opds.xml").read_bytes())
    assert sorted(e.id for e in parsed.entries) == sorted(
        json.loads((shelf / slug / "manifest.json").read_text())["identifier"] for slug in slugs
    )
    for entry in parsed.entries:
        for link in entry.links:
            assert (shelf / link.href).is_file(), link.href
    sums = (shelf / "SHA256SUMS").read_text()
    for name in ("index.html", "opds.xml", "feed.xml"):
        assert f"{hashlib.sha256((shelf / name).read_bytes()).hexdigest()}  {name}\n" in sums


def test_a_merged_collection_keeps_the_base_url_it_was_built_for(tmp_path: Path) -> None:
    base = "https://example.org/room/"
    for number in (1, 2):
        done = publish("build", ARTICLE, KOREAN, "--shard", f"{number}/2", "--base-url", base,
                       "--out", tmp_path / f"s{number}", cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
    whole = publish("build", ARTICLE, KOREAN, "--base-url", base, "--out", tmp_path / "whole", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    merged = publish("merge", tmp_path / "s1", tmp_path / "s2", "--out", tmp_path / "merged", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    for name in ("index.html", "opds.xml", "feed.xml", "SHA256SUMS", "manifest.json"):
        assert (tmp_path / "merged" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    feed = feedparser.parse((tmp_path / "merged" / "opds.xml").read_bytes())
    assert feed.feed.id == f"{base}opds.xml"
    links = [link.href for entry in feed.entries for link in entry.links]
    assert f"{base}korean-terms/korean-terms.epub" in links
    assert urljoin(base, "korean-terms/korean-terms.pdf") in links


@pytest.mark.validators
def test_the_download_page_passes_the_nu_checker_and_axe(single: Path, shelf: Path) -> None:
    from validators import axe, nu_html

    assert nu_html(single / "index.html", shelf / "index.html") == []
    for page in (single / "index.html", shelf / "index.html"):
        assert axe(page) == []  # at 1280 and 360 px, light and dark; no glyph from a system font


def test_the_download_page_tells_machines_what_it_tells_readers(single: Path) -> None:
    """The credit line in ccREL, as the editions carry it, and the original's notice as dct:rights:
    `publish check --strict` finds a complete attribution with nothing to warn of."""
    done = publish("check", "--strict", single / "index.html", cwd=single)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"{single / 'index.html'}: complete attribution (HTML)"
    page = lxml.html.parse(str(single / "index.html")).getroot()
    credit = page.find_class("credit-line")[-1]  # the last: the stylesheet's rule comes first
    assert credit.xpath(".//*[contains(@property, 'cc:attributionName')]/text()") == ["Dr James Person"]
    assert page.xpath("//*[@property='dct:rights']/text()") == [
        "This article is published under a Creative Commons License and may be republished with attribution."
    ]


def test_a_collection_page_makes_no_statement_about_itself_for_one_article(shelf: Path) -> None:
    """Several articles, several licences: none is stated as the page's own."""
    page = lxml.html.parse(str(shelf / "index.html")).getroot()
    assert page.xpath("//*[@property]") == []
    assert page.xpath("//*[@prefix]") == []
    assert page.xpath("//*[@rel='license']") == []
