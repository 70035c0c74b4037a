"""The security module: SAST with taint on the shared walk (bandit's families,
with bandit ids and CWEs), secrets in every text file (always redacted) and
dependency advisories from OSV data, offline.

The advisory database (and the network code that updates it) loads on first use
(PEP 562): a run over a project without dependency manifests never imports it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from chaffra_core.analyzers.security._module import SECRET_PATTERNS, SecurityModule
from chaffra_core.analyzers.security._redact import redact
from chaffra_core.analyzers.security._rules import register_peer_codes

if TYPE_CHECKING:
    from chaffra_core.analyzers.security._database import OSV_PYPI_URL as OSV_PYPI_URL
    from chaffra_core.analyzers.security._database import AdvisorySource as AdvisorySource
    from chaffra_core.analyzers.security._database import DatabaseInfo as DatabaseInfo
    from chaffra_core.analyzers.security._database import database_dir as database_dir
    from chaffra_core.analyzers.security._database import open_advisories as open_advisories
    from chaffra_core.analyzers.security._database import update_database as update_database

register_peer_codes()

__all__ = [
    "OSV_PYPI_URL",
    "SECRET_PATTERNS",
    "AdvisorySource",
    "DatabaseInfo",
    "SecurityModule",
    "database_dir",
    "open_advisories",
    "redact",
    "update_database",
]

_DATABASE = frozenset(
    {
        "OSV_PYPI_URL",
        "AdvisorySource",
        "DatabaseInfo",
        "database_dir",
        "open_advisories",
        "update_database",
    }
)


def __getattr__(name: str) -> object:
    if name not in _DATABASE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(importlib.import_module(f"{__name__}._database"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
