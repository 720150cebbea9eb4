"""The maintainer page: versions and channels listed, promote and roll back through the forms."""

from __future__ import annotations

import re

from server.registry import current_version
from server.registry.storage import publish_file
from server.seed import MAINTAINER
from tests.model_factory import make_tiny_model

from .conftest import csrf_of, login


def channel_rows(html: str) -> list[tuple[str, str, str]]:
    if 'id="channels"' not in html:
        return []
    body = html.split('id="channels"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(
        r'<th scope="row">([\w-]+)</th>\s*<td>([\w-]+)</td>\s*<td>([\w.-]+)</td>', body
    )


def test_promote_and_rollback_from_the_models_page(client, demo_app, tmp_path):
    ctx = demo_app.state.ctx
    versions = ["dash-tiny-1", "dash-tiny-2"]
    for i, version in enumerate(versions):
        path = tmp_path / f"{version}.onnx"
        make_tiny_model(path, version=version, seed=i)
        publish_file(ctx.store, ctx.factory, path, ctx.settings.max_model_bytes)

    login(client, MAINTAINER)
    page = client.get("/models").text
    for version in versions:
        assert f'<th scope="row">{version}</th>' in page
    assert all(row[0] != "beta" for row in channel_rows(page))

    def post(url, **data):
        token = csrf_of(client.get("/models").text)
        return client.post(url, data={**data, "csrf_token": token})

    r = post("/models/promote", version="dash-tiny-1", channel="beta")
    assert "dash-tiny-1 is now live on beta" in r.text
    r = post("/models/promote", version="dash-tiny-2", channel="beta")
    assert ("beta", "mobilenet_v2", "dash-tiny-2") in channel_rows(r.text)
    with ctx.factory() as s:
        assert current_version(s, "beta", "mobilenet_v2").version == "dash-tiny-2"

    r = post("/models/channels/beta/rollback", arch="mobilenet_v2")
    assert "beta (mobilenet_v2) is back on dash-tiny-1" in r.text
    assert ("beta", "mobilenet_v2", "dash-tiny-1") in channel_rows(r.text)
    with ctx.factory() as s:
        assert current_version(s, "beta", "mobilenet_v2").version == "dash-tiny-1"

    # Nothing older to go back to: a clear message, and the channel is unchanged.
    r = post("/models/channels/beta/rollback", arch="mobilenet_v2")
    assert 'class="flash error"' in r.text and "Not rolled back" in r.text
    r = post("/models/promote", version="no-such-version", channel="beta")
    assert "Not promoted" in r.text
    with ctx.factory() as s:
        assert current_version(s, "beta", "mobilenet_v2").version == "dash-tiny-1"
