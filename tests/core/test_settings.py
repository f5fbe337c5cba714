"""Production refuses insecure settings; development runs with its defaults."""

import os
import subprocess
import sys

import pytest


def _load_settings(**environ: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "MOTCUA_ENV"}}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-c", "import motcua.config.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"MOTCUA_ENV": "production"}, "SECRET_KEY"),
        ({"MOTCUA_ENV": "production", "SECRET_KEY": "x" * 50, "DEBUG": "true"}, "DEBUG"),
    ],
)
def test_production_refuses_default_secret_or_debug(environ, complaint):
    result = _load_settings(**environ)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_production_starts_with_a_real_secret(tmp_path):
    result = _load_settings(
        MOTCUA_ENV="production", SECRET_KEY="k" * 50, MOTCUA_DATA_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
