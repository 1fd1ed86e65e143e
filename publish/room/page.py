"""The reading room's files: the download page (one file, its styles and font subsets inside,
like the HTML edition) and the two feeds."""

from __future__ import annotations

from collections.abc import Sequence

from publish.room import feeds
from publish.room.catalogue import ATOM, ATOM_TYPE, OPDS, OPDS_TYPE, PAGE, Entry
from publish.styling.styles import Styles

COLLECTION_TITLE = "Creative Commons articles"


def size(count: int) -> str:
    """A size as readers read it: 312 kB, 1.4 MB."""
    if count < 1000:
        return f"{count} bytes"
    if count < 1_000_000:
        return f"{count / 1000:.0f} kB"
    return f"{count / 1_000_000:.1f} MB"


def page(entries: Sequence[Entry], styles: Styles, title: str) -> bytes:
    """The download page, in the HTML edition's design: its base and screen styles, the room's,
    and subsets of the styles' fonts holding the glyphs the page uses."""
    from markupsafe import Markup

    from publish.styling.css import data_uri, stylesheet
    from publish.styling.fonts import Typefaces, page_fonts

    css = stylesheet(styles, ("base", "screen", "room"), data_uri)

    def render(fonts: str) -> str:
        return styles.render(
            "room/index.html.j2",
            css=Markup(fonts + css),
            title=title,
            single=len(entries) == 1,
            entries=entries,
            size=size,
            opds=OPDS,
            opds_type=OPDS_TYPE,
            atom=ATOM,
            atom_type=ATOM_TYPE,
        )

    return render(page_fonts(Typefaces.of(styles), render(""), "en").css).encode()


def room(
    entries: Sequence[Entry], styles: Styles, *, title: str | None = None, base_url: str | None = None
) -> dict[str, bytes]:
    """The room's files by name: the page and the feeds. The page's links are relative, so it
    works from a downloaded folder; the feeds' are absolute with ``base_url``."""
    if title is None:
        title = str(entries[0].info["title"]) if len(entries) == 1 else COLLECTION_TITLE
    return {
        PAGE: page(entries, styles, title),
        OPDS: feeds.opds(title, entries, base_url),
        ATOM: feeds.atom(title, entries, base_url),
    }
