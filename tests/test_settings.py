"""Secure defaults (issue 13): DEBUG off and a generated secret unless told otherwise; `check --deploy` clean
with the production environment the README documents. Settings are read at start-up, so each case starts a
fresh interpreter with its own environment."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRINT = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY, s.SESSION_COOKIE_SECURE)"


def django(code_or_args, tmp_path, **env):
    """Run Python with parkgov's settings in `tmp_path`, the environment reduced to `env`."""
    base = {k: v for k, v in os.environ.items()  # the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for themselves
            if not k.startswith("PARKGOV_") and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    args = ["-c", f"import django; django.setup(); {code_or_args}"] if isinstance(code_or_args, str) else code_or_args
    return subprocess.run([sys.executable, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**base, "DJANGO_SETTINGS_MODULE": "parkgov.settings", **env})


def test_debug_is_off_and_the_secret_is_generated_once_beside_the_database(tmp_path):
    """issue 13: DEBUG was on and the secret key a known string unless an environment variable said otherwise."""
    env = {"PARKGOV_DATABASE_URL": f"sqlite:///{tmp_path}/data/zone.db"}
    first = django(PRINT, tmp_path, **env)
    assert first.returncode == 0, first.stderr
    debug, key, secure_cookie = first.stdout.split()
    assert (debug, secure_cookie) == ("False", "True")
    key_file = tmp_path / "data" / "zone.db.secret-key"
    assert key_file.read_text().strip() == key and len(key) >= 50 and "insecure" not in key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert django(PRINT, tmp_path, **env).stdout.split()[1] == key  # the same key on every start
    other = django(PRINT, tmp_path, PARKGOV_DATABASE_URL=f"sqlite:///{tmp_path}/other.db").stdout.split()[1]
    assert other != key


def test_a_secret_key_file_readable_by_others_is_refused(tmp_path):
    """issue 13: the key file must stay private to the service user."""
    key_file = tmp_path / "secret-key"
    key_file.write_text("k" * 60)
    key_file.chmod(0o644)
    result = django(PRINT, tmp_path, PARKGOV_SECRET_KEY_FILE=str(key_file))
    assert result.returncode != 0 and "chmod 600" in result.stderr


def test_development_mode_is_explicit(tmp_path):
    """issue 13: `make demo` sets PARKGOV_DEBUG=1 itself; only then is DEBUG on."""
    assert django(PRINT, tmp_path, PARKGOV_DEBUG="1").stdout.split()[::2] == ["True", "False"]
    assert re.search(r"^demo: export PARKGOV_DEBUG = 1$", (ROOT / "Makefile").read_text(), re.M)


def production_env(tmp_path) -> dict:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- production-env")[1].split("<!-- /production-env -->")[0]
    env = dict(re.findall(r"^export (PARKGOV_[A-Z_]+)=(\S+)$", block, re.M))
    assert {"PARKGOV_ALLOWED_HOSTS", "PARKGOV_SSL_REDIRECT", "PARKGOV_SECRET_KEY_FILE"} <= set(env)
    return {**env, "PARKGOV_SECRET_KEY_FILE": str(tmp_path / "secret-key")}


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    """issue 13: `manage.py check --deploy` passes for `parkgov serve` behind the README's HTTPS settings."""
    result = django([str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                    **production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout


def test_the_content_security_policy_allows_the_configured_base_map_host(tmp_path):
    """issue 13: with a base map configured its tiles pass the CSP; nothing else from another host."""
    code = "from django.conf import settings as s; d = s.CONTENT_SECURITY_POLICY['DIRECTIVES']; " \
           "print(d['img-src'], d['connect-src'], d['script-src'])"
    result = django(code, tmp_path, PARKGOV_TILE_URL="https://t0.tianditu.gov.cn/img_w/wmts?tk=KEY&z={z}&x={x}&y={y}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("'https://t0.tianditu.gov.cn'") == 2 and "tianditu" not in result.stdout.split("]")[2]
    assert "tianditu" not in django(code, tmp_path).stdout
