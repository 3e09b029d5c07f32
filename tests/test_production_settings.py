"""Production settings (DEBUG off, as docker-compose runs the desk): `check --deploy` reports
nothing, and responses carry the security headers. Run in a subprocess, since settings are
read from the environment once, at start."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    var = tmp_path_factory.mktemp("prod")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "itsm.settings",
        "DEBUG": "false",
        "SECRET_KEY": "prod-test-" + "k" * 60,
        "ALLOWED_HOSTS": "desk.example.com",
        "DATABASE_URL": "sqlite:///" + str(var / "db.sqlite3"),
        "VAR_DIR": str(var),
        "STATIC_ROOT": str(var / "static"),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only (conftest)
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("SECURE_HSTS_SECONDS", None)
    return env


def run(env, code):
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=True,
    ).stdout  # fmt: skip


def test_check_deploy_reports_nothing(production_env):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_security_headers_with_production_settings(production_env):
    out = run(
        production_env,
        """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="desk.example.com")
plain = client.get("/api/v1/incidents/")
secure = client.get("/api/v1/incidents/", secure=True)
from django.conf import settings
print(json.dumps({
    "plain_status": plain.status_code, "plain_location": plain.get("Location", ""),
    "status": secure.status_code, "headers": dict(secure.headers.items()),
    "cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,
                settings.SESSION_COOKIE_HTTPONLY],
}))
""",
    )
    seen = json.loads(out.strip().splitlines()[-1])
    # plain HTTP is sent to HTTPS
    assert seen["plain_status"] == 301
    assert seen["plain_location"].startswith("https://desk.example.com/")
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert seen["status"] == 401  # the API itself answered, over HTTPS
    hsts = headers["strict-transport-security"]
    assert "max-age=31536000" in hsts
    assert "includeSubDomains" in hsts
    assert "preload" in hsts
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    directives = (
        part.strip().partition(" ") for part in headers["content-security-policy"].split(";")
    )
    csp = {name: value for name, _sep, value in directives}
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval: stored XSS cannot run
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    # style-src keeps 'unsafe-inline' (see the README: the printable review's <style> and
    # htmx's indicator styles); styles cannot run script.
    assert "'unsafe-inline'" not in csp["script-src"]
    assert seen["cookies"] == [True, True, True]
