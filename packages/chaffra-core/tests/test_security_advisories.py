"""Dependency pins from every manifest format, and OSV matching with PEP 440 versions."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from chaffra_core import ConfigError, ProjectContext
from chaffra_core.analyzers.security import SecurityModule, open_advisories
from chaffra_core.analyzers.security._advisories import parse_osv
from chaffra_core.analyzers.security._lockfiles import parse_manifest, requirement_includes
from chaffra_core.testing import summarise


def _pins(name: str, text: str) -> list[tuple[str, str, int]]:
    found = parse_manifest(name, text)
    assert found is not None
    return [(d.name, d.version, d.line) for d in found]


def test_requirements_pins_with_markers_hashes_and_continuations() -> None:
    text = (
        "# comment\n-r base.txt\nDjango==3.0.0 ; python_version > '3'\n"
        "zope.interface==5.0 \\\n    --hash=sha256:abc\nrequests>=2\nflask===2.0.0  # pinned\n"
    )
    assert [("django", "3.0.0", 3), ("zope-interface", "5.0", 4), ("flask", "2.0.0", 7)] == _pins(
        "requirements.txt", text
    )
    assert ["base.txt"] == requirement_includes(text)


def test_pyproject_pep621_groups_and_poetry() -> None:
    text = """
[project]
dependencies = ["django==4.2.0", "attrs>=23"]
[project.optional-dependencies]
web = ["flask==2.0.1"]
[dependency-groups]
dev = ["pytest==7.0.0"]
[tool.poetry.dependencies]
python = "^3.10"
requests = "2.30.0"
pyyaml = { version = "5.3" }
"""
    assert {"django", "flask", "pytest", "requests", "pyyaml"} == {
        n for n, _, _ in _pins("pyproject.toml", text)
    }


def test_lock_files() -> None:
    lock = """
[[package]]
name = "django"
version = "3.2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "mine"
version = "0.1.0"
source = { editable = "." }
"""
    assert [("django", "3.2.0", 3)] == _pins("uv.lock", lock)
    assert [("django", "3.2.0", 3)] == _pins("poetry.lock", lock)
    pipfile = json.dumps({"default": {"django": {"version": "==3.0.0"}}, "develop": {}}, indent=1)
    assert [("django", "3.0.0", 3)] == _pins("Pipfile.lock", pipfile)
    assert None is parse_manifest("uv.lock", "not [toml")
    assert None is parse_manifest("setup.cfg", "")


ENTRY = {
    "id": "PYSEC-2021-1",
    "aliases": ["CVE-2021-1", "GHSA-aaaa-bbbb-cccc"],
    "modified": "2024-05-01T00:00:00Z",
    "summary": "bad thing",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "Django"},
            "ranges": [
                {
                    "type": "ECOSYSTEM",
                    "events": [
                        {"introduced": "0"},
                        {"fixed": "2.2.10"},
                        {"introduced": "3.0"},
                        {"last_affected": "3.0.5"},
                    ],
                },
                {"type": "GIT", "events": [{"introduced": "abc"}]},
            ],
            "versions": ["4.0rc1"],
        },
        {"package": {"ecosystem": "npm", "name": "django"}},
    ],
}


@pytest.mark.parametrize(
    ("version", "affected"),
    [
        ("1.0", True),
        ("2.2.10", False),
        ("2.2.9", True),
        ("2.9", False),
        ("3.0", True),
        ("3.0.5", True),
        ("3.0.6", False),
        ("3.0.0rc1", False),
        ("4.0rc1", True),
        ("1!1.0", False),
    ],
)
def test_osv_ranges_follow_pep440(version: str, affected: bool) -> None:
    (advisory,) = parse_osv(ENTRY)
    assert "django" == advisory.package
    assert affected == advisory.affects(Version(version))


def test_withdrawn_advisories_are_ignored() -> None:
    assert [] == list(parse_osv({**ENTRY, "withdrawn": "2024-01-01T00:00:00Z"}))


def test_combine_matches_pins_merges_aliases_and_says_the_age(tmp_path: Path) -> None:
    export = tmp_path / "osv.zip"
    ghsa = {
        **ENTRY,
        "id": "GHSA-aaaa-bbbb-cccc",
        "aliases": ["CVE-2021-1"],
        "database_specific": {"severity": "HIGH"},
    }
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("a.json", json.dumps(ENTRY))
        archive.writestr("b.json", json.dumps(ghsa))
    module = SecurityModule()
    summary = summarise(module, "django==2.0\n", path="requirements.txt")
    result = module.combine(
        [summary], {"advisories": str(export)}, ProjectContext(root=tmp_path, target=tmp_path)
    )
    (finding,) = result.findings
    assert "GHSA-aaaa-bbbb-cccc" == finding.metadata["advisory"]
    assert "CVE-2021-1,PYSEC-2021-1" == finding.metadata["aliases"]
    assert ("error", "2.2.10", "2024-05-01") == (
        finding.severity.value,
        finding.metadata["fixed_version"],
        finding.metadata["advisory_db_date"],
    )
    assert "days old" in finding.message
    assert result.metrics.counters["dependency_findings"] == 1


def test_a_bad_advisories_path_fails_closed_and_no_database_is_a_notice(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not an OSV zip"):
        open_advisories(tmp_path / "missing.zip")
    env = {"CHAFFRA_CACHE_DIR": str(tmp_path / "cache")}
    assert open_advisories(None, environ=env).missing
    module = SecurityModule(environ=env)
    summary = summarise(module, "django==2.0\n", path="requirements.txt")
    (finding,) = module.combine(
        [summary], {}, ProjectContext(root=tmp_path, target=tmp_path)
    ).findings
    assert "security:advisory-db-missing" == finding.rule_id
    assert "chaffra advisories update" in finding.message
    damaged = tmp_path / "cache" / "advisories"
    damaged.mkdir(parents=True)
    (damaged / "meta.json").write_text("{", encoding="utf-8")
    (damaged / "index.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="damaged"):
        open_advisories(None, environ=env)
