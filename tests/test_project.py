"""The project's own files tell the truth: the packaging and the CI workflow.

These read pyproject.toml, uv.lock and the workflow as data, so a change that
loosens a promise (an image pinned by tag only, an exact pin outside the lock,
a font shipped without its licence) fails here rather than on the next machine.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import yaml

import publish

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "editions.yml"


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _jobs() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]


def _runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def test_the_published_editions_come_from_an_image_pinned_by_digest():
    editions = _jobs()["editions"]
    image = editions["container"]
    assert re.fullmatch(r"python:3\.11-bookworm@sha256:[0-9a-f]{64}", image), image
    runs = _runs(editions)
    for session in ("nox -s build", "nox -s reproduce", "nox -s release"):
        assert session in runs, f"{session} does not run in the pinned image"


def test_ci_lints_and_tests_every_supported_python():
    jobs = _jobs()
    assert "nox -s lint" in _runs(jobs["lint"])
    tests = jobs["tests"]
    assert tests["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    assert tests["container"] == "python:${{ matrix.python }}-bookworm"
    assert "nox -s tests" in _runs(tests)
    supported = {
        c.rsplit(" :: ", 1)[1]
        for c in _project()["project"]["classifiers"]
        if c.startswith("Programming Language :: Python :: 3.")
    }
    assert supported == set(tests["strategy"]["matrix"]["python"])


def test_dependencies_are_ranges_and_the_lock_pins_each_one():
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {p["name"]: p["version"] for p in lock["package"] if "version" in p}
    for requirement in _project()["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower()
        assert "==" not in requirement, f"{requirement}: an exact pin belongs in uv.lock"
        assert re.search(r"~=|>=|<", requirement), f"{requirement}: no range"
        assert name in locked, f"{name} is declared but not locked"
    # WeasyPrint's own floating dependencies are what the exact pins failed to fix.
    for transitive in ("pydyf", "pillow", "fonttools", "pyphen", "tinycss2", "cssselect2"):
        assert re.fullmatch(r"\d+(\.\d+)+", locked[transitive]), transitive


def test_the_licence_files_cover_what_the_wheel_ships():
    project = _project()["project"]
    assert project["license"] == "MIT AND OFL-1.1 AND LicenseRef-Article-Notice"
    matched = {path.relative_to(ROOT).as_posix() for pattern in project["license-files"] for path in ROOT.glob(pattern)}
    assert "LICENSE" in matched
    assert "manuscript/NOTICE" in matched
    assert "MIT" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    font_folders = {p.parent for p in (ROOT / "styles" / "fonts").rglob("*.ttf")}
    assert font_folders, "no fonts found"
    for folder in font_folders:
        licence = (folder / "OFL.txt").relative_to(ROOT).as_posix()
        assert licence in matched, f"{folder.name}'s fonts ship without their licence"
        assert "SIL OPEN FONT LICENSE" in (ROOT / licence).read_text(encoding="utf-8").upper()


def test_one_version_and_typed():
    project = _project()["project"]
    assert project["name"] == "publish-editions"
    assert project["scripts"] == {"publish": "publish._entry:main"}
    assert "version" in project["dynamic"]
    assert importlib.metadata.version("publish-editions") == publish.__version__
    assert (Path(publish.__file__).parent / "py.typed").is_file()


def _uses(job: dict) -> list[str]:
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_the_reading_room_is_deployed_to_pages_and_the_bundle_attested():
    jobs = _jobs()
    pages = jobs["pages"]
    assert pages["container"] == jobs["editions"]["container"]  # the same pinned image
    assert pages["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert pages["environment"]["name"] == "github-pages"
    assert "default_branch" in pages["if"]
    assert _uses(pages) == [
        "actions/checkout",
        "actions/configure-pages",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    ]
    build = next(run for run in _runs(pages) if "nox -s build" in run)
    assert '--base-url "$BASE_URL/"' in build
    steps = {step.get("name", step.get("uses")): step for step in jobs["editions"]["steps"]}
    attest = next(step for step in steps.values() if step.get("uses", "").startswith("actions/attest-build-provenance"))
    assert attest["with"]["subject-path"] == "dist/*-editions.zip"
    assert jobs["editions"]["permissions"]["attestations"] == "write"
    release = next(step for step in steps.values() if step.get("run") == "nox -s release")
    assert release["env"]["PUBLISH_MINISIGN_KEY"] == "${{ secrets.PUBLISH_MINISIGN_KEY }}"  # never the key itself


def test_large_collections_are_built_as_shards_and_merged():
    jobs = _jobs()
    assert jobs["shard"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert any("--shard" in run for run in _runs(jobs["shard"]))
    assert jobs["collection"]["needs"] == ["plan", "shard"]
    assert any("nox -s merge" in run for run in _runs(jobs["collection"]))
