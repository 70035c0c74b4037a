"""The call rules: a registry keyed by the resolved call target (``subprocess.Popen``,
``yaml.load``), or by ``.method`` for calls on objects whose type is not known
(``.extractall``, ``.extra``). Each check looks at one call and returns a
:class:`Hit` or ``None``; taint raises a hit's confidence, constants lower it."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Protocol

import attrs

from chaffra_core._findings import Severity
from chaffra_core.analyzers.security._rules import RULE_INFO, Confidence
from chaffra_core.analyzers.security._taint import TaintState, ValueKind

__all__ = [
    "CALL_NAMES",
    "CALL_RULES",
    "KEYWORD_ARGUMENTS",
    "WILDCARD_MODULES",
    "CallSite",
    "Hit",
    "keyword_hits",
    "lookup",
]


@attrs.frozen(kw_only=True)
class Hit:
    """A rule firing on one node (the visitor turns it into a finding)."""

    rule: str
    bandit_id: str
    message: str
    severity: Severity
    confidence: Confidence
    source: str | None = None
    cwe: int | None = None  # when it differs from the rule's (insecure-import)


class CallSite(Protocol):
    """What a check knows besides the call: taint and the file's imports."""

    @property
    def taint(self) -> TaintState:
        """The taint of the current function."""
        ...

    def imported(self, module: str) -> bool:
        """Whether the file imports ``module`` (or something from it)."""
        ...

    def secret_context(self, call: ast.Call) -> bool:
        """Whether the value ``call`` computes is named like a secret (token, key, ...)."""
        ...


Check = Callable[[ast.Call, str, CallSite], "Hit | None"]


def _arg(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return call.args[index] if len(call.args) > index else None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.expr | None) -> bool:
    return node is not None and not (isinstance(node, ast.Constant) and not node.value)


def _is_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (False, 0, None)


def _graded(
    rule: str, bandit: str, message: str, kind: str, source: str | None, *, constant_ok: bool
) -> Hit | None:
    """A hit whose severity and confidence follow the argument: tainted input is certain,
    an unknown value is likely, a constant is the least risky (or no finding at all)."""
    info = RULE_INFO[rule]
    if kind == ValueKind.TAINTED:
        return Hit(
            rule=rule,
            bandit_id=bandit,
            message=f"{message} with data from {source}",
            severity=Severity.ERROR,
            confidence=Confidence.HIGH,
            source=source,
        )
    if kind == ValueKind.DYNAMIC:
        return Hit(
            rule=rule,
            bandit_id=bandit,
            message=message,
            severity=info.severity,
            confidence=Confidence.MEDIUM,
        )
    if constant_ok:
        return None
    return Hit(
        rule=rule,
        bandit_id=bandit,
        message=f"{message} (a constant)",
        severity=Severity.INFO,
        confidence=Confidence.LOW,
    )


def _flow(rule: str, bandit: str, what: str, *, constant_ok: bool = True, index: int = 0) -> Check:
    """Fires on a non-constant first argument, graded by taint."""

    def check(call: ast.Call, name: str, site: CallSite) -> Hit | None:
        kind, source = site.taint.kind(_arg(call, index))
        return _graded(rule, bandit, f"`{name}` {what}", kind, source, constant_ok=constant_ok)

    return check


def _tainted_only(rule: str, bandit: str, what: str, index: int = 0) -> Check:
    """Fires only when the argument carries input (ssrf, path traversal, exec without shell)."""

    def check(call: ast.Call, name: str, site: CallSite) -> Hit | None:
        kind, source = site.taint.kind(_arg(call, index))
        if kind != ValueKind.TAINTED:
            return None
        return _graded(rule, bandit, f"`{name}` {what}", kind, source, constant_ok=True)

    return check


def _always(rule: str, bandit: str, what: str) -> Check:
    """Fires on every call; the argument only grades it."""

    def check(call: ast.Call, name: str, site: CallSite) -> Hit | None:
        kind, source = site.taint.kind(call.args[0] if call.args else None)
        if kind == ValueKind.CONSTANT:
            kind = ValueKind.DYNAMIC
        return _graded(rule, bandit, f"`{name}` {what}", kind, source, constant_ok=False)

    return check


def _subprocess(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    command = _arg(call, 0, "args")
    kind, source = site.taint.kind(command)
    if _is_true(_keyword(call, "shell")):
        return _graded(
            "command-injection",
            "B602",
            f"`{name}` runs a shell command (`shell=True`)",
            kind,
            source,
            constant_ok=False,
        )
    if kind == ValueKind.DYNAMIC:  # bandit reports every call; constants are left out
        return Hit(
            rule="command-injection",
            bandit_id="B603",
            message=f"`{name}` starts a process from arguments that are not constants",
            severity=Severity.INFO,
            confidence=Confidence.LOW,
        )
    return _graded(
        "command-injection", "B603", f"`{name}` starts a process", kind, source, constant_ok=True
    )


def _yaml_load(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    loader = _arg(call, 1, "Loader")
    loader_name = loader.attr if isinstance(loader, ast.Attribute) else getattr(loader, "id", "")
    if loader_name in {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}:
        return None
    return _always("unsafe-deserialization", "B506", "without a safe loader")(call, name, site)


def _weak_hash(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    if _is_false(_keyword(call, "usedforsecurity")):
        return None
    algorithm = name.rpartition(".")[2]
    if algorithm == "new":
        first = _arg(call, 0, "name")
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            return None
        algorithm = first.value.lower()
        if algorithm not in {"md4", "md5", "sha1", "sha"}:
            return None
    return Hit(
        rule="weak-cryptography",
        bandit_id="B324",
        message=f"weak hash `{algorithm}` (pass `usedforsecurity=False` for a checksum)",
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
    )


def _cipher(bandit: str) -> Check:
    def check(call: ast.Call, name: str, site: CallSite) -> Hit | None:
        return Hit(
            rule="weak-cryptography",
            bandit_id=bandit,
            message=f"weak cipher or mode `{name}`",
            severity=Severity.WARNING,
            confidence=Confidence.HIGH,
        )

    return check


def _random(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    if not site.secret_context(call):
        return None
    return Hit(
        rule="insecure-random",
        bandit_id="B311",
        message=f"`{name}` makes a secret-like value; use `secrets`",
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
    )


def _fixed(rule: str, bandit: str, message: str, confidence: Confidence) -> Check:
    def check(call: ast.Call, name: str, site: CallSite) -> Hit | None:
        return Hit(
            rule=rule,
            bandit_id=bandit,
            message=message.format(name=name),
            severity=RULE_INFO[rule].severity,
            confidence=confidence,
        )

    return check


def _wrap_socket(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    if _keyword(call, "ssl_version") is not None:
        return None
    return _fixed(
        "tls-verification-disabled",
        "B504",
        "`{name}` without `ssl_version` (deprecated; use an `SSLContext`)",
        Confidence.LOW,
    )(call, name, site)


def _jinja(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    autoescape = _keyword(call, "autoescape")
    if autoescape is None or _is_false(autoescape):
        said = "without `autoescape`" if autoescape is None else "with `autoescape=False`"
        return _fixed("template-autoescape-off", "B701", f"`{{name}}` {said}", Confidence.HIGH)(
            call, name, site
        )
    return None


def _extract(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    if not (site.imported("tarfile") or site.imported("zipfile")):
        return None
    chosen = _keyword(call, "filter")
    if isinstance(chosen, ast.Constant) and chosen.value in _SAFE_FILTERS:
        return None
    if chosen is not None:
        return _fixed(
            "unsafe-archive-extraction",
            "B202",
            "`extractall` with a filter that is not `'data'` or `'tar'`",
            Confidence.LOW,
        )(call, name, site)
    if _keyword(call, "members") is not None:
        return None  # the caller chose the members
    return _fixed(
        "unsafe-archive-extraction",
        "B202",
        "`extractall` without `filter` or `members` may write outside the target directory",
        Confidence.HIGH,
    )(call, name, site)


def _chmod(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    mode = _arg(call, 1 if name.startswith("os.") else 0, "mode")  # os.chmod(p, m), p.chmod(m)
    if not (isinstance(mode, ast.Constant) and type(mode.value) is int):
        return None
    if not mode.value & _LOOSE_MODE:
        return None
    return Hit(
        rule="permissive-file-mode",
        bandit_id="B103",
        message=f"`{name}` sets mode {oct(mode.value)}: the group or others may "
        + ("write" if mode.value & _OTHERS_WRITE else "write or execute"),
        severity=Severity.ERROR if mode.value & _OTHERS_WRITE else Severity.WARNING,
        confidence=Confidence.HIGH,
    )


def _partial_path(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    command = _arg(call, 0, "args")
    if isinstance(command, (ast.List, ast.Tuple)) and command.elts:
        command = command.elts[0]
    if not (isinstance(command, ast.Constant) and isinstance(command.value, str)):
        return None
    program = command.value
    if not program or program[0] in "/\\" or program[1:3] in (":\\", ":/"):
        return None
    return Hit(
        rule="partial-executable-path",
        bandit_id="B607",
        message=f"`{name}` starts `{(program.split() or [program])[0]}` found through PATH",
        severity=Severity.INFO,
        confidence=Confidence.HIGH,
    )


def _flask_run(call: ast.Call, name: str, site: CallSite) -> Hit | None:
    if not site.imported("flask") or not _is_true(_keyword(call, "debug")):
        return None
    if isinstance(_keyword(call, "debug"), ast.Constant):
        return _fixed("flask-debug", "B201", "flask app run with `debug=True`", Confidence.HIGH)(
            call, name, site
        )
    return None


_SAFE_FILTERS = frozenset({"data", "tar"})
_OTHERS_WRITE = 0o002
_LOOSE_MODE = 0o002 | 0o020 | 0o010 | 0o001  # S_IWOTH, S_IWGRP, S_IXGRP, S_IXOTH (bandit)
_SHELL_CALLS: tuple[str, ...] = ("os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4")
_SHELL_CALLS += ("popen2.popen2", "popen2.popen3", "popen2.popen4", "popen2.Popen3")
_SHELL_CALLS += ("commands.getoutput", "commands.getstatusoutput")
_SHELL_CALLS += ("subprocess.getoutput", "subprocess.getstatusoutput")
_SUBPROCESS = ("Popen", "call", "check_call", "check_output", "run")
_EXEC_CALLS = tuple(f"os.{n}" for n in ("execl", "execle", "execlp", "execlpe", "execv", "execve"))
_EXEC_CALLS += tuple(f"os.{n}" for n in ("execvp", "execvpe", "spawnl", "spawnle", "spawnlp"))
_EXEC_CALLS += tuple(f"os.{n}" for n in ("spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe"))
_EXEC_CALLS += ("os.startfile",)
_PICKLES = ("pickle", "cPickle", "_pickle", "dill", "shelve")
_PICKLE_CALLS = tuple(f"{m}.{f}" for m in _PICKLES for f in ("loads", "load", "Unpickler"))
_PICKLE_CALLS += ("shelve.open", "shelve.DbfilenameShelf", "jsonpickle.decode")
_PICKLE_CALLS += ("jsonpickle.unpickler.decode", "pandas.read_pickle")
_ETREE = ("parse", "iterparse", "fromstring", "XMLParser")
_XML_CALLS: dict[str, tuple[str, ...]] = {
    # bandit's test id: the calls it covers
    "B313": tuple(f"xml.etree.cElementTree.{f}" for f in _ETREE),
    "B314": tuple(f"xml.etree.ElementTree.{f}" for f in _ETREE),
    "B315": ("xml.sax.expatreader.create_parser",),
    "B316": tuple(f"xml.dom.expatbuilder.{f}" for f in ("parse", "parseString", "create_parser")),
    "B317": ("xml.sax.parse", "xml.sax.parseString", "xml.sax.make_parser"),
    "B318": ("xml.dom.minidom.parse", "xml.dom.minidom.parseString"),
    "B319": ("xml.dom.pulldom.parse", "xml.dom.pulldom.parseString"),
    "B320": tuple(
        f"lxml.etree.{f}"
        for f in (
            "parse",
            "fromstring",
            "XML",
            "iterparse",
            "RestrictedElement",
            "GlobalParserTLS",
            "getDefaultParser",
            "check_docinfo",
        )
    ),
}
_HASHES = tuple(f"hashlib.{h}" for h in ("md4", "md5", "sha1", "sha", "new"))
_HASHES += tuple(f"Crypto.Hash.{h}.new" for h in ("MD2", "MD4", "MD5", "SHA"))
_HASHES += tuple(f"Cryptodome.Hash.{h}.new" for h in ("MD2", "MD4", "MD5", "SHA"))
_CIPHERS = tuple(
    f"{p}.Cipher.{c}.new"
    for p in ("Crypto", "Cryptodome")
    for c in ("ARC2", "ARC4", "Blowfish", "DES", "XOR")
)
_CIPHERS += tuple(
    f"cryptography.hazmat.primitives.ciphers.algorithms.{c}"
    for c in ("ARC4", "Blowfish", "IDEA", "CAST5", "SEED", "TripleDES")
)
_RANDOM = tuple(
    f"random.{f}"
    for f in ("random", "randrange", "randint", "choice", "choices", "uniform", "triangular")
)
_RANDOM += ("random.getrandbits", "random.randbytes", "random.sample")
_HTTP = tuple(f"{m}.{v}" for m in ("requests", "httpx") for v in ("get", "post", "put", "patch"))
_HTTP += tuple(
    f"{m}.{v}" for m in ("requests", "httpx") for v in ("delete", "head", "options", "request")
)

_CALL_TABLE: tuple[tuple[tuple[str, ...] | str, Check], ...] = (
    # Call targets (full names, ``module.*`` or ``.method``) and their check, in the
    # order the checks run on one call.
    (_SHELL_CALLS, _flow("command-injection", "B605", "runs a shell command", constant_ok=False)),
    (tuple(f"subprocess.{f}" for f in _SUBPROCESS), _subprocess),
    (_EXEC_CALLS, _tainted_only("command-injection", "B606", "starts a process")),
    (
        ("eval", "builtins.eval"),
        _flow("code-injection", "B307", "evaluates code", constant_ok=False),
    ),
    (
        ("exec", "builtins.exec"),
        _flow("code-injection", "B102", "executes code", constant_ok=False),
    ),
    (
        "logging.config.listen",
        _fixed(
            "code-injection",
            "B612",
            "`{name}` accepts configuration, which can run code, from a socket",
            Confidence.HIGH,
        ),
    ),
    ((*_SHELL_CALLS, *(f"subprocess.{f}" for f in _SUBPROCESS), *_EXEC_CALLS), _partial_path),
    (("os.chmod", "os.lchmod", "os.fchmod", ".chmod", ".lchmod"), _chmod),
    (
        "telnetlib.*",
        _fixed("cleartext-protocol", "B312", "`{name}`: Telnet is unencrypted", Confidence.HIGH),
    ),
    (
        "ftplib.*",
        _fixed("cleartext-protocol", "B321", "`{name}`: FTP is unencrypted", Confidence.HIGH),
    ),
    # compile() only builds a code object (ast.parse is compile()): input reaching it is the risk.
    (("compile", "builtins.compile"), _tainted_only("code-injection", "B102", "compiles code")),
    (_PICKLE_CALLS, _always("unsafe-deserialization", "B301", "deserializes data")),
    (
        ("marshal.loads", "marshal.load"),
        _always("unsafe-deserialization", "B302", "deserializes data"),
    ),
    (("yaml.load", "yaml.load_all"), _yaml_load),
    (("yaml.unsafe_load", "yaml.full_load"), _yaml_load),
    (_HASHES, _weak_hash),
    (_CIPHERS, _cipher("B304")),
    ("cryptography.hazmat.primitives.ciphers.modes.ECB", _cipher("B305")),
    (_RANDOM, _random),
    (
        ("tempfile.mktemp", "os.tempnam", "os.tmpnam"),
        _fixed(
            "insecure-tempfile",
            "B306",
            "`{name}` returns a name another process can take",
            Confidence.HIGH,
        ),
    ),
    (
        "ssl._create_unverified_context",
        _fixed(
            "tls-verification-disabled",
            "B323",
            "`{name}` skips certificate checks",
            Confidence.HIGH,
        ),
    ),
    ("ssl.wrap_socket", _wrap_socket),
    ("jinja2.Environment", _jinja),
    (".extractall", _extract),
    (".run", _flask_run),
    (
        ("django.utils.safestring.mark_safe", "django.utils.html.mark_safe", "mark_safe"),
        _flow("xss", "B703", "marks non-constant text safe"),
    ),
    (
        tuple(
            f"django.utils.safestring.{c}"
            for c in ("SafeString", "SafeText", "SafeUnicode", "SafeBytes")
        ),
        _flow("xss", "B308", "marks non-constant text safe"),
    ),
    (
        ("markupsafe.Markup", "flask.Markup", "jinja2.Markup"),
        _flow("xss", "B704", "marks non-constant text safe"),
    ),
    (
        ("django.db.models.expressions.RawSQL", "django.db.models.RawSQL"),
        _flow("sql-injection", "B611", "gets non-constant SQL"),
    ),
    (".extra", _flow("sql-injection", "B610", "gets non-constant SQL", index=0)),
    *(
        (names, _always("xml-entity-expansion", bandit, "parses XML without defusedxml"))
        for bandit, names in _XML_CALLS.items()
    ),
    (
        tuple(
            f"{m}.{f}"
            for m in ("urllib.request", "urllib", "urllib2", "six.moves.urllib.request")
            for f in ("urlopen", "urlretrieve", "URLopener", "FancyURLopener")
        ),
        _flow("ssrf", "B310", "opens a URL that is not a constant (`file:` too)"),
    ),
    (_HTTP, _tainted_only("ssrf", "B310", "requests a URL")),
    (
        ("open", "builtins.open", "io.open", "codecs.open", "pathlib.Path", "os.open"),
        _tainted_only("path-traversal", "", "opens a path"),
    ),
)

CALL_RULES: dict[str, tuple[Check, ...]] = {}
"""Checks by resolved call target (``module.function``) or ``.method`` suffix."""
for _names, _check in _CALL_TABLE:
    for _name in (_names,) if isinstance(_names, str) else _names:
        CALL_RULES[_name] = (*CALL_RULES.get(_name, ()), _check)
CALL_RULES["ftplib.FTP_TLS"] = ()  # FTP over TLS is the fix (bandit reports it too)

_BAD_PROTOCOLS = frozenset(
    {"PROTOCOL_SSLv2", "PROTOCOL_SSLv3", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1", "SSLv2_METHOD"}
    | {"SSLv3_METHOD", "TLSv1_METHOD", "TLSv1_1_METHOD", "SSLv23_METHOD"}
)
_VERIFYING = frozenset({"requests", "httpx", "urllib3"})

CALL_NAMES = frozenset(key.rpartition(".")[2] for key in CALL_RULES if not key.endswith(".*"))
"""The last part of every call target a rule is keyed by: a call named otherwise needs no
lookup (unless its module is a :data:`WILDCARD_MODULES` one)."""
WILDCARD_MODULES = tuple(key[:-2] for key in CALL_RULES if key.endswith(".*"))
"""Modules every function of which a rule reports (``telnetlib.*``)."""
KEYWORD_ARGUMENTS = frozenset({"verify", "cert_reqs", "ssl_version", "method", "shell"})
"""The keywords :func:`keyword_hits` reads, on any call."""


def lookup(name: str) -> tuple[Check, ...]:
    """The checks for a resolved call target: its full name, else its module's
    ``module.*``, else its ``.method``."""
    found = CALL_RULES.get(name)
    if found is not None:
        return found
    root, dot, _ = name.partition(".")
    if dot and (found := CALL_RULES.get(root + ".*")) is not None:
        return found
    return CALL_RULES.get("." + name.rpartition(".")[2], ())


def keyword_hits(call: ast.Call, name: str, site: CallSite) -> list[Hit]:
    """Rules that look at keywords of any call: ``verify=False``, ``cert_reqs=CERT_NONE``,
    an obsolete ``ssl_version`` and ``shell=True`` outside ``subprocess``."""
    hits: list[Hit] = []
    if not call.keywords:
        return hits
    root = name.partition(".")[0]
    for keyword in call.keywords:
        value = keyword.value
        constant = value.attr if isinstance(value, ast.Attribute) else getattr(value, "value", None)
        if keyword.arg == "verify" and _is_false(value) and (root in _VERIFYING or "." in name):
            hits.append(_tls(f"`{name}` with `verify=False`", "B501"))
        elif keyword.arg == "cert_reqs" and constant == "CERT_NONE":
            hits.append(_tls(f"`{name}` with `cert_reqs=CERT_NONE`", "B501"))
        elif keyword.arg in {"ssl_version", "method"} and constant in _BAD_PROTOCOLS:
            hits.append(_tls(f"`{name}` with obsolete protocol `{constant}`", "B502"))
        elif keyword.arg == "shell" and _is_true(value) and not name.startswith("subprocess."):
            kind, source = site.taint.kind(call.args[0] if call.args else None)
            hit = _graded(
                "command-injection",
                "B604",
                f"`{name}` with `shell=True`",
                kind if kind != ValueKind.CONSTANT else ValueKind.DYNAMIC,
                source,
                constant_ok=False,
            )
            if hit is not None:
                hits.append(attrs.evolve(hit, confidence=Confidence.LOW))
    return hits


def _tls(message: str, bandit: str) -> Hit:
    return Hit(
        rule="tls-verification-disabled",
        bandit_id=bandit,
        message=message,
        severity=Severity.ERROR,
        confidence=Confidence.HIGH,
    )
