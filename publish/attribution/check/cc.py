"""Creative Commons licences as files name them: every form of the URI, and names in text.

A licence is named by its deed URL, the legal code, a translation of either,
over http or https, with or without a trailing slash, a query (the licence
chooser adds ``?ref=chooser-v1``) or a fragment. All of them are one licence.
Text names it as "CC BY-NC-ND 4.0" or as "Creative Commons
Attribution-NonCommercial-NoDerivatives 4.0 International".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from publish.source.licences import CATALOGUE

_ELEMENTS = {"by", "nc", "nd", "sa"}
_WORDS = {"nc": "NonCommercial", "nd": "NoDerivatives", "sa": "ShareAlike"}


@dataclass(frozen=True, order=True)
class LicenceRef:
    """One Creative Commons licence or tool: ``by-nc-nd`` 4.0, ``zero`` 1.0, ``by`` 3.0 ``de``."""

    code: str
    version: str
    jurisdiction: str = ""

    @property
    def public_domain(self) -> bool:
        return self.code in ("zero", "mark")

    @property
    def deed(self) -> str:
        base = "publicdomain" if self.public_domain else "licenses"
        port = f"{self.jurisdiction}/" if self.jurisdiction else ""
        return f"https://creativecommons.org/{base}/{self.code}/{self.version}/{port}"

    @property
    def short_name(self) -> str:
        if self.code == "zero":
            return f"CC0 {self.version}"
        if self.code == "mark":
            return f"Public Domain Mark {self.version}"
        port = f" {self.jurisdiction.upper()}" if self.jurisdiction else ""
        return f"CC {self.code.upper()} {self.version}{port}"

    @property
    def name(self) -> str:
        for licence in CATALOGUE.values():
            if licence.deed_url == self.deed:
                return licence.name
        if self.public_domain:
            return self.short_name
        words = "-".join(["Attribution", *(_WORDS[e] for e in self.code.split("-")[1:])])
        return f"Creative Commons {words} {self.version}"

    @property
    def derivatives(self) -> bool:
        return "nd" not in self.code.split("-")

    @property
    def commercial(self) -> bool:
        return "nc" not in self.code.split("-")


_PATH = re.compile(
    r"^/(?:(?P<lic>licenses)/(?P<code>[a-z-]+)|publicdomain/(?P<pd>zero|mark))"
    r"/(?P<version>\d+(?:\.\d+)?)"
    r"(?:/(?P<port>[a-z]{2}(?:-[a-z]{2})?))?"
    r"(?:/(?:legalcode|deed)(?:\.[A-Za-z_-]+)?)?/?$"
)


def licence_of(uri: str) -> LicenceRef | None:
    """The licence a URI names, in any of its forms; None if it names none."""
    try:
        parts = urlsplit(uri.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or host not in ("creativecommons.org", "www.creativecommons.org"):
        return None
    found = _PATH.match(parts.path.lower())
    if found is None:
        return None
    if found["pd"]:
        return LicenceRef(found["pd"], found["version"])
    code = found["code"]
    elements = code.split("-")
    if elements[0] != "by" or not set(elements) <= _ELEMENTS or len(set(elements)) != len(elements):
        return None
    port = found["port"] or ""
    if port in ("legalcode", "deed"):
        port = ""
    return LicenceRef(code, found["version"], port)


_SHORT = re.compile(
    r"\bCC[ -]?(BY(?:[- ](?:NC|ND|SA)){0,2})[ -](\d\.\d)(?:[ -]([A-Z]{2})\b)?|\bCC0(?:[ -](1\.0))?\b", re.IGNORECASE
)
_LONG = re.compile(
    r"\bAttribution((?:[- ](?:NonCommercial|Non-Commercial|NoDerivatives|NoDerivs|ShareAlike|Share-Alike)){0,2})"
    r"(?:\s+(?:International|Unported|Generic))?(?:\s+Licen[cs]e)?,?\s+(?:version\s+)?(\d\.\d)\b"
    r"(?:[ -]([A-Z]{2})\b)?",
    re.IGNORECASE,
)
_URI = re.compile(r"(?:https?://)?(?:www\.)?creativecommons\.org/(?:licenses|publicdomain)/[^\s\"'<>)\],;]*", re.I)
_LONG_CODES = {"noncommercial": "nc", "noderivatives": "nd", "noderivs": "nd", "sharealike": "sa"}


def licences_named(text: str) -> set[LicenceRef]:
    """Every licence a text names, by URI, short name or full name."""
    found: set[LicenceRef] = set()
    for match in _URI.finditer(text):
        uri = match.group(0).rstrip(".")
        ref = licence_of(uri if "://" in uri else f"https://{uri}")
        if ref is not None:
            found.add(ref)
    for match in _SHORT.finditer(text):
        if match.group(1):
            code = re.sub(r"[ -]+", "-", match.group(1).lower())
            port = (match.group(3) or "").lower() if match.group(2) < "4.0" else ""  # 4.0 has no ports
            found.add(LicenceRef(code, match.group(2), port))
        else:
            found.add(LicenceRef("zero", "1.0"))
    for match in _LONG.finditer(text):
        elements = re.findall(r"Non-?Commercial|NoDerivatives|NoDerivs|Share-?Alike", match.group(1), re.IGNORECASE)
        parts = [_LONG_CODES[p.lower().replace("-", "")] for p in elements]
        port = (match.group(3) or "").lower() if match.group(2) < "4.0" else ""
        found.add(LicenceRef("-".join(["by", *parts]), match.group(2), port))
    return found
