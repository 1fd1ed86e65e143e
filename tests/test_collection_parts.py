"""The collection's refusals, one by one, in this process: each names what is wrong and where,
and none touches the output folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ARTICLE

from publish.build.cache import Cache
from publish.build.collection import build_collection, manuscripts_in, merge
from publish.errors import UsageError


@pytest.fixture(scope="module")
def shard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-article collection, as `publish build --shard 1/1` writes it."""
    out = tmp_path_factory.mktemp("parts") / "shard"
    build_collection([ARTICLE], out, environ={}, jobs=1)
    return out


def _copy(shard: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(shard, copy)
    return copy


def test_a_folder_without_manuscripts_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"holds no \.md manuscript"):
        manuscripts_in([tmp_path])


def test_the_output_folder_must_be_a_folder_outside_the_cache(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        build_collection([ARTICLE], tmp_path / "file", environ={})
    with pytest.raises(UsageError, match="is inside the output folder"):
        build_collection([ARTICLE], tmp_path / "out", environ={}, cache=Cache(tmp_path / "out" / "cache"))


def test_merge_refuses_what_is_not_a_shard(shard: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        merge([tmp_path / "missing"], tmp_path / "out")
    with pytest.raises(UsageError, match="is one of the shards"):
        merge([shard], shard)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        merge([shard], tmp_path / "file")


def test_merge_refuses_a_shard_whose_lists_do_not_hold(shard: Path, tmp_path: Path) -> None:
    copy = _copy(shard, tmp_path)
    sums = (copy / "SHA256SUMS").read_text().splitlines()
    (copy / "SHA256SUMS").write_text("\n".join(sums[:-1]) + "\n")
    with pytest.raises(UsageError, match="does not list every file"):
        merge([copy], tmp_path / "out")
    (copy / "SHA256SUMS").unlink()
    with pytest.raises(UsageError, match="SHA256SUMS: cannot be read"):
        merge([copy], tmp_path / "out")
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "collection_version": 99}))
    with pytest.raises(UsageError, match="not a collection's manifest"):
        merge([copy], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_merge_refuses_an_article_manifest_it_cannot_read(shard: Path, tmp_path: Path) -> None:
    copy = _copy(shard, tmp_path)
    article = copy / ARTICLE.stem / "manifest.json"
    content = json.loads(article.read_text())
    article.write_text(json.dumps({k: v for k, v in content.items() if k != "catalogue"}))
    with pytest.raises(UsageError, match="made by an older publish"):
        merge([copy], tmp_path / "out")
    article.write_text(json.dumps({"slug": ARTICLE.stem}))
    with pytest.raises(UsageError, match="not an article's manifest"):
        merge([copy], tmp_path / "out")
    article.write_text("{")
    with pytest.raises(UsageError, match="cannot be read"):
        merge([copy], tmp_path / "out")


def test_merge_refuses_articles_built_for_two_addresses(tmp_path: Path) -> None:
    korean = ARTICLE.parents[1] / "tests" / "fixtures" / "corpus" / "korean-terms.md"
    build_collection([ARTICLE], tmp_path / "a", environ={}, jobs=1, base_url="https://example.org/a/")
    build_collection([korean], tmp_path / "b", environ={}, jobs=1, base_url="https://example.org/b/")
    with pytest.raises(UsageError, match="built for different --base-url addresses"):
        merge([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    assert not (tmp_path / "out").exists()
