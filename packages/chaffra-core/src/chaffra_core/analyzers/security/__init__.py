"""The security module: SAST with taint on the shared walk (bandit's families,
with bandit ids and CWEs), secrets in every text file (always redacted) and
dependency advisories from OSV data, offline."""

from __future__ import annotations

from chaffra_core.analyzers.security._database import (
    OSV_PYPI_URL,
    AdvisorySource,
    DatabaseInfo,
    database_dir,
    open_advisories,
    update_database,
)
from chaffra_core.analyzers.security._module import SECRET_PATTERNS, SecurityModule
from chaffra_core.analyzers.security._redact import redact
from chaffra_core.analyzers.security._rules import register_peer_codes

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
