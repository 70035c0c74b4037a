"""The security rules: what each reports, its CWE and the bandit tests it covers.

Rule ids are ``security:<rule>``. A rule groups bandit tests of one kind of
weakness; every finding carries the bandit test id it corresponds to in its
metadata (``bandit_id``), so ``# nosec B602`` and bandit baselines map over.
"""

from __future__ import annotations

import enum
import re

import attrs

from chaffra_core._findings import Rule, Severity, qualify
from chaffra_core._peer_codes import PeerCode, register_peer_code

__all__ = [
    "MODULE_ID",
    "RULES",
    "RULE_INFO",
    "Confidence",
    "RuleInfo",
    "clearly_not_a_secret",
    "names_a_field",
    "register_peer_codes",
]

MODULE_ID = "security"


class Confidence(str, enum.Enum):
    """How sure a finding is (bandit's levels); the values are the wire spellings."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def score(self) -> float:
        """The finding's numeric confidence (0-1)."""
        return _SCORES[self]


_SCORES = {Confidence.LOW: 0.3, Confidence.MEDIUM: 0.6, Confidence.HIGH: 0.9}


@attrs.frozen(kw_only=True)
class RuleInfo:
    """One rule: its id, wording, default severity, CWE and explanation."""

    name: str
    title: str
    severity: Severity
    cwe: int
    category: str
    description: str
    rationale: str
    example: str
    bandit_ids: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The qualified id, ``security:<name>``."""
        return qualify(MODULE_ID, self.name)


_INFOS = (
    RuleInfo(
        name="command-injection",
        title="Command injection",
        severity=Severity.ERROR,
        cwe=78,
        category="sast",
        description="A shell runs a command (`shell=True`, `os.system`, `os.popen`) or a "
        "process starts from a command built from input (bandit B602, B603, B604, B605, B606).",
        rationale="A shell interprets metacharacters in its input; data that reaches it from "
        "a request, argv or the environment can run arbitrary commands.",
        example="subprocess.run(['git', 'log', name])  # instead of shell=True with a string",
        bandit_ids=("B602", "B603", "B604", "B605", "B606"),
    ),
    RuleInfo(
        name="code-injection",
        title="Dynamic code execution",
        severity=Severity.ERROR,
        cwe=94,
        category="sast",
        description="`eval` or `exec` runs code (a constant: info), `compile` compiles input "
        "from a request, argv or the environment, or `logging.config.listen` accepts "
        "configuration from a socket (bandit B307, B102, B612).",
        rationale="Code built from data runs with the program's privileges; "
        "`ast.literal_eval` parses literals safely.",
        example="value = ast.literal_eval(text)",
        bandit_ids=("B102", "B307", "B612"),
    ),
    RuleInfo(
        name="sql-injection",
        title="SQL built from strings",
        severity=Severity.ERROR,
        cwe=89,
        category="sast",
        description="An SQL statement is built by formatting or concatenation, or Django's "
        "`extra`/`RawSQL` get non-constant SQL (bandit B608, B610, B611).",
        rationale="Interpolated values can change the statement; pass them as parameters.",
        example='cursor.execute("SELECT * FROM t WHERE id = %s", [user_id])',
        bandit_ids=("B608", "B610", "B611"),
    ),
    RuleInfo(
        name="unsafe-deserialization",
        title="Unsafe deserialization",
        severity=Severity.ERROR,
        cwe=502,
        category="sast",
        description="pickle, marshal, shelve, dill, jsonpickle loads, or `yaml.load` without a "
        "safe loader (bandit B301, B302, B506).",
        rationale="These formats can construct arbitrary objects and run code while loading.",
        example="data = yaml.safe_load(stream)",
        bandit_ids=("B301", "B302", "B506"),
    ),
    RuleInfo(
        name="xss",
        title="Unescaped markup",
        severity=Severity.ERROR,
        cwe=79,
        category="sast",
        description="`markupsafe.Markup`, Django's `mark_safe` or `SafeString` on "
        "non-constant text (bandit B308, B703, B704).",
        rationale="Text marked safe is inserted into HTML unescaped.",
        example="html = format_html('<b>{}</b>', name)",
        bandit_ids=("B308", "B703", "B704"),
    ),
    RuleInfo(
        name="template-autoescape-off",
        title="Templates without autoescaping",
        severity=Severity.ERROR,
        cwe=79,
        category="sast",
        description="A jinja2 `Environment` with `autoescape=False` or without `autoescape` "
        "(bandit B701).",
        rationale="Without autoescaping every variable in a template is an XSS risk.",
        example="Environment(autoescape=select_autoescape())",
        bandit_ids=("B701",),
    ),
    RuleInfo(
        name="weak-cryptography",
        title="Weak hash or cipher",
        severity=Severity.WARNING,
        cwe=327,
        category="sast",
        description="MD4/MD5/SHA1 for security, DES/RC4/Blowfish ciphers or ECB mode "
        "(bandit B303, B304, B305, B324).",
        rationale="Collisions and known attacks make these unfit for protecting data; "
        "pass `usedforsecurity=False` for a checksum.",
        example="hashlib.sha256(data)  # or hashlib.md5(data, usedforsecurity=False)",
        bandit_ids=("B303", "B304", "B305", "B324"),
    ),
    RuleInfo(
        name="insecure-random",
        title="random for secrets",
        severity=Severity.WARNING,
        cwe=330,
        category="sast",
        description="The `random` module makes a value named like a token, password, key, "
        "salt or nonce (bandit B311).",
        rationale="`random` is predictable; `secrets` is made for tokens.",
        example="token = secrets.token_urlsafe(32)",
        bandit_ids=("B311",),
    ),
    RuleInfo(
        name="tls-verification-disabled",
        title="TLS without verification",
        severity=Severity.ERROR,
        cwe=295,
        category="sast",
        description="`requests`/`httpx`/`urllib3` with `verify=False` or `CERT_NONE`, an "
        "unverified `ssl` context, or an obsolete protocol version "
        "(bandit B501, B502, B503, B504, B323).",
        rationale="Without certificate checks anyone on the path can read and change traffic.",
        example="requests.get(url, timeout=10)",
        bandit_ids=("B323", "B501", "B502", "B503", "B504"),
    ),
    RuleInfo(
        name="insecure-tempfile",
        title="Insecure temporary file",
        severity=Severity.WARNING,
        cwe=377,
        category="sast",
        description="`tempfile.mktemp` or `os.tempnam` (bandit B306).",
        rationale="The name can be taken by another process between creation and use.",
        example="with tempfile.NamedTemporaryFile() as handle: ...",
        bandit_ids=("B306",),
    ),
    RuleInfo(
        name="bind-all-interfaces",
        title="Binding to all interfaces",
        severity=Severity.WARNING,
        cwe=605,
        category="sast",
        description='The address `"0.0.0.0"` (bandit B104).',
        rationale="A service bound to every interface is reachable from every network.",
        example='server.bind(("127.0.0.1", port))',
        bandit_ids=("B104",),
    ),
    RuleInfo(
        name="hardcoded-password",
        title="Hard-coded password",
        severity=Severity.ERROR,
        cwe=259,
        category="sast",
        description="A string constant assigned to, passed as or defaulted for a name like "
        "`password`, `secret` or `token` (bandit B105, B106, B107).",
        rationale="A credential in source is in every copy and every history of the code.",
        example='password = os.environ["DB_PASSWORD"]',
        bandit_ids=("B105", "B106", "B107"),
    ),
    RuleInfo(
        name="xml-entity-expansion",
        title="XML parser open to entity expansion",
        severity=Severity.WARNING,
        cwe=776,
        category="sast",
        description="The stdlib `xml` parsers or lxml parse untrusted XML (bandit B313-B320).",
        rationale="Entity expansion (billion laughs) and external entities exhaust memory "
        "or read files; `defusedxml` parses safely.",
        example="defusedxml.ElementTree.fromstring(text)",
        bandit_ids=("B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320"),
    ),
    RuleInfo(
        name="unsafe-archive-extraction",
        title="Archive extraction without filtering",
        severity=Severity.ERROR,
        cwe=22,
        category="sast",
        description="`extractall` on a tar or zip archive without a `filter` or `members` "
        "(bandit B202).",
        rationale="Member names like `../../etc/passwd` or links write outside the target.",
        example='archive.extractall(target, filter="data")',
        bandit_ids=("B202",),
    ),
    RuleInfo(
        name="flask-debug",
        title="Flask debug mode",
        severity=Severity.ERROR,
        cwe=94,
        category="sast",
        description="A flask app runs with `debug=True` (bandit B201).",
        rationale="The Werkzeug debugger lets anyone who reaches it run code.",
        example='app.run(debug=os.environ.get("FLASK_DEBUG") == "1")',
        bandit_ids=("B201",),
    ),
    RuleInfo(
        name="assert-access-check",
        title="assert used for an access check",
        severity=Severity.WARNING,
        cwe=703,
        category="sast",
        description="An `assert` checks a permission, authentication or role outside test "
        "files (bandit B101).",
        rationale="`python -O` removes asserts, and the check with them.",
        example="if not user.is_staff: raise PermissionDenied",
        bandit_ids=("B101",),
    ),
    RuleInfo(
        name="ssrf",
        title="Request to a URL from input",
        severity=Severity.ERROR,
        cwe=918,
        category="sast",
        description="A URL from request data, argv or the environment is fetched "
        "(`urlopen`, `requests`, `httpx`), or `urllib`'s `urlopen`/`urlretrieve` gets a URL "
        "that is not a constant (which may name a `file:` URL; bandit B310).",
        rationale="An attacker-chosen URL reaches internal services from the server.",
        example="check the host against an allow-list before fetching",
        bandit_ids=("B310",),
    ),
    RuleInfo(
        name="insecure-import",
        title="Import of a risky module",
        severity=Severity.INFO,
        cwe=693,
        category="sast",
        description="An import bandit warns about: pickle, dill, shelve, subprocess, the "
        "stdlib XML parsers, xmlrpc, telnetlib, ftplib, wsgiref's `CGIHandler`, pyCrypto "
        "(bandit B401-B415). Clear-text protocols, xmlrpc and pyCrypto are warnings, the "
        "rest info. Each finding carries the CWE of its module.",
        rationale="These modules are where deserialization, command, XML and clear-text "
        "protocol weaknesses start; the import marks the code to review.",
        example="import defusedxml.ElementTree as ET  # instead of xml.etree.ElementTree",
        bandit_ids=tuple(f"B{n}" for n in (*range(401, 410), 411, 412, 413, 415)),
    ),
    RuleInfo(
        name="swallowed-exception",
        title="Exception silently ignored",
        severity=Severity.INFO,
        cwe=703,
        category="sast",
        description="An `except` whose whole body is `pass` or `continue` (bandit B110, B112).",
        rationale="A silently ignored error can hide a failed security check or an attack.",
        example="except OSError:\n    log.debug('cleanup failed', exc_info=True)",
        bandit_ids=("B110", "B112"),
    ),
    RuleInfo(
        name="permissive-file-mode",
        title="Permissive file mode",
        severity=Severity.WARNING,
        cwe=732,
        category="sast",
        description="`chmod` with a mode that lets the group or others write or execute "
        "(bandit B103).",
        rationale="Files writable or executable by other users can be replaced or run by them.",
        example="os.chmod(path, 0o600)",
        bandit_ids=("B103",),
    ),
    RuleInfo(
        name="partial-executable-path",
        title="Process started by a partial path",
        severity=Severity.INFO,
        cwe=78,
        category="sast",
        description="A process starts from a program name without a path (`['git', ...]`), "
        "found through `PATH` (bandit B607).",
        rationale="Whoever controls `PATH` or the working directory chooses the program.",
        example="subprocess.run([shutil.which('git') or '/usr/bin/git', 'log'])",
        bandit_ids=("B607",),
    ),
    RuleInfo(
        name="cleartext-protocol",
        title="Clear-text protocol",
        severity=Severity.WARNING,
        cwe=319,
        category="sast",
        description="A telnetlib or ftplib call, except `ftplib.FTP_TLS` (bandit B312, B321).",
        rationale="Telnet and FTP send credentials and data unencrypted.",
        example="use SSH/SFTP (paramiko) or FTP over TLS (`ftplib.FTP_TLS`)",
        bandit_ids=("B312", "B321"),
    ),
    RuleInfo(
        name="path-traversal",
        title="File path from input",
        severity=Severity.ERROR,
        cwe=22,
        category="sast",
        description="A path from request data, argv or the environment is opened.",
        rationale="`../` in a path reaches files outside the intended directory.",
        example="path = (base / name).resolve(); path.relative_to(base)",
    ),
    RuleInfo(
        name="hardcoded-secret",
        title="Hard-coded secret",
        severity=Severity.ERROR,
        cwe=798,
        category="secrets",
        description="A provider credential (AWS, GitHub, GitLab, Slack, Stripe, Google, "
        "Azure, Twilio, SendGrid, npm, PyPI, a private key, a JWT, a URL with a password) or "
        "a `password=`/`secret=` value in a tracked file. Shown only as a prefix and a hash.",
        rationale="A committed credential is readable by everyone with the repository and "
        "stays in its history; rotate it and load it from the environment.",
        example='API_KEY = os.environ["API_KEY"]',
    ),
    RuleInfo(
        name="high-entropy-string",
        title="High-entropy string",
        severity=Severity.WARNING,
        cwe=798,
        category="secrets",
        description="A random-looking base64 or hex string assigned to a name like `key`, "
        "`token` or `secret`. Shown only as a prefix and a hash.",
        rationale="Random strings next to secret-like names are usually credentials.",
        example='SIGNING_KEY = os.environ["SIGNING_KEY"]',
    ),
    RuleInfo(
        name="vulnerable-dependency",
        title="Dependency with a known vulnerability",
        severity=Severity.WARNING,
        cwe=1395,
        category="deps",
        description="A pinned or locked version matches an OSV advisory (requirements, "
        "pyproject, uv.lock, poetry.lock, Pipfile.lock).",
        rationale="Known vulnerabilities are the first thing attackers try.",
        example="upgrade to the fixed version named in the finding",
    ),
    RuleInfo(
        name="advisory-db-missing",
        title="Dependencies not checked",
        severity=Severity.INFO,
        cwe=1395,
        category="deps",
        description="The project pins dependencies but no advisory database is available: "
        "`chaffra advisories update` downloads one, `--advisories PATH` names an OSV export.",
        rationale="A dependency check without data would pass silently.",
        example="chaffra advisories update",
    ),
)

RULE_INFO = {info.name: info for info in _INFOS}
"""Every rule by its short name."""

RULES = tuple(
    Rule(
        id=info.id,
        name=info.title,
        description=info.description,
        default_severity=info.severity,
        category=info.category,
    )
    for info in _INFOS
)

_SECRET_RULES = ("hardcoded-secret", "high-entropy-string")


def register_peer_codes() -> None:
    """Map bandit's ``# nosec B602`` and ruff's ``# noqa: S602`` to the rule of each bandit
    test (B105-B107 also to the secret rules: a line bandit flags as a password is the line
    a secret detector flags), and a bare ``# nosec`` to every SAST and secret rule."""
    for info in _INFOS:
        rules: tuple[str, ...] = (info.id,)
        if info.name == "hardcoded-password":
            rules += tuple(qualify(MODULE_ID, name) for name in _SECRET_RULES)
        for bandit in info.bandit_ids:
            register_peer_code(PeerCode(tool="bandit", marker="nosec", code=bandit, rules=rules))
            register_peer_code(
                PeerCode(
                    tool="ruff (flake8-bandit)", marker="noqa", code="S" + bandit[1:], rules=rules
                )
            )
    everything = tuple(info.id for info in _INFOS if info.category in ("sast", "secrets"))
    register_peer_code(PeerCode(tool="bandit", marker="nosec", code="", rules=everything))


_FIELD_KEY = re.compile(
    r"(?i)(?:^|_)(?:field|fields|name|names|label|prefix|suffix|param|header|template|"
    r"message|help_text|attr|url|path|id|key_name|setting|type|kind|class|source|format|"
    r"count|length|len|regex|pattern|endpoint|uri|file|dir|env|var|char|chars)$"
)


def names_a_field(key: str, value: str) -> bool:
    """Whether ``key = "value"`` names a field rather than holding a secret.

    ``password1_field_name = "password1"`` or ``PASSWORD_PARAM = "password"``:
    the key is a field, name, label... (``*_name``, ``*_field``, ``*_param``), or
    the value is an identifier the key itself spells (``password1`` in
    ``password1_field_name``). bandit reports these; they are its most common
    false positives on Django.
    """
    bare = key.rpartition(".")[2]
    if _FIELD_KEY.search(bare):
        return True
    return value.isidentifier() and value.lower() in bare.lower()


_CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_NAMED_SLUG = re.compile(r"(?i)[a-z_][\w-]*(?:pass|pwd|token|secret)[\w-]*")
_STRONG_NAME = re.compile(r"(?i)pas+wo?r?d|pass|pwd|secret")
_SHORTEST_TOKEN = 8


def clearly_not_a_secret(key: str, value: str) -> bool:
    """Whether ``key = "value"`` (or ``key == "value"``) is clearly not a credential.

    The key names a field (:func:`names_a_field`); the value has whitespace (a
    message, SQL, ``"is not"``), is an all-caps constant (``"POST"``, ``"COLLATE"``),
    or an identifier or slug that itself names a password or token
    (``"_password_reset_token"``, the URL name ``"set-password"``); or the key is
    only a ``token`` (a lexer's token, a CSRF token's source) and the value is
    shorter than any real token. bandit reports all of these on Django.
    """
    if names_a_field(key, value) or any(c.isspace() for c in value):
        return True
    if _CONSTANT_NAME.fullmatch(value) or _NAMED_SLUG.fullmatch(value):
        return True
    return len(value) < _SHORTEST_TOKEN and not _STRONG_NAME.search(key.rpartition(".")[2])
