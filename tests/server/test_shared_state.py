"""State several server processes must agree on lives in the database: start-up chores take
turns (migrations, bundled models), and the dashboard's cookie key is one key for every replica."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from fastapi.testclient import TestClient

from ombro_contract.paths import REPO_ROOT
from server.core.config import Settings
from server.core.db import make_engine, make_sessionmaker
from server.main import create_app
from server.web import dashboard_secret

from .conftest import PASSWORD, make_user

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_concurrent_migrations_take_turns(fresh_db_url, tmp_path):
    """Three processes migrating one empty database at once all succeed (without the start-up
    lock the later ones find half a schema and fail on CREATE TABLE)."""
    env = {**os.environ, "DATABASE_URL": fresh_db_url, "OMBRO_DATA_DIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-m", "server", "migrate"], cwd=REPO_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(3)]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], "\n".join(outputs)
    assert all("database at head" in out for out in outputs)


def settings_for(db_url: str, data_dir, **kw) -> Settings:
    return Settings(data_dir=data_dir, database_url=db_url, bundled_models=[],
                    cookie_secure=False, log_level="warning", **kw)


def test_a_form_from_one_replica_is_accepted_by_another(fresh_db_url, tmp_path):
    """The dashboard signs its CSRF cookie: with a key per replica, a login form served by
    replica A fails its CSRF check on replica B (403). The key is generated into the database."""
    app_a = create_app(settings_for(fresh_db_url, tmp_path / "a"))
    app_b = create_app(settings_for(fresh_db_url, tmp_path / "b"))
    with TestClient(app_a) as a, TestClient(app_b) as b:
        teacher = make_user(make_sessionmaker(make_engine(fresh_db_url)), "teacher")
        page = a.get("/login")
        b.cookies = a.cookies
        r = b.post("/login", data={"username": teacher.username, "password": PASSWORD,
                                   "csrf_token": CSRF_RE.search(page.text).group(1), "next": "/"},
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        assert dashboard_secret(app_a) == dashboard_secret(app_b)
        assert len(dashboard_secret(app_a)) >= 40
    assert not (tmp_path / "a" / "secret_key").exists()  # nothing per machine


def test_a_configured_or_legacy_key_wins(fresh_db_url, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "secret_key").write_text("key-a-single-server-generated-before\n")
    legacy = create_app(settings_for(fresh_db_url, tmp_path / "old"))
    fresh = create_app(settings_for(fresh_db_url, tmp_path / "new"))
    configured = create_app(settings_for(fresh_db_url, tmp_path / "new", secret_key="from-env"))
    with TestClient(legacy), TestClient(fresh):
        # The first start after an upgrade keeps the old key, so nobody is signed out, and a
        # replica added later (without the file) uses the same one.
        assert dashboard_secret(legacy) == "key-a-single-server-generated-before"
        assert dashboard_secret(fresh) == "key-a-single-server-generated-before"
    assert dashboard_secret(configured) == "from-env"
