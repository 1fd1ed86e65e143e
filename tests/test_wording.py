"""The licence wording, word for word, against the CC 4.0 legal code.

One golden test a rule. Each reads what a reader or a republisher gets (the
editions, the republisher kit, the metadata) and compares it with the words
written out here, never with what the code would produce. Section numbers
are those of the CC 4.0 legal code, the same in the six licences for the
sections cited, save §2(a)(5), which ShareAlike licences number (C).
"""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pikepdf
from conftest import ROOT
from lxml import etree
from readers import Epub, html_tree, pdf_body_text, squash, text_pattern

DEED = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
NOTICE = "This article is published under a Creative Commons License and may be republished with attribution."
WHY = (
    "The licence is assumed. The original notice says only “a Creative Commons License” and names no specific "
    "licence, so this edition takes the most restrictive reading. That reading is an assumption; the licence "
    "that really applies is the original’s, and a copy should name and link that licence if it becomes known."
)
LICENCE = (
    "This edition assumes the Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International licence "
    "(CC BY-NC-ND 4.0), https://creativecommons.org/licenses/by-nc-nd/4.0/: the most restrictive reading of the "
    "original notice."
)
INTRO = (
    "What CC BY-NC-ND 4.0 allows and asks, as this edition reads the licence; these are not terms this edition "
    "adds. The licence is assumed: the licence that really applies is the original’s."
)
SOURCE = (
    "The original outlet, URL and date of first publication are unknown, "
    "so do not add a guessed source or a canonical link."
)
GUIDE = (
    "Creative Commons explains what NonCommercial means, for example for pages with advertising: "
    "https://wiki.creativecommons.org/wiki/NonCommercial_interpretation. "
    "That is Creative Commons’ own explanation, and this kit is not legal advice."
)


def _kit(editions: dict[str, Path], name: str) -> str:
    return (editions["html"].parent / "republish" / name).read_text(encoding="utf-8")


def _lists(text: str) -> dict[str, list[str]]:
    """attribution.txt's "You may:", "You must:" and "You must not:" lists, item by item."""
    found: dict[str, list[str]] = {}
    for block in text.split("\n\n"):
        heading, _, rest = block.partition(":\n")
        if heading in ("You may", "You must", "You must not"):
            found[heading] = [line.removeprefix("- ") for line in rest.split("\n") if line]
    return found


def _field(text: str, label: str) -> str:
    """A one-line field of attribution.txt, "Label: value"."""
    (line,) = [line for line in text.split("\n") if line.startswith(f"{label}: ")]
    return line.removeprefix(f"{label}: ")


def _dd(root: etree._Element, term: str) -> str:
    """The colophon's entry for a term, as a reader sees it."""
    (dd,) = root.xpath(f"//section[@id='_colophon']//dt[.='{term}']/following-sibling::dd[1]")
    return squash(dd.text_content())


def _republish(root: etree._Element) -> list[str]:
    """The Republish section's paragraphs, headings and items, as a reader sees them."""
    (section,) = root.xpath("//section[@id='_republish']")
    return [squash(el.text_content()) for el in section.iter("p", "h3", "li")]


def _json_ld(path: Path) -> dict[str, object]:
    (script,) = html_tree(path).xpath("//script[@type='application/ld+json']")
    return json.loads(script.text)  # type: ignore[no-any-return]


# 1. The reason does not claim that the assumed terms are within the real ones.


def test_1_the_reason_calls_the_reading_an_assumption(editions: dict[str, Path]) -> None:
    root = html_tree(editions["html"])
    assert _dd(root, "Why this licence") == WHY
    assert _field(_kit(editions, "attribution.txt"), "Why this licence") == WHY
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for claim in ("real ones", "always within", "strictest terms"):
        assert claim not in readme


# 2. An assumed licence is stated as this edition's reading, never as terms it imposes (§2(a)(5)(B)).


def test_2_the_assumed_licence_is_a_reading_and_says_so_everywhere(editions: dict[str, Path]) -> None:
    root = html_tree(editions["html"])
    assert _dd(root, "Licence") == LICENCE
    txt = _kit(editions, "attribution.txt")
    assert _field(txt, "Licence") == LICENCE
    assert f"HOW TO REPUBLISH\n\n{INTRO}\n\nYou may:\n" in txt
    assert INTRO in _republish(root)
    credit = "(https://creativecommons.org/licenses/by-nc-nd/4.0/), the licence this edition assumes. Text unchanged."
    assert str(_json_ld(editions["html"])["creditText"]).endswith(credit)
    with pikepdf.open(editions["pdf"]) as pdf:
        xmp = etree.fromstring(pdf.Root.Metadata.read_bytes())
    ns = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "xmpRights": "http://ns.adobe.com/xap/1.0/rights/"}
    (usage,) = xmp.xpath("//xmpRights:UsageTerms//rdf:li/text()", namespaces=ns)
    assert usage.startswith(f"{LICENCE} {WHY} Credit: “US and North Korean Summitry: Round Two” by Dr James Person.")
    assert Epub.open(editions["epub"]).metadata("dc:rights/text()") == [f"{NOTICE} {LICENCE} {WHY}"]
    pdf_colophon = pdf_body_text(editions["pdf"], running_head="US and North Korean Summitry: Round Two")
    assert text_pattern(LICENCE).search(pdf_colophon)
    everything = " ".join([squash(root.text_content()), txt, _kit(editions, "attribution.md")])
    assert "shared under" not in everything


def test_2_a_stated_licence_is_stated_plainly(rich_editions: dict[str, Path]) -> None:
    root = html_tree(rich_editions["html"])
    assert _dd(root, "Licence") == (
        "This edition is licensed under the Creative Commons Attribution 4.0 International licence "
        "(CC BY 4.0), https://creativecommons.org/licenses/by/4.0/."
    )
    assert (
        "What CC BY 4.0 allows and asks, as this edition reads the licence; these are not terms this edition adds. "
        "The legal code decides: https://creativecommons.org/licenses/by/4.0/legalcode."
    ) in _republish(root)


# 3. NoDerivatives: sharing in whole or in part and changing the format are allowed; sharing Adapted Material is not.


def test_3_no_derivatives_forbids_sharing_adapted_material_only(editions: dict[str, Path]) -> None:
    lists = _lists(_kit(editions, "attribution.txt"))
    assert lists["You may"] == [
        "copy and share the article, in whole or in part, for non-commercial purposes only (§2(a)(1)(A));",
        "change its medium or format: technical modifications never make Adapted Material (§2(a)(4)).",
    ]
    assert lists["You must not"][0] == (
        "share Adapted Material: the article translated, altered, arranged, transformed or otherwise modified "
        "in a way that needs the licensor’s permission (§1(a), §2(a)(1)(B));"
    )
    assert "any edit" not in _kit(editions, "attribution.txt")


# 4. What a copy must keep: credit, the original notice, the licence link, whether it was changed (§3(a)(1)).


def test_4_a_copy_keeps_credit_notice_licence_and_changes(editions: dict[str, Path]) -> None:
    assert _lists(_kit(editions, "attribution.txt"))["You must"] == [
        "credit the author with the credit line (§3(a)(1)(A)(i));",
        "keep the original notice, verbatim: “This article is published under a Creative Commons License and "
        "may be republished with attribution.” (§3(a)(1)(A)(ii)–(iii));",
        "link the licence, https://creativecommons.org/licenses/by-nc-nd/4.0/ (§3(a)(1)(C));",
        "say whether you changed it, keeping “Text unchanged” only if you did not (§3(a)(1)(B)).",
    ]


# 5. The paste-ready fragment carries the date, marked as inferred where it is.


def test_5_the_fragment_carries_the_date(editions: dict[str, Path], rich_editions: dict[str, Path]) -> None:
    def after_byline(kit: dict[str, Path]) -> list[str]:
        """The byline and the block after it, as the fragment's source has them."""
        source = _kit(kit, "article.html")
        blocks = [e for e in lxml.html.fragments_fromstring(source) if isinstance(e, lxml.html.HtmlElement)]
        tags = [lxml.html.tostring(e, encoding="unicode").strip() for e in blocks]
        byline = next(i for i, tag in enumerate(tags) if tag.startswith("<p>By "))
        return tags[byline : byline + 2]

    assert after_byline(editions) == [
        "<p>By Dr James Person</p>",
        "<p>February 2019 (date inferred from the text)</p>",
    ]
    assert after_byline(rich_editions) == ["<p>By Prof. Jane Roe and Richard Miles</p>", "<p>14 May 2024</p>"]


# 6. No endorsement by the author nor by the licensor (§2(a)(6)).


def test_6_no_endorsement_by_the_author_or_the_licensor(
    editions: dict[str, Path], rich_editions: dict[str, Path]
) -> None:
    assert _dd(html_tree(editions["html"]), "Endorsement") == (
        "This edition implies no endorsement by the author or by the licensor (§2(a)(6))."
    )
    assert _dd(html_tree(rich_editions["html"]), "Endorsement") == (
        "This edition implies no endorsement by the authors or by the licensor (§2(a)(6))."
    )
    must_not = _lists(_kit(editions, "attribution.txt"))["You must not"]
    assert "imply that the author or the licensor endorses you or your use (§2(a)(6));" in must_not


# 7. An unknown source is said to be unknown; NonCommercial points to Creative Commons' own explanation.


def test_7_the_kit_says_the_source_is_unknown_and_where_cc_explains_noncommercial(
    editions: dict[str, Path], rich_editions: dict[str, Path]
) -> None:
    txt = _kit(editions, "attribution.txt")
    assert _field(txt, "Source") == SOURCE
    assert f"\n\n{GUIDE}\n\n" in txt
    assert f"**Source:** {SOURCE}" in _kit(editions, "attribution.md")
    fragment = lxml.html.fragment_fromstring(_kit(editions, "attribution.html"), create_parent="div")
    assert f"Source: {SOURCE}" in [squash(p.text_content()) for p in fragment.iter("p")]
    root = html_tree(editions["html"])
    assert SOURCE in _republish(root)
    assert GUIDE in _republish(root)
    guide = "https://wiki.creativecommons.org/wiki/NonCommercial_interpretation"
    assert root.xpath(f"//section[@id='_republish']//a[@href='{guide}']")
    rich = _kit(rich_editions, "attribution.txt")
    assert "unknown" not in rich
    assert "NonCommercial" not in rich


# 8. The licence link cannot say "assumed", so the JSON-LD says why in usageInfo.


def test_8_json_ld_says_why_the_licence_is_assumed(editions: dict[str, Path], rich_editions: dict[str, Path]) -> None:
    data = _json_ld(editions["html"])
    assert data["license"] == DEED
    assert data["usageInfo"] == {"@type": "CreativeWork", "text": WHY}
    assert "usageInfo" not in _json_ld(rich_editions["html"])
