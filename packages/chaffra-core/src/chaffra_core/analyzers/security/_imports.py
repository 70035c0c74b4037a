"""bandit's import warnings (B401-B415): modules whose import marks code to review."""

from __future__ import annotations

import attrs

from chaffra_core._findings import Severity

__all__ = ["ImportRisk", "import_risk"]


@attrs.frozen(kw_only=True)
class ImportRisk:
    """What importing one module means: its bandit id, CWE, severity and why."""

    bandit_id: str
    cwe: int
    severity: Severity
    why: str


_XML = "parses XML open to entity expansion (use defusedxml)"
_PICKLE = ImportRisk(
    bandit_id="B403", cwe=502, severity=Severity.INFO, why="deserializes data that can run code"
)
_PYCRYPTO = ("Cipher", "Hash", "IO", "Protocol", "PublicKey", "Random", "Signature", "Util")
_RISKS: dict[str, ImportRisk] = {
    "telnetlib": ImportRisk(
        bandit_id="B401", cwe=319, severity=Severity.WARNING, why="Telnet is unencrypted"
    ),
    "ftplib": ImportRisk(
        bandit_id="B402", cwe=319, severity=Severity.WARNING, why="FTP is unencrypted"
    ),
    "pickle": _PICKLE,
    "cPickle": _PICKLE,
    "dill": _PICKLE,
    "shelve": _PICKLE,
    "subprocess": ImportRisk(
        bandit_id="B404", cwe=78, severity=Severity.INFO, why="starts processes"
    ),
    "xml.etree.cElementTree": ImportRisk(
        bandit_id="B405", cwe=20, severity=Severity.INFO, why=_XML
    ),
    "xml.etree.ElementTree": ImportRisk(bandit_id="B405", cwe=20, severity=Severity.INFO, why=_XML),
    "xml.sax": ImportRisk(bandit_id="B406", cwe=20, severity=Severity.INFO, why=_XML),
    "xml.dom.expatbuilder": ImportRisk(bandit_id="B407", cwe=20, severity=Severity.INFO, why=_XML),
    "xml.dom.minidom": ImportRisk(bandit_id="B408", cwe=20, severity=Severity.INFO, why=_XML),
    "xml.dom.pulldom": ImportRisk(bandit_id="B409", cwe=20, severity=Severity.INFO, why=_XML),
    "xmlrpc": ImportRisk(
        bandit_id="B411",
        cwe=20,
        severity=Severity.WARNING,
        why="parses XML open to entity expansion (defusedxml.xmlrpc.monkey_patch())",
    ),
    **{
        name: ImportRisk(
            bandit_id="B412",
            cwe=284,
            severity=Severity.WARNING,
            why="runs CGI scripts open to httpoxy (a `Proxy` header sets `HTTP_PROXY`)",
        )
        for name in (
            "wsgiref.handlers.CGIHandler",
            "twisted.web.twcgi.CGIScript",
            "twisted.web.twcgi.CGIDirectory",
        )
    },
    **{
        f"Crypto.{part}": ImportRisk(
            bandit_id="B413",
            cwe=327,
            severity=Severity.WARNING,
            why="pyCrypto is unmaintained (use pyca/cryptography)",
        )
        for part in _PYCRYPTO
    },
    "pyghmi": ImportRisk(
        bandit_id="B415", cwe=319, severity=Severity.WARNING, why="IPMI is unencrypted"
    ),
}


_ROOTS = frozenset(module.partition(".")[0] for module in _RISKS)


def import_risk(name: str) -> tuple[str, ImportRisk] | None:
    """The warning for importing ``name`` (``a.b.c``: itself or a package above it), with
    the listed module that matched."""
    if name.partition(".")[0] not in _ROOTS:
        return None  # most imports: no listed module shares their top-level package
    position = len(name)
    while position > 0:
        module = name[:position]
        found = _RISKS.get(module)
        if found is not None:
            return module, found
        position = name.rfind(".", 0, position)
    return None
