"""The app's services against the real server: join, record offline, sync once, resend = duplicate."""

import uuid

from app.config import AppSettings
from app.services import AppServices
from tests.app.live_server import server_attempt_rows


def test_join_record_sync_and_resend_with_real_server(live_server, tmp_path):
    code = live_server.new_class("sync test")
    services = AppServices(tmp_path / "app", AppSettings(server_url=live_server.url))
    name = f"s{uuid.uuid4().hex[:8]}"
    services.signed_in(services.api.join(code, name, "student-pass-1", "Sam"))
    recorded = [
        services.record_attempt(puppet="dog", predicted="dog", confidence=0.91, hold_seconds=2.0,
                                passed=True, model_version="v-test", stars=3),
        services.record_attempt(puppet="swan", predicted="bird", confidence=0.2, hold_seconds=0.0,
                                passed=False, model_version="v-test"),
    ]
    assert services.sync_status().pending == 2
    report = services.sync_now()
    assert sorted(report.accepted) == sorted(a.id for a in recorded)
    assert services.sync_status().pending == 0

    # the reply was "lost": mark them unsynced locally and send again
    with services.queue._connect() as db:
        db.execute("UPDATE attempts SET synced_at = NULL")
    again = services.sync_now()
    assert again.accepted == [] and sorted(again.duplicates) == sorted(a.id for a in recorded)

    rows = server_attempt_rows(live_server, int(services.session.user_id))
    assert sorted(r[0] for r in rows) == sorted(a.id for a in recorded)
    progress = live_server.progress(services.session.access_token)
    assert progress["attempts"] == 2 and progress["passed"] == 1
    services.close()


def test_restart_keeps_sign_in_and_queue(live_server, tmp_path):
    code = live_server.new_class("restart test")
    first = AppServices(tmp_path / "app", AppSettings(server_url=live_server.url))
    first.signed_in(first.api.join(code, f"s{uuid.uuid4().hex[:8]}", "student-pass-1", ""))
    a = first.record_attempt(puppet="cow", predicted="cow", confidence=0.7, hold_seconds=2.0,
                             passed=True, model_version="v-test")
    first.close()  # the app is gone before it synced
    second = AppServices(tmp_path / "app", AppSettings(server_url=live_server.url))
    assert second.session is not None and second.sync_status().pending == 1
    assert second.sync_now().accepted == [a.id]
    second.close()
