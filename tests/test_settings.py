"""Settings fail at start with one clear line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROD = {
    "DEBUG": "false",
    "SECRET_KEY": "s" * 60,
    "ALLOWED_HOSTS": "desk.example.com",
    "DATABASE_URL": "sqlite:////tmp/itsm-settings-test.sqlite3",
}


def start(env_changes):
    env = {k: v for k, v in os.environ.items() if k not in PROD and not k.startswith("PYTEST")}
    env.update(env_changes)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_start_without_a_required_variable_names_it(missing):
    result = start({**PROD, missing: None})
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "Environment variable {v} is required".format(v=missing) in last_line


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "nosuchdb://x"), ("DEBUG", "perhaps"), ("AXES_FAILURE_LIMIT", "soon")],
)
def test_malformed_variable_is_named(variable, value):
    result = start({**PROD, variable: value})
    assert result.returncode != 0
    assert "Environment variable {v} is malformed".format(v=variable) in result.stderr


def test_production_settings_start_cleanly():
    result = start(PROD)
    assert result.returncode == 0, result.stderr
