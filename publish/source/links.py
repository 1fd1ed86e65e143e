"""Links the editions may carry: valid URLs by the WHATWG URL Standard.

The Nu Html Checker and EPUBCheck refuse an href that is not a *valid URL
string*, which is stricter than what browsers manage to parse: a space, a
backslash, ``|`` or ``{``, a ``%`` not followed by two hex digits, a second
``#``, credentials, or a host that is not a domain all fail them. So every
link is checked here, with ada (a WHATWG URL parser) for the host and port,
and refused at its line with what to write instead.

Allowed: ``http``, ``https`` and ``mailto`` URLs, and ``#id`` links to an id
of the article's own.
"""

from __future__ import annotations

import re

SCHEMES = ("http", "https", "mailto")

# Code points a valid URL string may hold outside percent-encoding: ASCII
# letters and digits, !$&'()*+,-./:;=?@_~, and U+00A0 and above except the
# noncharacters. "#" is the fragment's start; "%" must begin an escape.
_ASCII_OK = set("!$&'()*+,-./:;=?@_~#%") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ADVICE = {
    " ": "a space is not allowed; write %20",
    "\\": "a backslash is not allowed; write / or %5C",
    '"': 'a " is not allowed; write %22',
    "<": "a < is not allowed; write %3C",
    ">": "a > is not allowed; write %3E",
    "[": "a [ is not allowed outside an IPv6 address; write %5B",
    "]": "a ] is not allowed outside an IPv6 address; write %5D",
}
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_AUTHORITY = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?P<slashes>/*)(?P<rest>.*)", re.DOTALL)


def _noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _character_problem(text: str) -> str | None:
    for char in text:
        code = ord(char)
        if char in _ASCII_OK or (code >= 0xA0 and not _noncharacter(code) and not 0xD800 <= code <= 0xDFFF):
            continue
        if char in _ADVICE:
            return _ADVICE[char]
        if code < 0x20 or 0x7F <= code < 0xA0 or _noncharacter(code):
            return f"U+{code:04X} is not allowed"
        return f"a {char} is not allowed; write %{code:02X}"
    if _ESCAPE.search(text):
        return "a % must begin an escape such as %20; write %25 for a percent sign"
    if text.count("#") > 1:
        return "only one # may appear; write %23 for the others"
    return None


def _host_problem(url: str) -> str | None:
    """The host and port, as the WHATWG parser (ada) reads them."""
    import ada_url

    if not ada_url.check_url(url):
        authority = re.split(r"[/?#]", url.split("//", 1)[-1], maxsplit=1)[0]
        return f"'{authority}' is not a valid host name and port; check the address"
    parsed = ada_url.URL(url)
    host = parsed.hostname
    if not host:
        return "it has no host"
    if host.startswith("["):
        return None
    labels = host.split(".")
    if any(not label for label in labels[:-1]):
        return f"the host '{host}' has an empty label"
    for label in labels:
        if label.startswith("xn--"):
            decoded = ada_url.idna_to_unicode(label)  # an invalid label comes back as it was
            encoded = ada_url.idna_to_ascii(decoded) if decoded and decoded != label else b""
            if encoded != label.encode("ascii"):
                return f"the host label '{label}' is not valid punycode"
    return None


def link_problem(href: str, ids: frozenset[str] | set[str] = frozenset()) -> str | None:
    """Why the editions cannot carry this link, or None. ``ids`` are the
    article's own ids, which ``#…`` links may point to."""
    if not href:
        return "it has no target; write [text](https://…)"
    if href.startswith("#"):
        problem = _character_problem(href)
        if problem:
            return problem
        target = href[1:]
        if not target:
            return "it points nowhere; give the id of a heading or element, such as #introduction"
        from urllib.parse import unquote

        if unquote(target) not in ids:
            import difflib

            close = difflib.get_close_matches(unquote(target), sorted(ids), n=1, cutoff=0.6)
            hint = f"did you mean #{close[0]}?" if close else "link to a heading's id or give the target {#id}"
            return f"the article has no id '{unquote(target)}'; {hint}"
        return None
    match = _AUTHORITY.fullmatch(href)
    if match is None or match["scheme"].lower() not in SCHEMES:
        return "only http, https and mailto links, or links within the article (#…), are allowed"
    # An IPv6 host is written in brackets, the one place they are allowed.
    problem = _character_problem(re.sub(r"^([A-Za-z]+://)\[[0-9A-Fa-f:.]*\]", r"\1", href))
    if problem:
        return problem
    scheme = match["scheme"].lower()
    if scheme == "mailto":
        return None if match["rest"] or match["slashes"] else "it names no address"
    if match["slashes"] != "//":
        return f"write {scheme}:// before the host"
    authority = re.split(r"[/?#]", match["rest"], maxsplit=1)[0]
    if "@" in authority:
        return "a user name or password in a link is not allowed"
    return _host_problem(href)
