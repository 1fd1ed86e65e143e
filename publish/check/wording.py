"""Claims in prose: endorsement, and adaptation.

A claim is a sentence that asserts something about this copy, not one that
denies it ("implies no endorsement"), forbids it ("must not imply that the
author endorses you") or explains the licence's terms ("Adapted Material
means …"). The patterns are deliberately narrow: a sentence must speak of the
edition, the author, the licensor or the publisher, or open with the claim
("Abridged by the editors.").
"""

from __future__ import annotations

import re

from publish.check.visible import BLOCK

_NEGATION = re.compile(r"\b(?:no|not|never|without|neither|nor|none|cannot)\b|n['’]t\b", re.IGNORECASE)
_INSTRUCTION = re.compile(
    r"\b(?:you|your|may|must|should|if|imply|implies|implying|suggest|suggests|assert|claim|claims)\b|Adapted Material",
    re.IGNORECASE,
)
_ENDORSE = re.compile(
    r"\b(?:endors(?:e|es|ed|ing|ement)|sponsor(?:s|ed|ing|ship)?|approv(?:al|ed|es)"
    r"|authori[sz]ed (?:by|edition|version|reprint)"
    r"|official (?:edition|version|reprint|partner|republication|publisher|copy)"
    r"|officially (?:sanctioned|approved|licensed|endorsed)"
    r"|granted official status|certified by|affiliated with|in partnership with|with the (?:\w+['’]s )?blessing)\b",
    re.IGNORECASE,
)
_WHO = re.compile(
    r"\b(?:author|authors|licensor|publisher|creator|writer|rights ?holder|this (?:edition|copy|version|page|site|"
    r"republication|reprint|publication|book|work|article))\b",
    re.IGNORECASE,
)
_ADAPT_WORDS = (
    r"(?:adapted|abridged|translated|condensed|shortened|edited|modified|altered|excerpted|remixed|revised|"
    r"rewritten|paraphrased|summari[sz]ed|cut|updated)"
)
_ADAPT_OPENING = re.compile(
    rf"^\W*(?:(?:text|changes|this (?:edition|version|copy|text) (?:is|was|has been))\W*)?{_ADAPT_WORDS}\b",
    re.IGNORECASE,
)
_ADAPT_OF_WORK = re.compile(
    rf"\b(?:this|the) (?:edition|version|text|article|copy|essay|story|work)\b[^.]{{0,40}}"
    rf"\b(?:is|was|has been|have been)\s+(?:\w+\s+)?{_ADAPT_WORDS}\b"
    rf"|\b{_ADAPT_WORDS} (?:and \w+ )?(?:by|from|for) (?:the )?(?:editors?|translators?|us|our|staff|[A-Z]\w+)",
    re.IGNORECASE,
)


def sentences(text: str, blocks: bool = False) -> list[str]:
    """The sentences of ``text`` (or, with ``blocks``, its blocks), in order; line breaks are spaces."""
    found = []
    for block in text.split(BLOCK):
        block = re.sub(r"\s+", " ", block).strip()
        if not block:
            continue
        if blocks:
            found.append(block)
            continue
        found += [s.strip() for s in re.split(r"(?<=[.!?])[”\"’']?\s+(?=[A-Z“\"‘(])", block) if s.strip()]
    return found


Statement = tuple[str, str, str]  # text, field ("" for visible text), where


def endorsement_claims(statements: list[Statement], people: list[str]) -> list[Statement]:
    found = []
    names = [re.escape(p) for p in people if p.strip()]
    who = re.compile("|".join([_WHO.pattern, *names]), re.IGNORECASE) if names else _WHO
    for text, field, where in statements:
        for sentence in sentences(text):
            if len(sentence) > 400 or not _ENDORSE.search(sentence) or not who.search(sentence):
                continue
            if _NEGATION.search(sentence) or _INSTRUCTION.search(sentence):
                continue
            found.append((sentence, field, where))
    return found


def adaptation_claims(statements: list[Statement]) -> list[Statement]:
    found = []
    for text, field, where in statements:
        for sentence in sentences(text):
            if len(sentence) > 400 or _NEGATION.search(sentence) or _INSTRUCTION.search(sentence):
                continue
            if _ADAPT_OPENING.search(sentence) or _ADAPT_OF_WORK.search(sentence):
                found.append((sentence, field, where))
    return found
