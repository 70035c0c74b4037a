"""Secrets: provider detectors, keyword context, entropy filters, and redaction everywhere."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_core import Finding
from chaffra_core.analyzers.security import SecurityModule, redact
from chaffra_core.analyzers.security._secrets import (
    _KEYWORD,
    _keywords,
    scan_secrets,
    shannon_entropy,
)
from chaffra_core.testing import analyse


def _scan(text: str, path: str = "config.env", *, test_code: bool = False) -> list[Finding]:
    return scan_secrets(path, text, python=path.endswith(".py"), test_code=test_code)


def _kinds(text: str, path: str = "config.env") -> list[tuple[str, int]]:
    return [(str(f.metadata["detector"]), f.location.start_line) for f in _scan(text, path)]


PROVIDERS = (
    ("aws_key_id", "AKIAIOSFODNN7EXAMPLQ"),
    ("github", "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
    ("gitlab", "glpat-" + "Ab3dEf6hIj9lMn2pQr5t"),
    ("slack_token", "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"),
    ("stripe", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    ("stripe", "rk_test_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    ("google", "AIza" + "SyD-1234567890abcdefghijklmnopqrstu"),
    ("twilio", "SK" + "0123456789abcdef0123456789abcdef"),
    ("twilio", "AC" + "0123456789abcdef0123456789abcdef"),
    ("sendgrid", "SG." + "abcdefghijklmnopqrstuv" + "." + "A" * 21 + "b" * 22),
    ("npm", "npm_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"),
    ("pypi", "pypi-AgEIcHlwaS5vcmc" + "x1Y2z3" * 10),
    (
        "jwt",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        + "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
)


@pytest.mark.parametrize(("detector", "secret"), PROVIDERS)
def test_provider_formats_are_detected_and_never_shown_whole(detector: str, secret: str) -> None:
    (finding,) = _scan(f"VALUE={secret}\n")
    assert detector == finding.metadata["detector"]
    assert "security:hardcoded-secret" == finding.rule_id
    assert secret not in json.dumps([finding.message, dict(finding.metadata), finding.anchor])
    assert redact(secret) == finding.metadata["secret"]


def test_private_keys_urls_with_passwords_and_aws_secret_keys() -> None:
    text = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "DATABASE_URL=postgres://admin:s3cr3tPassw0rd@db.internal:5432/app\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "REDIS_URL=redis://user:${REDIS_PASSWORD}@cache:6379\n"
    )
    assert [("private_key", 1), ("basic_auth", 2), ("aws_secret", 3)] == _kinds(text)


def test_keyword_assignments_in_env_yaml_json_and_python() -> None:
    text = (
        "DB_PASSWORD=correct-horse-battery\n"
        "db_password: another-pass-9\n"
        '{"client_secret": "n0t-a-placeholder"}\n'
        "API_TOKEN=${TOKEN}\n"
        "password: changeme_\n"
        "# password=commented-out-value\n"
    )
    assert [("keyword", 1), ("keyword", 2), ("keyword", 3)] == _kinds(text, "settings.yaml")
    assert [] == _kinds("password = os.environ['PW']\n", "app.py")
    assert [("keyword", 1)] == _kinds("PASSWORD = 'quoted-in-python'\n", "app.py")


def test_entropy_fires_in_a_keyword_context_and_not_on_hashes_uuids_or_identifiers() -> None:
    text = (
        'signing_key = "q8Zr3Kx9Lm2Vb7Nc4Xz1Aa5Sd6Fg0HjT"\n'
        'auth_digest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"\n'
        'session_key = "123e4567-e89b-12d3-a456-426614174000"\n'
        'key_name = "SOME_CONSTANT_NAME_THAT_IS_LONG"\n'
        'api_key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"\n'
        'token_hex = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99"\n'
    )
    found = _scan(text, "keys.py")
    assert [("high-entropy-string", 1), ("high-entropy-string", 6)] == [
        (f.rule_id.partition(":")[2], f.location.start_line) for f in found
    ]


def test_lock_files_are_only_checked_for_provider_formats() -> None:
    lock = 'hash = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"\n'
    assert [] == _scan(lock + "token = 'abcdef-ghijk-lmnop'\n", "uv.lock")


def test_allowlist_pragmas_and_test_code_confidence() -> None:
    text = (
        "KEY=AKIAIOSFODNN7EXAMPLQ  # pragma: allowlist secret\n"
        "# pragma: allowlist nextline secret\n"
        "KEY=AKIAIOSFODNN7EXAMPLR\n"
        "KEY=AKIAIOSFODNN7EXAMPLS\n"
    )
    assert [("aws_key_id", 4)] == _kinds(text)
    (finding,) = _scan("KEY=AKIAIOSFODNN7EXAMPLQ\n", "tests/fixtures.env", test_code=True)
    assert ("info", "low") == (finding.severity.value, finding.metadata["confidence"])


def test_the_module_scans_python_and_text_files_and_keeps_sast_and_secrets_apart() -> None:
    result = analyse(
        SecurityModule(),
        {
            "app.py": 'password = "hunter2hunter2"\nTOKEN = "ghp_' + "a" * 36 + '"\n',
            "deploy.sh": "export AWS_KEY=AKIAIOSFODNN7EXAMPLQ\n",
        },
        config={"secrets": True},
    )
    rules = sorted((f.location.file, f.rule_id) for f in result.findings)
    assert [
        ("app.py", "security:hardcoded-password"),
        ("app.py", "security:hardcoded-secret"),
    ] == rules  # deploy.sh is text: the engine hands it over only through file_patterns
    quiet = analyse(
        SecurityModule(), {"app.py": 'T = "ghp_' + "a" * 36 + '"\n'}, config={"secrets": False}
    )
    assert () == quiet.findings


def test_redaction_shows_a_short_prefix_and_a_stable_hash() -> None:
    assert redact("abcdefghijklmnopq").startswith("abcd…#")
    assert redact("abcdefgh").startswith("ab…#")
    assert redact("abc").startswith("…#")
    assert redact("same-secret-value") == redact("same-secret-value")
    assert redact("same-secret-value") != redact("same-secret-valuf")


@given(st.text(min_size=1, max_size=80))
def test_a_redacted_secret_never_contains_more_than_four_of_its_characters(secret: str) -> None:
    shown = redact(secret)
    prefix, _, digest = shown.partition("…#")
    assert secret.startswith(prefix)
    assert len(prefix) <= min(4, len(secret) // 4)
    assert 12 == len(digest)
    assert all(c in "0123456789abcdef" for c in digest)


_KEYWORD_PIECES = (
    *("pass", "word", "wd", "phrase", "pwd", "secret", "token", "api", "key", "access"),
    *("private", "auth", "credential", "signing", "client", "salt"),
)


@given(st.lists(st.sampled_from((*_KEYWORD_PIECES, "_", "-", "x", " ", "=\n")), max_size=30))
def test_keywords_found_by_first_letters_are_those_of_the_one_pattern(pieces: list[str]) -> None:
    """Keywords run into and overlap each other: "client_secret", "passwordpwd", "apikey"."""
    text = "".join(pieces)
    expected = [m.span() for m in re.finditer(_KEYWORD, text)]
    assert expected == [m.span() for m in _keywords(text)]


def test_shannon_entropy() -> None:
    assert 0.0 == shannon_entropy("")
    assert 0.0 == shannon_entropy("aaaa")
    assert 2.0 == shannon_entropy("abcd")


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@settings(max_examples=60, deadline=None)
@given(
    body=st.text(_ALPHABET, min_size=36, max_size=36),
    layout=st.sampled_from(
        ['TOKEN = "{s}"\n', "GITHUB_TOKEN={s}\n", '{{"token": "{s}"}}\n', "x = 1  # {s}\n"]
    ),
    path=st.sampled_from(["app.py", ".env", "config.json", "tests/test_x.py"]),
)
def test_a_canary_secret_never_appears_whole_in_any_finding(
    body: str, layout: str, path: str
) -> None:
    """Whatever the layout or file, findings carry the redacted form only."""
    canary = "ghp_" + body
    text = layout.format(s=canary)
    findings = _scan(text, path, test_code=path.startswith("tests/"))
    assert findings, text
    for finding in findings:
        shown = json.dumps(
            [finding.message, dict(finding.metadata), finding.anchor, str(finding.location)]
        )
        assert canary not in shown
        assert body not in shown


def test_a_keyword_assignment_naming_a_field_is_not_a_secret() -> None:
    text = (
        "password1_field_name=password1\n"
        "secret_label=client_secret_value\n"
        "password=S3cr3t-v4lue-x\n"
    )
    assert [3] == [line for _, line in _kinds(text)]
