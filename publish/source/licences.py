"""The Creative Commons catalogue: the six CC 4.0 licences and CC0 1.0.

Keys are SPDX identifiers, the form a manuscript names its licence in. The
names and URLs are the ones Creative Commons publishes for each deed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    """One licence, with what a reuser may and must do under it."""

    spdx: str
    name: str
    short_name: str
    deed_url: str
    legal_code_url: str
    attribution: bool
    commercial: bool
    derivatives: bool
    share_alike: bool


def _cc4(code: str, words: str) -> Licence:
    elements = code.split("-")
    return Licence(
        spdx=f"CC-{code.upper()}-4.0",
        name=f"Creative Commons {words} 4.0 International",
        short_name=f"CC {code.upper()} 4.0",
        deed_url=f"https://creativecommons.org/licenses/{code}/4.0/",
        legal_code_url=f"https://creativecommons.org/licenses/{code}/4.0/legalcode",
        attribution=True,
        commercial="nc" not in elements,
        derivatives="nd" not in elements,
        share_alike="sa" in elements,
    )


CATALOGUE: dict[str, Licence] = {
    licence.spdx: licence
    for licence in (
        _cc4("by", "Attribution"),
        _cc4("by-sa", "Attribution-ShareAlike"),
        _cc4("by-nc", "Attribution-NonCommercial"),
        _cc4("by-nc-sa", "Attribution-NonCommercial-ShareAlike"),
        _cc4("by-nd", "Attribution-NoDerivatives"),
        _cc4("by-nc-nd", "Attribution-NonCommercial-NoDerivatives"),
        Licence(
            spdx="CC0-1.0",
            name="CC0 1.0 Universal",
            short_name="CC0 1.0",
            deed_url="https://creativecommons.org/publicdomain/zero/1.0/",
            legal_code_url="https://creativecommons.org/publicdomain/zero/1.0/legalcode",
            attribution=False,
            commercial=True,
            derivatives=True,
            share_alike=False,
        ),
    )
}


def lookup(spdx: str) -> Licence | None:
    """The licence for an SPDX identifier, ignoring case; None if unknown."""
    folded = spdx.strip().casefold()
    for key, licence in CATALOGUE.items():
        if key.casefold() == folded:
            return licence
    return None
