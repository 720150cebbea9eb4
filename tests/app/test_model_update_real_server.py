"""The model updater against the real registry: manifest, download, verify, atomic swap."""

import shutil
import uuid

from app.config import AppSettings
from app.services import AppServices
from ombro_contract.card import card_path_for, load_verified, write_card


def test_app_downloads_promoted_model_and_uses_it(live_server, int8_model, tmp_path):
    version = f"app-test-{uuid.uuid4().hex[:8]}"
    model = tmp_path / "publish" / "mobilenet_v2.int8.onnx"
    model.parent.mkdir()
    shutil.copy(int8_model, model)
    write_card(model, load_verified(int8_model).model_copy(update={"version": version}))
    channel = f"app-{uuid.uuid4().hex[:6]}"  # its own channel: other tests keep the bundled model
    live_server.publish(model, channel)

    services = AppServices(tmp_path / "app", AppSettings(server_url=live_server.url,
                                                         model_channel=channel))
    code = live_server.new_class("updates")
    services.signed_in(services.api.join(code, f"u{uuid.uuid4().hex[:8]}", "student-pass-1", ""))
    result = services.check_model_update(current_version="bundled-old")
    assert result.status == "updated", result.message
    assert services.model_path() == result.path and result.path.name == "mobilenet_v2.int8.onnx"
    assert card_path_for(result.path).is_file()
    clf = services.load_classifier()
    assert clf.version == version
    assert services.check_model_update(clf.version).status == "up_to_date"


def test_guest_keeps_bundled_model_with_a_clear_reason(live_server, tmp_path):
    services = AppServices(tmp_path / "app", AppSettings(server_url=live_server.url))
    result = services.check_model_update(current_version=None)
    assert result.status == "skipped" and "sign in" in result.message
    assert services.model_path() == services.model_store().bundled
