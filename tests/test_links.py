"""Links: publish refuses every href the Nu Html Checker refuses.

The Nu checker and EPUBCheck hold an href to the WHATWG URL Standard's
"valid URL string". publish.source.links checks the same before a build, so the
writer hears of a bad link at its line instead of shipping an edition that
fails validation. This test asks the Nu checker itself about each URL, in
one run, and compares: publish may be stricter, never looser.
"""

from __future__ import annotations

import html
import json
import subprocess
from pathlib import Path

import pytest
from validators import VNU_JAR

from publish.source.links import link_problem

URLS = [
    "https://example.com?find=\\*", "http://exa%20mple.com", "http://a.example/%zz", "https://例え.テスト/パス",
    "http://%5B::1%5D:80/", "http://[::1]:80/", "mailto:editor@example.org", "https://x.example/a b",
    "https:example.com", "http://", "https://a..b", "http://999.999.999.999/", "http://a.example:99999/",
    "https://a.example/a|b", "https://a.example/a^b", "https://a.example/{x}", "https://a.example/`x`",
    'https://a.example/a"b', "https://a.example/#a#b", "https://user:pw@a.example/", "https://a.example/[x]",
    "https://a_b.example/", "https://-a.example/", "https://a.example./", "https://a.example/ä",
    "HTTPS://A.EXAMPLE/", "https://a.example/%41", "mailto:a b@c", "https://a.example/\u00a0x",
    "https://a.example/\ufdd0", "https://a.example?q=<x>", "https://xn--zz.example/", "https://a.example:/",
    "https://a.example:80/", "http://1.2.3.4/", "http://1.2.3/", "https://a.example/a\\b", "https://ex ample.com",
    "https://a.example/%", "https://a.example/%2", "https://a.example/~user", "https://a.example/it's",
    "https://a.example/(x)", "https://a.example/;x=1", "https://a.example/?a=1&b=2", "https://a.example/#",
    "https://a.example/#%zz", "https://a.example/#a b", "https://*.example/", "https://a.example/\u200b",
    "https://a%2eexample/", "https://ＡＢ.example/", "mailto:foo@bar?subject=a b", "mailto:foo@bar?subject=a%20b",
    "https://a.example/😀", "http://a.example/\x7f", "https://xn--r8jz45g.xn--zckzah/", "http://例え.jp/",
    "https://example.org:8080/x", "https://example.org/%E2%80%94", "javascript:alert(1)", "data:text/html,x",
    "file:///etc/passwd", "//evil.example/", "relative/file.html", "https://[::1/",
]  # fmt: skip
# Where publish is stricter than the Nu checker, and why.
STRICTER = {
    "javascript:alert(1)": "scripts",
    "data:text/html,x": "embedded documents",
    "file:///etc/passwd": "local files",
    "//evil.example/": "no scheme",
    "relative/file.html": "a file that does not travel with the editions",
}


@pytest.mark.validators
def test_publish_refuses_every_link_the_nu_checker_refuses(tmp_path: Path) -> None:
    page = tmp_path / "links.html"
    lines = ["<!DOCTYPE html>", '<html lang="en"><head><title>links</title></head><body>']
    lines += [f'<p><a href="{html.escape(url, quote=True)}">x</a></p>' for url in URLS]
    page.write_text("\n".join([*lines, "</body></html>", ""]), encoding="utf-8")
    done = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", str(page)], capture_output=True, text=True, check=False
    )
    refused_lines = {m["lastLine"] for m in json.loads(done.stderr)["messages"] if m["type"] == "error"}
    nu = {url: (number + 3) in refused_lines for number, url in enumerate(URLS)}
    ours = {url: link_problem(url) is not None for url in URLS}
    looser = [url for url in URLS if nu[url] and not ours[url]]
    stricter = [url for url in URLS if ours[url] and not nu[url]]
    assert looser == []
    assert sorted(stricter) == sorted(STRICTER)
    assert sum(nu.values()) >= 25  # the table holds many bad URLs, and the checker saw them


def test_messages_say_what_to_write() -> None:
    assert link_problem("https://example.org/a b") == "a space is not allowed; write %20"
    assert link_problem("https:example.org") == "write https:// before the host"
    assert link_problem("#nowhere", {"intro"}) == (
        "the article has no id 'nowhere'; link to a heading's id or give the target {#id}"
    )
    assert link_problem("#intro", {"intro"}) is None
    assert link_problem("") == "it has no target; write [text](https://…)"
