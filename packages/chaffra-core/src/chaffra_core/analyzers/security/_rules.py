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


_ROWS: tuple[tuple[str, str, Severity, int, str, str, str, str, tuple[str, ...]], ...] = (
    # name, title, severity, CWE, category, description, rationale, example, bandit tests
    (
        "command-injection",
        "Command injection",
        Severity.ERROR,
        78,
        "sast",
        "A shell runs a command (`shell=True`, `os.system`, `os.popen`) or a "
        "process starts from a command built from input (bandit B602, B603, B604, B605, B606).",
        "A shell interprets metacharacters in its input; data that reaches it from "
        "a request, argv or the environment can run arbitrary commands.",
        "subprocess.run(['git', 'log', name])  # instead of shell=True with a string",
        ("B602", "B603", "B604", "B605", "B606"),
    ),
    (
        "code-injection",
        "Dynamic code execution",
        Severity.ERROR,
        94,
        "sast",
        "`eval` or `exec` runs code (a constant: info), `compile` compiles input "
        "from a request, argv or the environment, or `logging.config.listen` accepts "
        "configuration from a socket (bandit B307, B102, B612).",
        "Code built from data runs with the program's privileges; "
        "`ast.literal_eval` parses literals safely.",
        "value = ast.literal_eval(text)",
        ("B102", "B307", "B612"),
    ),
    (
        "sql-injection",
        "SQL built from strings",
        Severity.ERROR,
        89,
        "sast",
        "An SQL statement is built by formatting or concatenation, or Django's "
        "`extra`/`RawSQL` get non-constant SQL (bandit B608, B610, B611).",
        "Interpolated values can change the statement; pass them as parameters.",
        'cursor.execute("SELECT * FROM t WHERE id = %s", [user_id])',
        ("B608", "B610", "B611"),
    ),
    (
        "unsafe-deserialization",
        "Unsafe deserialization",
        Severity.ERROR,
        502,
        "sast",
        "pickle, marshal, shelve, dill, jsonpickle loads, or `yaml.load` without a "
        "safe loader (bandit B301, B302, B506).",
        "These formats can construct arbitrary objects and run code while loading.",
        "data = yaml.safe_load(stream)",
        ("B301", "B302", "B506"),
    ),
    (
        "xss",
        "Unescaped markup",
        Severity.ERROR,
        79,
        "sast",
        "`markupsafe.Markup`, Django's `mark_safe` or `SafeString` on "
        "non-constant text (bandit B308, B703, B704).",
        "Text marked safe is inserted into HTML unescaped.",
        "html = format_html('<b>{}</b>', name)",
        ("B308", "B703", "B704"),
    ),
    (
        "template-autoescape-off",
        "Templates without autoescaping",
        Severity.ERROR,
        79,
        "sast",
        "A jinja2 `Environment` with `autoescape=False` or without `autoescape` (bandit B701).",
        "Without autoescaping every variable in a template is an XSS risk.",
        "Environment(autoescape=select_autoescape())",
        ("B701",),
    ),
    (
        "weak-cryptography",
        "Weak hash or cipher",
        Severity.WARNING,
        327,
        "sast",
        "MD4/MD5/SHA1 for security, DES/RC4/Blowfish ciphers or ECB mode "
        "(bandit B303, B304, B305, B324).",
        "Collisions and known attacks make these unfit for protecting data; "
        "pass `usedforsecurity=False` for a checksum.",
        "hashlib.sha256(data)  # or hashlib.md5(data, usedforsecurity=False)",
        ("B303", "B304", "B305", "B324"),
    ),
    (
        "insecure-random",
        "random for secrets",
        Severity.WARNING,
        330,
        "sast",
        "The `random` module makes a value named like a token, password, key, "
        "salt or nonce (bandit B311).",
        "`random` is predictable; `secrets` is made for tokens.",
        "token = secrets.token_urlsafe(32)",
        ("B311",),
    ),
    (
        "tls-verification-disabled",
        "TLS without verification",
        Severity.ERROR,
        295,
        "sast",
        "`requests`/`httpx`/`urllib3` with `verify=False` or `CERT_NONE`, an "
        "unverified `ssl` context, or an obsolete protocol version "
        "(bandit B501, B502, B503, B504, B323).",
        "Without certificate checks anyone on the path can read and change traffic.",
        "requests.get(url, timeout=10)",
        ("B323", "B501", "B502", "B503", "B504"),
    ),
    (
        "insecure-tempfile",
        "Insecure temporary file",
        Severity.WARNING,
        377,
        "sast",
        "`tempfile.mktemp` or `os.tempnam` (bandit B306).",
        "The name can be taken by another process between creation and use.",
        "with tempfile.NamedTemporaryFile() as handle: ...",
        ("B306",),
    ),
    (
        "bind-all-interfaces",
        "Binding to all interfaces",
        Severity.WARNING,
        605,
        "sast",
        'The address `"0.0.0.0"` (bandit B104).',
        "A service bound to every interface is reachable from every network.",
        'server.bind(("127.0.0.1", port))',
        ("B104",),
    ),
    (
        "hardcoded-password",
        "Hard-coded password",
        Severity.ERROR,
        259,
        "sast",
        "A string constant assigned to, passed as or defaulted for a name like "
        "`password`, `secret` or `token` (bandit B105, B106, B107).",
        "A credential in source is in every copy and every history of the code.",
        'password = os.environ["DB_PASSWORD"]',
        ("B105", "B106", "B107"),
    ),
    (
        "xml-entity-expansion",
        "XML parser open to entity expansion",
        Severity.WARNING,
        776,
        "sast",
        "The stdlib `xml` parsers or lxml parse untrusted XML (bandit B313-B320).",
        "Entity expansion (billion laughs) and external entities exhaust memory "
        "or read files; `defusedxml` parses safely.",
        "defusedxml.ElementTree.fromstring(text)",
        ("B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320"),
    ),
    (
        "unsafe-archive-extraction",
        "Archive extraction without filtering",
        Severity.ERROR,
        22,
        "sast",
        "`extractall` on a tar or zip archive without a `filter` or `members` (bandit B202).",
        "Member names like `../../etc/passwd` or links write outside the target.",
        'archive.extractall(target, filter="data")',
        ("B202",),
    ),
    (
        "flask-debug",
        "Flask debug mode",
        Severity.ERROR,
        94,
        "sast",
        "A flask app runs with `debug=True` (bandit B201).",
        "The Werkzeug debugger lets anyone who reaches it run code.",
        'app.run(debug=os.environ.get("FLASK_DEBUG") == "1")',
        ("B201",),
    ),
    (
        "assert-access-check",
        "assert used for an access check",
        Severity.WARNING,
        703,
        "sast",
        "An `assert` checks a permission, authentication or role outside test files (bandit B101).",
        "`python -O` removes asserts, and the check with them.",
        "if not user.is_staff: raise PermissionDenied",
        ("B101",),
    ),
    (
        "ssrf",
        "Request to a URL from input",
        Severity.ERROR,
        918,
        "sast",
        "A URL from request data, argv or the environment is fetched "
        "(`urlopen`, `requests`, `httpx`), or `urllib`'s `urlopen`/`urlretrieve` gets a URL "
        "that is not a constant (which may name a `file:` URL; bandit B310).",
        "An attacker-chosen URL reaches internal services from the server.",
        "check the host against an allow-list before fetching",
        ("B310",),
    ),
    (
        "insecure-import",
        "Import of a risky module",
        Severity.INFO,
        693,
        "sast",
        "An import bandit warns about: pickle, dill, shelve, subprocess, the "
        "stdlib XML parsers, xmlrpc, telnetlib, ftplib, wsgiref's `CGIHandler`, pyCrypto "
        "(bandit B401-B415). Clear-text protocols, xmlrpc and pyCrypto are warnings, the "
        "rest info. Each finding carries the CWE of its module.",
        "These modules are where deserialization, command, XML and clear-text "
        "protocol weaknesses start; the import marks the code to review.",
        "import defusedxml.ElementTree as ET  # instead of xml.etree.ElementTree",
        tuple(f"B{n}" for n in (*range(401, 410), 411, 412, 413, 415)),
    ),
    (
        "swallowed-exception",
        "Exception silently ignored",
        Severity.INFO,
        703,
        "sast",
        "An `except` whose whole body is `pass` or `continue` (bandit B110, B112).",
        "A silently ignored error can hide a failed security check or an attack.",
        "except OSError:\n    log.debug('cleanup failed', exc_info=True)",
        ("B110", "B112"),
    ),
    (
        "permissive-file-mode",
        "Permissive file mode",
        Severity.WARNING,
        732,
        "sast",
        "`chmod` with a mode that lets the group or others write or execute (bandit B103).",
        "Files writable or executable by other users can be replaced or run by them.",
        "os.chmod(path, 0o600)",
        ("B103",),
    ),
    (
        "partial-executable-path",
        "Process started by a partial path",
        Severity.INFO,
        78,
        "sast",
        "A process starts from a program name without a path (`['git', ...]`), "
        "found through `PATH` (bandit B607).",
        "Whoever controls `PATH` or the working directory chooses the program.",
        "subprocess.run([shutil.which('git') or '/usr/bin/git', 'log'])",
        ("B607",),
    ),
    (
        "cleartext-protocol",
        "Clear-text protocol",
        Severity.WARNING,
        319,
        "sast",
        "A telnetlib or ftplib call, except `ftplib.FTP_TLS` (bandit B312, B321).",
        "Telnet and FTP send credentials and data unencrypted.",
        "use SSH/SFTP (paramiko) or FTP over TLS (`ftplib.FTP_TLS`)",
        ("B312", "B321"),
    ),
    (
        "path-traversal",
        "File path from input",
        Severity.ERROR,
        22,
        "sast",
        "A path from request data, argv or the environment is opened.",
        "`../` in a path reaches files outside the intended directory.",
        "path = (base / name).resolve(); path.relative_to(base)",
        (),
    ),
    (
        "hardcoded-secret",
        "Hard-coded secret",
        Severity.ERROR,
        798,
        "secrets",
        "A provider credential (AWS, GitHub, GitLab, Slack, Stripe, Google, "
        "Azure, Twilio, SendGrid, npm, PyPI, a private key, a JWT, a URL with a password) or "
        "a `password=`/`secret=` value in a tracked file. Shown only as a prefix and a hash.",
        "A committed credential is readable by everyone with the repository and "
        "stays in its history; rotate it and load it from the environment.",
        'API_KEY = os.environ["API_KEY"]',
        (),
    ),
    (
        "high-entropy-string",
        "High-entropy string",
        Severity.WARNING,
        798,
        "secrets",
        "A random-looking base64 or hex string assigned to a name like `key`, "
        "`token` or `secret`. Shown only as a prefix and a hash.",
        "Random strings next to secret-like names are usually credentials.",
        'SIGNING_KEY = os.environ["SIGNING_KEY"]',
        (),
    ),
    (
        "vulnerable-dependency",
        "Dependency with a known vulnerability",
        Severity.WARNING,
        1395,
        "deps",
        "A pinned or locked version matches an OSV advisory (requirements, "
        "pyproject, uv.lock, poetry.lock, Pipfile.lock).",
        "Known vulnerabilities are the first thing attackers try.",
        "upgrade to the fixed version named in the finding",
        (),
    ),
    (
        "advisory-db-missing",
        "Dependencies not checked",
        Severity.INFO,
        1395,
        "deps",
        "The project pins dependencies but no advisory database is available: "
        "`chaffra advisories update` downloads one, `--advisories PATH` names an OSV export.",
        "A dependency check without data would pass silently.",
        "chaffra advisories update",
        (),
    ),
)
_INFOS = tuple(
    RuleInfo(
        name=name,
        title=title,
        severity=severity,
        cwe=cwe,
        category=category,
        description=description,
        rationale=rationale,
        example=example,
        bandit_ids=bandit_ids,
    )
    for name, title, severity, cwe, category, description, rationale, example, bandit_ids in _ROWS
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
