import json
import shutil

import httpx
import pytest

from app.model_updater import ModelStore, ModelUpdater
from ombro_contract.card import card_path_for, sha256_file


class FakeRegistry:
    """GET /models/latest and /models/{v}/download with Range, like the server's registry."""

    def __init__(self, onnx_path, version="v2"):
        self.blob = onnx_path.read_bytes()
        card = json.loads(card_path_for(onnx_path).read_text())
        card["version"] = version
        self.manifest = {
            "version": version, "arch": "mobilenet_v2", "quantization": card["quantization"],
            "sha256": sha256_file(onnx_path), "size_bytes": len(self.blob),
            "download_url": f"/api/v1/models/{version}/download", "card": card,
        }
        self.ranges = []
        self.down = False

    def handler(self, request):
        if self.down:
            raise httpx.ConnectError("offline", request=request)
        if request.url.path == "/api/v1/models/latest":
            return httpx.Response(200, json=self.manifest)
        if request.url.path.endswith("/download"):
            rng = request.headers.get("range")
            self.ranges.append(rng)
            if rng:
                start = int(rng.split("=")[1].rstrip("-"))
                return httpx.Response(206, content=self.blob[start:])
            return httpx.Response(200, content=self.blob)
        return httpx.Response(404, json={"detail": "no"})

    def client(self):
        return httpx.Client(base_url="http://ombro.test", transport=httpx.MockTransport(self.handler))


@pytest.fixture
def store(tmp_path, fp32_model):
    bundled = tmp_path / "bundled" / fp32_model.name
    bundled.parent.mkdir()
    shutil.copy(fp32_model, bundled)
    shutil.copy(card_path_for(fp32_model), card_path_for(bundled))
    return ModelStore(tmp_path / "downloads", bundled)


def updater(store, reg, **kw):
    return ModelUpdater(store, reg.client(), quantization="fp32", **kw)


def test_update_downloads_verifies_and_activates(store, fp32_model):
    reg = FakeRegistry(fp32_model, version="v2")
    assert store.active_path() == store.bundled
    result = updater(store, reg).check_and_update(current_version="v1")
    assert result.status == "updated", result.message
    assert store.active_path() == result.path and store.active_version() == "v2"
    assert sha256_file(result.path) == reg.manifest["sha256"]
    again = updater(store, reg).check_and_update(current_version=store.active_version())
    assert again.status == "up_to_date"


def test_checksum_mismatch_is_refused_and_bundled_stays(store, fp32_model):
    reg = FakeRegistry(fp32_model)
    reg.manifest["sha256"] = "0" * 64
    result = updater(store, reg).check_and_update("v1")
    assert result.status == "failed" and "sha256" in result.message
    assert store.active_path() == store.bundled
    assert not list(store.root.rglob("*.part"))  # a corrupt partial is not kept for resume


def test_card_for_another_label_list_is_refused(store, fp32_model):
    reg = FakeRegistry(fp32_model)
    reg.manifest["card"]["classes"] = list(reversed(reg.manifest["card"]["classes"]))
    result = updater(store, reg).check_and_update("v1")
    assert result.status == "failed" and "classes" in result.message
    assert store.active_path() == store.bundled


def test_model_that_does_not_load_is_refused(store, fp32_model):
    def probe(path):
        raise RuntimeError("session creation failed")

    result = updater(store, FakeRegistry(fp32_model), probe=probe).check_and_update("v1")
    assert result.status == "failed" and "does not load" in result.message
    assert store.active_path() == store.bundled


def test_offline_keeps_current_model(store, fp32_model):
    reg = FakeRegistry(fp32_model)
    reg.down = True
    assert updater(store, reg).check_and_update("v1").status == "offline"
    assert store.active_path() == store.bundled


def test_wrong_quantization_is_skipped(store, fp32_model):
    reg = FakeRegistry(fp32_model)
    result = ModelUpdater(store, reg.client(), quantization="int8").check_and_update("v1")
    assert result.status == "skipped" and "int8" in result.message


def test_interrupted_download_resumes_with_range(store, fp32_model):
    reg = FakeRegistry(fp32_model, version="v3")
    part = store.root / "v3" / "mobilenet_v2.onnx.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(reg.blob[:1000])
    result = updater(store, reg).check_and_update("v1")
    assert result.status == "updated", result.message
    assert reg.ranges == ["bytes=1000-"]


def test_corrupted_active_download_falls_back_to_bundled(store, fp32_model):
    result = updater(store, FakeRegistry(fp32_model)).check_and_update("v1")
    with open(result.path, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00" * 16)
    assert store.active_path() == store.bundled
    store.active_file.write_text("{not json")
    assert store.active_path() == store.bundled


class RedirectingRegistry(FakeRegistry):
    """A registry whose downloads answer 307 to a presigned object-store URL, like a server with
    OMBRO_MODEL_DOWNLOAD_REDIRECT; the store serves Range and wants no bearer token."""

    def __init__(self, onnx_path, version="v2", store_url="https://store.example/models/m.onnx"):
        super().__init__(onnx_path, version)
        self.store_url = store_url
        self.store_requests = []
        self.served = self.blob

    def handler(self, request):
        if request.url.path.endswith("/download"):
            assert request.headers["authorization"] == "Bearer tok"
            return httpx.Response(307, headers={"Location": f"{self.store_url}?X-Amz-Signature=s"})
        if request.url.params.get("X-Amz-Signature"):
            self.store_requests.append(dict(request.headers))
            if "authorization" in request.headers:  # what S3 answers to two kinds of auth
                return httpx.Response(400, text="Only one auth mechanism allowed")
            rng = request.headers.get("range")
            start = int(rng.split("=")[1].rstrip("-")) if rng else 0
            return httpx.Response(206 if rng else 200, content=self.served[start:])
        return super().handler(request)


@pytest.mark.parametrize("store_url", ["https://store.example/models/m.onnx",
                                       "http://ombro.test/ombro-models/m.onnx"])
def test_redirect_to_object_store_is_followed_without_the_token(store, fp32_model, store_url):
    """Cross-origin (a bucket) and same-origin (a bucket behind the same proxy) alike."""
    reg = RedirectingRegistry(fp32_model, version="v4", store_url=store_url)
    part = store.root / "v4" / "mobilenet_v2.onnx.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(reg.blob[:1000])
    result = updater(store, reg, token="tok").check_and_update("v1")
    assert result.status == "updated", result.message
    assert store.active_version() == "v4" and sha256_file(result.path) == reg.manifest["sha256"]
    (sent,) = reg.store_requests
    assert "authorization" not in sent and sent["range"] == "bytes=1000-"


def test_redirected_download_is_still_checked(store, fp32_model):
    reg = RedirectingRegistry(fp32_model, version="v5")
    reg.served = reg.blob[:-10] + b"\x00" * 10  # the bucket holds something else
    result = updater(store, reg, token="tok").check_and_update("v1")
    assert result.status == "failed" and "sha256" in result.message
    assert store.active_path() == store.bundled
