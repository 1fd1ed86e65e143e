"""What the reading room says about an article, as its manifest records it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from publish.attribution.model import Attribution

from publish.room.names import ATOM, FILES, OPDS, PAGE, cover_names, normal_base_url

__all__ = ["ATOM", "FILES", "OPDS", "PAGE", "cover_names", "normal_base_url"]  # the room finds them here

FORMATS = {  # suffix: (what readers call it, media type), in the order the page lists them
    ".epub": ("EPUB", "application/epub+zip"),
    ".pdf": ("PDF", "application/pdf"),
    ".html": ("HTML", "text/html"),
}
OPDS_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ATOM_TYPE = "application/atom+xml"
KIT_LABELS = {
    "republish/attribution.txt": "credit line and terms, plain text",
    "republish/attribution.md": "credit line and terms, Markdown",
    "republish/attribution.html": "credit line with machine-readable licence (HTML)",
    "republish/article.html": "the article as HTML to paste, credited",
}


def catalogue(a: Attribution) -> dict[str, Any]:
    """What the page and the feeds show, recorded in the manifest as ``catalogue``."""
    return {
        "identifier": a.identifier,
        "title": a.title,
        "subtitle": a.subtitle or "",
        "authors": [author.display_name for author in a.authors],
        "byline": a.byline,
        "language": a.language,
        "date": {"iso": a.date.iso, "display": a.date.display, "inferred": a.date.inferred},
        "licence": {
            "spdx": a.licence.spdx,
            "name": a.licence.name,
            "url": a.licence.deed_url,
            "assumed": a.assumed,
            "reason": a.reason or "",
        },
        "notice": a.notice,
        "rights": a.rights_statement,
        "credit": a.credit_line,
        "credit_parts": [{"text": p.text, "role": p.role, "href": p.href} for p in a.credit_parts],
        "keywords": list(a.keywords),
    }


@dataclass(frozen=True)
class Edition:
    label: str  # EPUB, PDF, HTML
    href: str  # relative to the room
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Entry:
    """One article in a room: what its manifest says, with links relative to the room."""

    slug: str
    info: Mapping[str, Any]
    editions: tuple[Edition, ...]
    kit: tuple[tuple[str, str], ...]  # (href, label)
    cover: str | None
    thumbnail: str | None
    updated: str  # the build's source date, ISO 8601

    @classmethod
    def of(cls, manifest: Mapping[str, Any], prefix: str = "") -> Entry:
        """From an article's manifest; ``prefix`` is its folder as seen from the room ("slug/")."""
        slug = str(manifest["slug"])
        outputs: Mapping[str, Mapping[str, Any]] = manifest["outputs"]
        editions = []
        for suffix, (label, media_type) in FORMATS.items():
            name = f"{slug}{suffix}"
            if name in outputs:
                found = outputs[name]
                editions.append(Edition(label, prefix + name, media_type, int(found["size"]), str(found["sha256"])))
        kit = tuple((prefix + name, label) for name, label in KIT_LABELS.items() if name in outputs)
        cover, thumbnail = cover_names(slug)
        return cls(
            slug=slug,
            info=manifest["catalogue"],
            editions=tuple(editions),
            kit=kit,
            cover=prefix + cover if cover in outputs else None,
            thumbnail=prefix + thumbnail if thumbnail in outputs else None,
            updated=str(manifest["source_date"]),
        )


def feed_id(kind: str, entries: Sequence[Entry], base_url: str | None) -> str:
    """A feed's id: its address where the room is deployed, else a UUID made from its articles'
    identifiers (the manuscripts', never the clock), different for each kind of feed."""
    if base_url:
        return base_url + (OPDS if kind == "opds" else ATOM)
    import uuid

    names = "\n".join(sorted(str(e.info["identifier"]) for e in entries))
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'publish-room:{kind}:{names}')}"
