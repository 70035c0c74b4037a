"""The single task runner: ``uv run nox`` runs every check CI runs.

Every session builds its environment with uv from the one ``uv.lock`` and runs
on the interpreter that runs nox (no other Python is installed or downloaded).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = sorted(p.name for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").exists())
COVERAGE_DIR = ROOT / ".nox-coverage"
ARTIFACTS = ROOT / ".nox-artifacts"  # screenshots and other test artifacts

nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typing", "tests", "integration", "coverage", "standalone"]


def _sync(session: nox.Session, *args: str) -> None:
    """Install exactly what the lock file says into the session's environment."""
    session.run_install(
        "uv",
        "sync",
        "--frozen",
        "--no-default-groups",
        "--exact",
        *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


def _coverage_env(name: str) -> dict[str, str]:
    """Coverage data per session, and a result cache of the session's own (never the user's)."""
    COVERAGE_DIR.mkdir(exist_ok=True)
    cache = ROOT / ".nox-cache" / name
    shutil.rmtree(cache, ignore_errors=True)
    return {
        "COVERAGE_FILE": str(COVERAGE_DIR / f".coverage.{name}"),
        "CHAFFRA_CACHE_DIR": str(cache),
    }


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    _sync(session, "--group", "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict over each package's src and tests, the integration tests and tools.

    One run per package: every package has its own ``tests/`` with modules of the
    same names, which one mypy run would see as duplicates.
    """
    _sync(session, "--all-packages", "--group", "typing", "--group", "coverage", "--group", "bench")
    for package in PACKAGES:
        session.run("mypy", f"packages/{package}/src", f"packages/{package}/tests")
    session.run("mypy", "tests-integration", "tools", "noxfile.py")


def _ensure_chromium(session: nox.Session) -> None:
    """The dashboard's browser test drives Debian's chromium (no browser downloads here)."""
    if shutil.which("chromium"):
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        session.error(
            "the dashboard browser test needs Debian's chromium: apt-get install chromium"
        )
    session.run("apt-get", "update", "-qq", external=True)
    session.run(
        "apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", external=True,
        env={"DEBIAN_FRONTEND": "noninteractive"},
    )  # fmt: skip


def _ensure_debian(session: nox.Session, program: str, package: str, needed_by: str) -> None:
    """Install Debian's ``package`` for ``program`` unless it is on PATH (no other downloads)."""
    if shutil.which(program):
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        session.error(f"{needed_by} needs {program}: apt-get install {package}")
    session.run("apt-get", "update", "-qq", external=True)
    session.run(
        "apt-get", "install", "-y", "-qq", "--no-install-recommends", package, external=True,
        env={"DEBIAN_FRONTEND": "noninteractive"},
    )  # fmt: skip


def _ensure_promtool(session: nox.Session) -> None:
    """The Prometheus exposition is checked by the real parser: Debian's ``prometheus`` package.

    It is the smallest Debian package shipping ``promtool`` (a 19 MB download; its
    other dependencies are a few JavaScript libraries for the web UI).
    """
    _ensure_debian(session, "promtool", "prometheus", "the exposition test")


def _ensure_neovim(session: nox.Session) -> None:
    """The editor test drives Debian's neovim headless with its built-in LSP client."""
    _ensure_debian(session, "nvim", "neovim", "the editor test")


@nox.session
@nox.parametrize("package", PACKAGES)
def tests(session: nox.Session, package: str) -> None:
    """One package's own tests, in an environment holding only it and its declared deps."""
    _sync(session, "--package", package, "--group", "test")
    env = _coverage_env(package)
    if package == "chaffra-management":
        _ensure_chromium(session)
        env |= {"CHAFFRA_REQUIRE_BROWSER": "1", "CHAFFRA_TEST_ARTIFACTS": str(ARTIFACTS)}
    session.run(
        "coverage", "run", "-m", "pytest", f"packages/{package}/tests", *session.posargs, env=env
    )


@nox.session
def integration(session: nox.Session) -> None:
    """Tests that cross a package or process boundary, plus the repository tools' tests."""
    _sync(session, "--all-packages", "--group", "coverage")
    _ensure_promtool(session)
    _ensure_chromium(session)  # the dashboard on a real project (test_dashboard_real_project.py)
    _ensure_neovim(session)  # the editor test (test_lsp_neovim.py)
    session.run(
        "coverage",
        "run",
        "-m",
        "pytest",
        "tests-integration",
        "tools/tests",
        *session.posargs,
        env=_coverage_env("integration")
        | {
            "CHAFFRA_REQUIRE_PROMTOOL": "1",
            "CHAFFRA_REQUIRE_BROWSER": "1",
            "CHAFFRA_REQUIRE_NEOVIM": "1",
            "CHAFFRA_REQUIRE_DJANGO": "1",  # the MCP token budget on Django
            "CHAFFRA_TEST_ARTIFACTS": str(ARTIFACTS),
        },
    )


@nox.session(requires=["tests", "integration"])
def coverage(session: nox.Session) -> None:
    """Combine the test sessions' data and enforce the three coverage gates."""
    _sync(session, "--all-packages", "--group", "coverage")
    env = {"COVERAGE_FILE": str(COVERAGE_DIR / ".coverage")}
    session.run(
        "coverage",
        "combine",
        "--keep",
        *sorted(map(str, COVERAGE_DIR.glob(".coverage.*"))),
        env=env,
    )
    session.run(
        "python", "tools/coverage_gates.py", "--data", str(COVERAGE_DIR / ".coverage"), env=env
    )


@nox.session
def standalone(session: nox.Session) -> None:
    """Build every wheel, install each alone in a fresh venv, import it and run its smoke check."""
    _sync(session, "--group", "coverage")
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("uv", "build", "--all-packages", "--wheel", "--out-dir", str(dist), external=True)
    # The wheels' dependencies at the lock's versions: the check is reproducible and
    # a new release of a dependency cannot fail an unrelated commit.
    constraints = Path(session.create_tmp()) / "constraints.txt"
    session.run(
        "uv", "export", "--frozen", "--quiet", "--no-hashes", "--all-packages",
        "--no-emit-workspace", "--output-file", str(constraints), external=True,
    )  # fmt: skip
    for package in PACKAGES:
        venv = Path(session.create_tmp()) / f"alone-{package}"
        shutil.rmtree(venv, ignore_errors=True)
        session.run("uv", "venv", "--quiet", "--python", sys.executable, str(venv), external=True)
        python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
        wheel = next(dist.glob(f"{package.replace('-', '_')}-*.whl"))
        # uv caches a find-links wheel by name and version: without a refresh, a wheel
        # built from an older commit at the same version would be installed instead.
        refresh = [arg for name in PACKAGES for arg in ("--refresh-package", name)]
        session.run(
            "uv", "pip", "install", "--quiet", "--python", python, *refresh,
            "--find-links", str(dist), "--constraint", str(constraints), str(wheel),
            external=True,
        )  # fmt: skip
        session.run(python, str(ROOT / "packages" / package / "tests" / "smoke.py"), external=True)
