"""Claims in prose: endorsement, and adaptation.

A claim is a statement about this copy, not a sentence of the work itself.
So a sentence counts only if it speaks of the edition, the copy or the text
("The author endorses this edition", "What follows is an abridged version")
or opens with the claim, as credits do ("Endorsed by the author.",
"Translated from the English by …", "Excerpted from …"). A claim that is
denied before it is made ("implies no endorsement") or that is an
instruction ("you must not imply that the author endorses you") is none;
nor is the legal code's own term, "Adapted Material". English only.
"""

from __future__ import annotations

import re

from publish.attribution.check.visible import BLOCK

_NEGATION = re.compile(r"\b(?:no|not|never|without|neither|nor|none|cannot|nothing)\b|n['’]t\b", re.IGNORECASE)
# Case matters: "May" is a month, "may" an instruction.
_INSTRUCTION = re.compile(r"\b(?:[Yy]ou|[Yy]our|[Ii]f|may|[Mm]ust|[Ss]hould)\b|Adapted Material")
_THIS = re.compile(
    r"\b(?:this|the present|our) (?:edition|copy|version|reprint|republication|publication|page|site|text|article|"
    r"essay|story|work|book|translation|excerpt|issue|interview|piece|post|report|chapter|review)\b|"
    r"\bthis is\b|\bwhat follows\b|\bwe have\b|\bhere\b",
    re.IGNORECASE,
)
_ENDORSE = re.compile(
    r"\b(?:endors(?:e|es|ed|ing|ement)|sponsor(?:s|ed|ing|ship)?|approv(?:al|ed|es|ing)|"
    r"authori[sz](?:e|es|ed|ation)|blessing|backing|vouch(?:es|ed)?|"
    r"official (?:edition|version|reprint|partner|republication|publisher|copy)|"
    r"officially (?:sanctioned|approved|licensed|endorsed|authori[sz]ed)|granted official status|certified by|"
    r"in (?:partnership|association) with)\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"\b(?:author|authors|licensor|publisher|creator|writer|rights ?holder)s?\b", re.IGNORECASE)
_ENDORSE_OPENING = re.compile(
    rf"^\W*(?:(?:re)?(?:printed|published|produced|shared)\s+(?:\w+\s+){{0,4}}?)?(?:{_ENDORSE.pattern})"
    r"\s+(?:by|of|from|with)\b",
    re.IGNORECASE,
)
_ADAPT = (
    r"(?:adapted|abridged|abridgement|translated|condensed|shortened|excerpted|excerpts?|modified|altered|remixed|"
    r"rewritten|paraphrased|summari[sz]ed|trimmed|cut|edited|removed|omitted|omits|dropped)"
)
_ADAPT_WORD = re.compile(rf"\b{_ADAPT}\b", re.IGNORECASE)
_ADAPT_OPENING = re.compile(
    r"^\W*(?:changes\s*:\s*)?(?:an?\s+)?(?:adapted|abridged|abridgement|translated|condensed|excerpted|excerpt|"
    r"shortened|remixed|paraphrased|summari[sz]ed)\b(?=\s+(?:(?:by|from|for|and|with|version|in)\b|\W)|\W*$)",
    re.IGNORECASE,
)
_PARTS_REMOVED = re.compile(
    r"\b(?:paragraphs?|passages?|sections?|sentences?|(?:foot|end)?notes?|parts?)\s+"
    r"(?:have been|has been|were|was|are)\s+(?:removed|cut|omitted|dropped|shortened|trimmed)\b",
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


def _denied(sentence: str, start: int) -> bool:
    """A negation before the claim, in the same clause: "implies no endorsement by"."""
    clause_start = max(sentence.rfind(mark, 0, start) for mark in (";", ":", "—", "–", "(", ")", ","))
    return bool(_NEGATION.search(sentence[clause_start + 1 : start]))


def endorsement_claims(statements: list[Statement], people: list[str]) -> list[Statement]:
    found = []
    names = [re.escape(p) for p in people if p.strip()]
    who = re.compile("|".join([_WHO.pattern, *names]), re.IGNORECASE) if names else _WHO
    for text, field, where in statements:
        for sentence in sentences(text):
            claim = _ENDORSE.search(sentence)
            if len(sentence) > 400 or claim is None or _INSTRUCTION.search(sentence):
                continue
            if _denied(sentence, claim.start()):
                continue
            opening = _ENDORSE_OPENING.match(sentence)
            if (opening or _THIS.search(sentence)) and who.search(sentence):
                found.append((sentence, field, where))
    return found


def adaptation_claims(statements: list[Statement]) -> list[Statement]:
    found = []
    for text, field, where in statements:
        for sentence in sentences(text):
            if len(sentence) > 400 or _INSTRUCTION.search(sentence):
                continue
            opening = _ADAPT_OPENING.match(sentence)
            word = _ADAPT_WORD.search(sentence)
            about_this = word is not None and _THIS.search(sentence) is not None
            removed = _PARTS_REMOVED.search(sentence)
            claim = opening or (word if about_this else None) or removed
            if claim is not None and not _denied(sentence, claim.start() if claim is not opening else 0):
                found.append((sentence, field, where))
    return found
