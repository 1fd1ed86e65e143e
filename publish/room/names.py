"""The reading room's file names: light enough for a build with nothing to do to import."""

PAGE = "index.html"
OPDS = "opds.xml"
ATOM = "feed.xml"
FILES = (PAGE, OPDS, ATOM)  # the room's own files, at the top of DIR


def cover_names(slug: str) -> tuple[str, str]:
    """The cover image and its thumbnail, beside the editions."""
    return f"{slug}-cover.png", f"{slug}-thumbnail.png"


def normal_base_url(url: str | None) -> str | None:
    """The base URL, ending in one slash; None for relative links."""
    if not url:
        return None
    return url.rstrip("/") + "/"
