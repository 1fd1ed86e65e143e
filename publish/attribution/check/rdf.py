"""RDFa and JSON-LD, read as RDF by the reference libraries.

RDFa goes through pyRdfa (the W3C RDFa 1.1 distiller) and JSON-LD through
rdflib's JSON-LD parser, so prefixes, CURIEs, full IRIs, several values in
one attribute, ``@graph``, arrays and nesting all mean what the specs say.
Both are imported only for a page that has RDFa attributes or a JSON-LD
block. Nothing is fetched: a remote ``@context`` naming schema.org becomes
schema.org's vocabulary; any other remote context is left out, with a warning.
"""

from __future__ import annotations

import io
import json
import logging
import re
import warnings
from collections import defaultdict
from typing import Any

from lxml import etree

from publish.attribution.check.evidence import Evidence, Value, decode, squash
from publish.attribution.check.rules import Finding

_NS = {
    "http://schema.org/": "schema",
    "https://schema.org/": "schema",
    "http://purl.org/dc/terms/": "dct",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://creativecommons.org/ns#": "cc",
    "http://www.w3.org/1999/xhtml/vocab#": "xhv",
    "http://xmlns.com/foaf/0.1/": "foaf",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
}
_RDFA_ATTRIBUTES = ("property", "typeof", "vocab", "prefix", "about", "resource")
_SCHEMA_CONTEXT = re.compile(r"^https?://(www\.)?schema\.org/?(docs/jsonldcontext\.json[a-z.]*)?$", re.IGNORECASE)
_PEOPLE = {"Person", "Organization"}
# A schema.org name is a title only for the work itself, not the page or site that holds it.
_WORKS = {
    "Article", "NewsArticle", "BlogPosting", "ScholarlyArticle", "TechArticle", "OpinionNewsArticle", "Report",
    "CreativeWork", "Book", "Chapter", "Thesis", "Blog", "Essay",
}  # fmt: skip
_MEDIA = {"ImageObject", "MediaObject", "VideoObject", "AudioObject", "Photograph", "SoftwareApplication"}
_PART_FIELDS = (
    ("schema", "image"), ("schema", "thumbnail"), ("schema", "logo"), ("schema", "associatedMedia"),
    ("schema", "video"), ("schema", "audio"), ("schema", "license"), ("schema", "publisher"),
    ("schema", "isBasedOn"), ("schema", "citation"), ("schema", "usageInfo"), ("schema", "isPartOf"),
)  # fmt: skip
_WORK_FIELDS = (("schema", "author"), ("schema", "license"), ("schema", "creditText"), ("schema", "copyrightNotice"))


def _short(iri: str) -> tuple[str, str] | None:
    for ns, alias in _NS.items():
        if iri.startswith(ns):
            return alias, iri[len(ns) :]
    return None


def has_rdfa(root: etree._Element) -> bool:
    for el in root.iter():
        if isinstance(el.tag, str) and (
            any(el.get(a) is not None for a in _RDFA_ATTRIBUTES) or ":" in (el.get("rel") or "")
        ):
            return True
    return False


def _offline_contexts(data: Any, findings: list[Finding], where: str) -> Any:
    """The JSON-LD with every remote context replaced by what it stands for, or left out."""
    if isinstance(data, list):
        return [_offline_contexts(item, findings, where) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        if key == "@context":
            contexts = value if isinstance(value, list) else [value]
            kept: list[Any] = []
            for context in contexts:
                if isinstance(context, str):
                    if _SCHEMA_CONTEXT.match(context.strip()):
                        kept.append({"@vocab": "http://schema.org/"})
                    else:
                        findings.append(
                            Finding(
                                "meta-invalid", f"the JSON-LD context {context} is not read (nothing is fetched)", where
                            )
                        )
                else:
                    kept.append(context)
            out[key] = kept
        else:
            out[key] = _offline_contexts(value, findings, where)
    return out


def read_rdf(evidence: Evidence, root: etree._Element, data: bytes, base: str) -> None:
    """Adds what the page's RDFa and JSON-LD say to ``evidence``; the libraries' own warnings are kept quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _read_rdf(evidence, root, data, base)


def _read_rdf(evidence: Evidence, root: etree._Element, data: bytes, base: str) -> None:
    scripts = [
        s for s in root.iter("script") if (s.get("type") or "").split(";")[0].strip().lower() == "application/ld+json"
    ]
    rdfa = has_rdfa(root)
    if not scripts and not rdfa:
        return
    import rdflib

    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    graphs: list[tuple[rdflib.Graph, str, str]] = []
    if rdfa:
        from pyRdfa import pyRdfa
        from pyRdfa.options import Options

        options = Options(output_processor_graph=False, vocab_expansion=False, vocab_cache=False)
        processor = pyRdfa(options, base=base, media_type="text/html")
        try:
            # html5lib would guess the encoding of a page that declares none: give it the text as UTF-8, marked.
            marked = ("\ufeff" + decode(data)).encode("utf-8")
            graphs.append((processor.graph_from_source(io.BytesIO(marked)), "RDFa", ""))
        except Exception as exc:
            evidence.findings.append(Finding("meta-invalid", f"the RDFa cannot be read: {exc}"))
    for script in scripts:
        where = str(script.sourceline or "")
        try:
            parsed = json.loads(script.text or "")
        except RecursionError:
            evidence.findings.append(Finding("meta-invalid", "a JSON-LD block is nested too deeply to read", where))
            continue
        except (json.JSONDecodeError, ValueError) as exc:
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            evidence.findings.append(Finding("meta-invalid", f"a JSON-LD block is not valid JSON: {why}", where))
            continue
        graph = rdflib.Graph()
        try:
            parsed = _offline_contexts(parsed, evidence.findings, where)
            graph.parse(data=json.dumps(parsed), format="json-ld", base=base)
        except Exception as exc:
            evidence.findings.append(
                Finding("meta-invalid", f"a JSON-LD block cannot be read as JSON-LD: {exc}", where)
            )
            continue
        graphs.append((graph, "JSON-LD", where))
    for graph, syntax, where in graphs:
        _harvest(evidence, graph, syntax, where, root)


def _rdfa_line(root: etree._Element, name: str) -> str:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attribute in ("property", "rel"):
            if any(token.lower().endswith(name.lower()) for token in (el.get(attribute) or "").split()):
                return str(el.sourceline or "")
    return ""


def _harvest(evidence: Evidence, graph: Any, syntax: str, where: str, root: etree._Element) -> None:
    import rdflib

    by: dict[tuple[str, str], list[tuple[Any, Any]]] = defaultdict(list)
    types: dict[Any, set[str]] = defaultdict(set)
    for s, p, o in graph:
        key = _short(str(p))
        if key is None:
            continue
        by[key].append((s, o))
        if key == ("rdf", "type"):
            short = _short(str(o))
            types[s].add(short[1] if short else str(o))

    def names(node: Any) -> list[str]:
        if isinstance(node, rdflib.Literal):
            return [squash(str(node))]
        found = []
        for key in (("schema", "name"), ("foaf", "name"), ("cc", "attributionName"), ("rdfs", "label")):
            found += [squash(str(o)) for s, o in by.get(key, []) if s == node and isinstance(o, rdflib.Literal)]
        return found[:1]

    def text(node: Any) -> str | None:
        if isinstance(node, rdflib.Literal):
            return squash(str(node))
        for key in (("schema", "text"), ("schema", "description"), ("schema", "name"), ("schema", "url")):
            for s, o in by.get(key, []):
                if s == node:
                    return squash(str(o))
        return str(node) if isinstance(node, rdflib.URIRef) else None

    def add(target: list[Value], key: tuple[str, str], value: str | None) -> None:
        if value:
            line = where if syntax == "JSON-LD" else _rdfa_line(root, key[1])
            target.append(Value(value, f"{syntax} {key[0]}:{key[1]}", line))

    people = {o for key in (("schema", "author"), ("schema", "creator")) for _, o in by.get(key, [])}
    # Other material the page describes (an image's licence and photographer, a licence's own name):
    # not the work's attribution.
    parts = {o for key in _PART_FIELDS for _, o in by.get(key, [])} | {s for s, t in types.items() if t & _MEDIA}
    for key in (("xhv", "license"), ("cc", "license"), ("dct", "license"), ("schema", "license")):
        for subject, o in by.get(key, []):
            if subject not in parts:
                add(evidence.licences, key, text(o))
    works = {s for key in _WORK_FIELDS for s, _ in by.get(key, [])} | {s for s, t in types.items() if t & _WORKS}
    for key in (("dct", "title"), ("dc", "title"), ("schema", "headline"), ("schema", "name")):
        for s, o in by.get(key, []):
            if key[0] == "schema" and (s not in works or s in people or s in parts or types[s] & _PEOPLE):
                continue
            add(evidence.titles, key, squash(str(o)))
    for key in (("schema", "author"), ("schema", "creator"), ("dct", "creator"), ("dc", "creator")):
        for subject, o in by.get(key, []):
            if subject in parts:
                continue
            for name in names(o):
                add(evidence.authors, key, name)
            if isinstance(o, rdflib.URIRef) and not names(o):
                add(evidence.author_uris, key, str(o))
    for _, o in by.get(("cc", "attributionName"), []):
        add(evidence.attribution_names, ("cc", "attributionName"), squash(str(o)))
    for _, o in by.get(("schema", "copyrightNotice"), []):
        add(evidence.notices, ("schema", "copyrightNotice"), text(o))
    for key in (("dct", "rights"), ("dc", "rights")):
        for _, o in by.get(key, []):
            add(evidence.rights, key, text(o))
    for key in (("schema", "creditText"), ("schema", "usageInfo")):
        for _, o in by.get(key, []):
            add(evidence.credits, key, text(o))
    for key in (("dct", "source"), ("dc", "source"), ("schema", "isBasedOn")):
        for _, o in by.get(key, []):
            add(evidence.sources, key, text(o))
