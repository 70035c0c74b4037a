"""The security module's SAST: bandit's families on the shared walk, taint, nosec."""

from __future__ import annotations

import io
import pickle
import textwrap
from pathlib import Path

import pytest

from chaffra_core import (
    CliOverrides,
    ConfigError,
    Finding,
    ModuleHost,
    Severity,
    resolve_effective_config,
    run_analysis,
)
from chaffra_core._peer_codes import peer_rules
from chaffra_core.analyzers.security import SecurityModule
from chaffra_core.errors import RuleNotFound
from chaffra_core.testing import summarise


def _findings(text: str, path: str = "app.py", **config: object) -> list[Finding]:
    summary = summarise(SecurityModule(), textwrap.dedent(text), path=path, config=config)
    assert not summary.errors
    return list(summary.results["security"].findings)


def _rules(text: str, path: str = "app.py") -> set[tuple[str, str, int]]:
    return {
        (f.rule_id.partition(":")[2], str(f.metadata.get("bandit_id", "")), f.location.start_line)
        for f in _findings(text, path)
    }


CASES = [
    ("import os\nos.system(cmd)\n", "command-injection", "B605"),
    ("import subprocess\nsubprocess.run(cmd, shell=True)\n", "command-injection", "B602"),
    ("import subprocess as sp\nsp.Popen(cmd, shell=True)\n", "command-injection", "B602"),
    (
        "from subprocess import check_output\ncheck_output(c, shell=1)\n",
        "command-injection",
        "B602",
    ),
    ("eval(text)\n", "code-injection", "B307"),
    ("exec(text)\n", "code-injection", "B102"),
    ("import sys\ncompile(sys.argv[1], 'x', 'exec')\n", "code-injection", "B102"),
    ("import pickle\npickle.loads(blob)\n", "unsafe-deserialization", "B301"),
    ("import dill\ndill.loads(blob)\n", "unsafe-deserialization", "B301"),
    ("import shelve\nshelve.open(name)\n", "unsafe-deserialization", "B301"),
    ("import jsonpickle\njsonpickle.decode(blob)\n", "unsafe-deserialization", "B301"),
    ("import marshal\nmarshal.loads(blob)\n", "unsafe-deserialization", "B302"),
    ("import yaml\nyaml.load(stream)\n", "unsafe-deserialization", "B506"),
    ("import hashlib\nhashlib.md5(data)\n", "weak-cryptography", "B324"),
    ("import hashlib\nhashlib.new('sha1')\n", "weak-cryptography", "B324"),
    ("from Crypto.Cipher import DES\nDES.new(key)\n", "weak-cryptography", "B304"),
    ("import random\ntoken = random.choice(chars)\n", "insecure-random", "B311"),
    ("import random\nsessionKey = random.getrandbits(64)\n", "insecure-random", "B311"),
    ("import random\napi_token: int = random.getrandbits(64)\n", "insecure-random", "B311"),
    ("import random\ndef make_api_key():\n    return random.random()\n", "insecure-random", "B311"),
    ("token = 'gh-7f3a9c2e1b'\n", "hardcoded-password", "B105"),
    ("if password == 'admin':\n    pass\n", "hardcoded-password", "B105"),
    ("if user.password != 'admin':\n    pass\n", "hardcoded-password", "B105"),
    ("password: str = 'hunter2-and-more'\n", "hardcoded-password", "B105"),
    (
        "import ssl\nssl.wrap_socket(s, cert_reqs=ssl.CERT_NONE)\n",
        "tls-verification-disabled",
        "B501",
    ),
    ("import ssl\nssl.wrap_socket(s)\n", "tls-verification-disabled", "B504"),
    ("spawn(command, shell=True)\n", "command-injection", "B604"),
    ("import requests\nrequests.get(url, verify=False)\n", "tls-verification-disabled", "B501"),
    ("import httpx\nhttpx.Client(verify=False)\n", "tls-verification-disabled", "B501"),
    ("import ssl\nssl._create_unverified_context()\n", "tls-verification-disabled", "B323"),
    ("import ssl\nctx.verify_mode = ssl.CERT_NONE\n", "tls-verification-disabled", "B501"),
    (
        "import ssl\nssl.wrap_socket(s, ssl_version=ssl.PROTOCOL_SSLv3)\n",
        "tls-verification-disabled",
        "B502",
    ),
    ("import tempfile\ntempfile.mktemp()\n", "insecure-tempfile", "B306"),
    ("s.bind(('0.0.0.0', 80))\n", "bind-all-interfaces", "B104"),
    ("password = 'hunter2'\n", "hardcoded-password", "B105"),
    ("connect(password='hunter2')\n", "hardcoded-password", "B106"),
    ("def f(password='hunter2'):\n    pass\n", "hardcoded-password", "B107"),
    ("import jinja2\njinja2.Environment(autoescape=False)\n", "template-autoescape-off", "B701"),
    ("from jinja2 import Environment\nEnvironment()\n", "template-autoescape-off", "B701"),
    ("from markupsafe import Markup\nMarkup(text)\n", "xss", "B704"),
    ("from django.utils.safestring import mark_safe\nmark_safe(text)\n", "xss", "B703"),
    ("from django.db.models.expressions import RawSQL\nRawSQL(sql)\n", "sql-injection", "B611"),
    ("qs.extra(where)\n", "sql-injection", "B610"),
    ("import xml.etree.ElementTree as ET\nET.fromstring(text)\n", "xml-entity-expansion", "B314"),
    (
        "from xml.sax import expatreader\nexpatreader.create_parser()\n",
        "xml-entity-expansion",
        "B315",
    ),
    ("from xml.dom import minidom\nminidom.parseString(text)\n", "xml-entity-expansion", "B318"),
    ("from lxml import etree\netree.parse(f)\n", "xml-entity-expansion", "B320"),
    ("import telnetlib\n", "insecure-import", "B401"),
    ("import pickle\n", "insecure-import", "B403"),
    ("from subprocess import run\n", "insecure-import", "B404"),
    ("import xml.etree.ElementTree as ET\n", "insecure-import", "B405"),
    ("from xml.dom import minidom\n", "insecure-import", "B408"),
    ("import xmlrpc.client\n", "insecure-import", "B411"),
    ("from Crypto.Cipher import AES\n", "insecure-import", "B413"),
    ("try:\n    f()\nexcept Exception:\n    pass\n", "swallowed-exception", "B110"),
    (
        "for x in y:\n    try:\n        f()\n    except:\n        continue\n",
        "swallowed-exception",
        "B112",
    ),
    ("import os\nos.chmod(p, 0o777)\n", "permissive-file-mode", "B103"),
    ("path.chmod(0o755)\n", "permissive-file-mode", "B103"),
    ("import os\nos.system('ls -l')\n", "partial-executable-path", "B607"),
    ("import subprocess\nsubprocess.run(['git', 'log'])\n", "partial-executable-path", "B607"),
    ("import telnetlib\ntelnetlib.Telnet(host)\n", "cleartext-protocol", "B312"),
    ("from ftplib import FTP\nFTP(host)\n", "cleartext-protocol", "B321"),
    ("import logging.config\nlogging.config.listen(9999)\n", "code-injection", "B612"),
    ("eval('1 + 1')\n", "code-injection", "B307"),
    ("import urllib.request\nurllib.request.urlopen(url)\n", "ssrf", "B310"),
    ("from django.utils.safestring import SafeString\nSafeString(text)\n", "xss", "B308"),
    ("import subprocess\nsubprocess.run(command)\n", "command-injection", "B603"),
    (
        "import tarfile\ntarfile.open(p).extractall(d, filter='fully_trusted')\n",
        "unsafe-archive-extraction",
        "B202",
    ),
    ("import tarfile\ntarfile.open(p).extractall(d)\n", "unsafe-archive-extraction", "B202"),
    (
        "from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\n",
        "flask-debug",
        "B201",
    ),
    ("assert user.is_staff\n", "assert-access-check", "B101"),
    ("q = 'SELECT * FROM t WHERE id = %s' % ident\n", "sql-injection", "B608"),
    ("q = f'DELETE FROM t WHERE id = {ident}'\n", "sql-injection", "B608"),
    ("q = 'UPDATE t SET a = ' + value + ' WHERE 1'\n", "sql-injection", "B608"),
    ("q = 'INSERT INTO t VALUES ({})'.format(v)\n", "sql-injection", "B608"),
]


@pytest.mark.parametrize(("source", "rule", "bandit"), CASES)
def test_each_bandit_family_is_reported_with_its_bandit_id(
    source: str, rule: str, bandit: str
) -> None:
    """Every family the issue lists has a rule, and the finding names the bandit test."""
    last = source.rstrip("\n").count("\n") + 1
    found = _rules(source)
    assert any(r == rule and b == bandit for r, b, _ in found), found
    assert any(line in (last, last - 1) for r, _, line in found if r == rule)


SAFE = [
    "import subprocess\nsubprocess.run(['/bin/ls', '-l'])\n",
    "import os\nos.chmod(p, 0o600)\n",
    "if f() == 'hunter2-and-more' or x < 'hunter2-and-more':\n    pass\n",
    "if f().password == 'hunter2-and-more':\n    pass\n",
    "import hashlib\nhashlib.new('sha256')\nhashlib.new(name)\n",
    "import ssl\nssl.wrap_socket(s, ssl_version=ssl.PROTOCOL_TLS_CLIENT)\n",
    "archive.extractall(d)\n",
    "code = compile(source, filename, 'exec')\n",
    "import ftplib\nftplib.FTP_TLS(host)\n",
    "import os\nos.chmod(p, mode)\n",
    "try:\n    f()\nexcept Exception:\n    log()\n",
    "try:\n    f()\nexcept (KeyError, OSError):\n    pass\n",
    "import pickletools\nfrom xml.dom import Node\n",
    "from urllib.request import urlopen\nurlopen('https://example.org')\n",
    "import yaml\nyaml.load(stream, Loader=yaml.SafeLoader)\n",
    "import hashlib\nhashlib.md5(data, usedforsecurity=False)\n",
    "import hashlib\nhashlib.sha256(data)\n",
    "import random\nx = random.choice(colors)\n",
    "import random\nkeys = [random.random() for _ in data]\n",
    "import random\ndef mapping():\n    author = random.choice(names)\n",
    "import random\ntoken = make()\nrandom.random()\n",
    "handlers[0](verify=False)\nfactory()(shell=True)\n",
    "token_type = 'content-disposition'\n",
    "if token == 'is':\n    token = 'is not'\n",
    "if request.method != 'POST':\n    token_source = 'POST'\n",
    "INTERNAL_RESET_SESSION_TOKEN = '_password_reset_token'\n",
    "reset_url_token = 'set-password'\n",
    "REASON_CSRF_TOKEN_MISSING = 'CSRF token missing.'\n",
    "import jinja2\njinja2.Environment(autoescape=True)\n",
    "import tarfile\ntarfile.open(p).extractall(d, filter='data')\n",
    "import tarfile\ntarfile.open(p).extractall(d, members=safe(archive))\n",
    "from markupsafe import Markup\nMarkup('<b>x</b>')\n",
    "password = ''\n",
    "q = 'SELECT 1 FROM t WHERE a = %s' % 'b'\n",
    "assert isinstance(x, int)\n",
    "app.run(debug=True)\n",
    "requests.get(url, verify=True)\n",
]


@pytest.mark.parametrize("source", SAFE)
def test_safe_forms_produce_no_finding(source: str) -> None:
    """Nothing but the import warning (``import subprocess``) on the safe forms."""
    assert [] == [f for f in _findings(source) if f.rule_id != "security:insecure-import"]


def test_taint_from_request_input_raises_confidence_and_severity() -> None:
    tainted, plain = (
        _findings(
            f"""
            import os
            from flask import request
            def run():
                cmd = {value}
                os.system(cmd)
            """
        )[0]
        for value in ('request.args["c"]', "settings.CMD")
    )
    assert (Severity.ERROR, "high") == (tainted.severity, tainted.metadata["confidence"])
    assert "request input" in str(tainted.metadata["source"])
    assert plain.confidence < tainted.confidence
    assert "source" not in plain.metadata


@pytest.mark.parametrize("source", ["import os\nos.system('/bin/ls')\n", "eval('1 + 1')\n"])
def test_a_constant_command_or_code_lowers_the_finding_to_info(source: str) -> None:
    (finding,) = _findings(source)
    assert (Severity.INFO, "low") == (finding.severity, finding.metadata["confidence"])


@pytest.mark.parametrize(
    "source",
    [
        "import sys, os\nos.system(sys.argv[1])\n",
        "import os\nos.system(input())\n",
        "import os\nos.system(os.environ['CMD'])\n",
        "import os\nos.system(os.getenv('CMD'))\n",
        "import os\ndef f(request):\n    a, b = request.GET['x'], 1\n    os.system(a)\n",
        "import os\ndef f(request):\n    x = request.POST\n    y = x.get('a').strip()\n"
        "    os.system(y)\n",
        "import os\ndef f(request):\n    for item in request.FILES:\n        os.system(item)\n",
        "import os\n@app.get('/x')\ndef f(name: str):\n    os.system(name)\n",
        "import os\ndef f(request):\n    if (x := request.body):\n        os.system(x)\n",
        "import os, sys\nx: int\ncmd: str = sys.argv[1]\nos.system(cmd)\n",
        "import os, sys\ncmd = 'ls '\ncmd += sys.argv[1]\nos.system(cmd)\n",
    ],
)
def test_taint_sources_and_propagation(source: str) -> None:
    """argv, stdin, the environment, django/fastapi inputs, tuple/for/walrus targets."""
    (finding,) = _findings(source)
    assert "high" == finding.metadata["confidence"]


CONFIDENCE_BY_LINE = [
    pytest.param(
        """
    import os, sys
    CMD = sys.argv[1]
    def run():
        os.system(CMD)
    def outer():
        arg = sys.argv[2]
        def inner():
            os.system(arg)
        return inner
    def plain(value):
        os.system(value)
    """,
        {5: "high", 9: "high", 12: "medium"},
        id="a-module-level-tainted-name-and-a-closure-reach-functions-naming-no-source",
    ),
    pytest.param(
        """
    import os
    from . import helpers
    from flask import request
    def a():
        os.system(self.config.command)
        os.system(make().args)
        os.system(parser.args)
        run = lambda: os.system(request.args["c"])
    def b():
        os.system(request.values.get("c"))
    """,
        {6: "medium", 7: "medium", 8: "medium", 9: "high", 11: "high"},
        id="attribute-chains-and-lambdas-are-tainted-only-by-real-sources",
    ),
]


@pytest.mark.parametrize(("source", "expected"), CONFIDENCE_BY_LINE)
def test_taint_sets_the_confidence_of_each_line(source: str, expected: dict[int, str]) -> None:
    """Taint is tracked only where a source is named, yet reaches where it flows."""
    found = {f.location.start_line: f.metadata["confidence"] for f in _findings(source)}
    assert expected == found


RULES_BY_LINE = [
    pytest.param(
        'settings["password"] = "hunter2-and-more"\n',
        {("hardcoded-password", "B105", 1)},
        id="a-password-stored-under-a-key-is-hard-coded",
    ),
    pytest.param(
        """
    import requests
    from flask import request
    def f():
        url = request.args["u"]
        requests.get(url)
        open(request.args["p"])
        open("constant.txt")
        requests.get("https://example.org")
    """,
        {("ssrf", "B310", 6), ("path-traversal", "", 7)},
        id="taint-reaches-ssrf-and-path-sinks-only-when-tainted",
    ),
]


@pytest.mark.parametrize(("source", "expected"), RULES_BY_LINE)
def test_exactly_these_rules_fire_on_these_lines(
    source: str, expected: set[tuple[str, str, int]]
) -> None:
    assert expected == _rules(source)


def test_sanitisers_and_reassignment_clear_taint() -> None:
    findings = _findings(
        """
        import os, shlex, subprocess
        def f(request):
            a = shlex.quote(request.args["a"])
            os.system(a)
            b = request.args["b"]
            b = "constant"
            subprocess.run(b)
        """
    )
    confidences = {f.metadata["bandit_id"]: f.metadata["confidence"] for f in findings}
    assert {"B605": "medium", "B603": "low", "B404": "high"} == confidences


def test_subprocess_without_shell_leaves_out_constant_arguments() -> None:
    """bandit's B603 fires on every call; chaffra reports input (high) and non-constant
    arguments (low), never a constant command line."""
    source = """
    import subprocess, sys
    subprocess.run(["/usr/bin/git", "log"])
    subprocess.run(sys.argv[1:])
    subprocess.run(command)
    """
    found = {
        (f.location.start_line, f.metadata["confidence"])
        for f in _findings(source)
        if f.rule_id == "security:command-injection"
    }
    assert {(4, "high"), (5, "low")} == found


def test_nosec_and_ruff_noqa_map_bandit_ids_to_rules_through_the_peer_registry(
    tmp_path: Path,
) -> None:
    """``# nosec B602`` and ``# noqa: S602`` suppress the rule of bandit's test on their line;
    a bare ``# nosec`` every security rule; a code of another rule, or a string, nothing."""
    source = """\
    import os, subprocess  # nosec B404
    os.system(cmd)  # nosec
    os.system(cmd)  # nosec B605
    os.system(cmd)  # nosec B703
    subprocess.run(cmd, shell=True)  # nosec: B602, B607
    os.system(cmd)  # noqa: S605
    os.system(cmd)  # nosec command-injection
    x = "# nosec"; os.system(cmd)
    password = "hunter2-and-more"  # nosec B105
    """
    (tmp_path / "app.py").write_text(textwrap.dedent(source), encoding="utf-8")
    config = resolve_effective_config(tmp_path, None, CliOverrides(telemetry="off"))
    result = run_analysis(
        config,
        command="security",
        host=ModuleHost([SecurityModule()]),
        stderr=io.StringIO(),
        use_cache=False,
    )
    assert [4, 8] == [f.location.start_line for f in result.findings]
    assert (("# nosec", ()),) != peer_rules("# nosec")
    assert ("security:command-injection",) == peer_rules("# noqa: S602")[0][1]


def test_asserts_in_tests_are_not_checked_unless_configured() -> None:
    source = "assert request.user.has_perm('x')\n"
    assert [] == _findings(source, path="tests/test_views.py")
    assert [] == _findings(source, path="pkg/test_views.py")
    assert 1 == len(_findings(source, path="pkg/latest.py"))
    found = (
        summarise(SecurityModule(), source, path="tests/test_v.py", config={"check-tests": True})
        .results["security"]
        .findings
    )
    assert 1 == len(found)


def test_one_finding_per_rule_and_line_and_findings_carry_cwe_and_anchor() -> None:
    findings = _findings("import os\nos.system(a); os.system(b)\n")
    assert 1 == len(findings)
    (finding,) = findings
    assert "CWE-78" == finding.metadata["cwe"]
    assert finding.anchor.startswith("<module>#")
    moved = _findings("import os\n\n\nos.system(a); os.system(b)\n")[0]
    assert finding.anchor == moved.anchor


def test_the_module_config_fails_closed() -> None:
    module = SecurityModule()
    with pytest.raises(ConfigError, match="unknown key"):
        module.file_analyzer({"advisory": "x"})
    with pytest.raises(ConfigError, match="expected one of true, false"):
        module.file_analyzer({"secrets": "yes"})
    with pytest.raises(ConfigError, match="expected a path"):
        module.file_analyzer({"advisories": 3})


def test_the_file_analyzer_is_picklable_for_workers() -> None:
    analyzer = SecurityModule().file_analyzer({"check-tests": True})
    assert analyzer == pickle.loads(pickle.dumps(analyzer))


def test_explain_and_fix() -> None:
    module = SecurityModule()
    explanation = module.explain("command-injection")
    assert "security:command-injection" == explanation.rule_id
    assert "CWE-78" in explanation.description
    assert "# nosec B602" in explanation.suppression_syntax
    assert "# noqa: S602" in explanation.suppression_syntax
    assert "nosec" not in module.explain("path-traversal").suppression_syntax
    assert module.explain("security:hardcoded-secret").default_severity is Severity.ERROR
    with pytest.raises(RuleNotFound):
        module.explain("complexity:high-cyclomatic")
    with pytest.raises(RuleNotFound):
        module.explain("nope")
    finding = _findings("eval(x)\n")[0]
    (result,) = module.fix([finding], dry_run=False)
    assert (False, "requires manual review") == (result.applied, result.reason)


def test_names_of_password_fields_are_not_hard_coded_passwords() -> None:
    """Django's ``password1_field_name = "password1"`` names a form field (bandit flags it)."""
    text = (
        'password1_field_name = "password1"\n'
        'PASSWORD_PARAM = "password"\n'
        'password = "hunter2-but-longer"\n'
    )
    found = [(f.rule_id, f.location.start_line) for f in _findings(text)]
    assert [3] == sorted({line for _, line in found})
