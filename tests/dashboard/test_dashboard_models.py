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


def test_versions_show_real_photo_view_and_val_scores(client, demo_app, tmp_path):
    import json

    from ombro_contract.card import card_path_for

    ctx = demo_app.state.ctx
    scored, bare = tmp_path / "dash-scored-1.onnx", tmp_path / "dash-bare-1.onnx"
    make_tiny_model(scored, version="dash-scored-1")
    make_tiny_model(bare, version="dash-bare-1", seed=1)
    raw = json.loads(card_path_for(scored).read_text())
    raw["metrics"] = {"real_top1": 0.8, "real_top3": 0.9333, "val_top1": 0.9227,
                      "real_views": {"views": 48, "top1": 0.7528, "top3": 0.9417}}
    card_path_for(scored).write_text(json.dumps(raw))
    for path in (scored, bare):
        publish_file(ctx.store, ctx.factory, path, ctx.settings.max_model_bytes)

    login(client, MAINTAINER)
    page = client.get("/models").text
    assert "Over camera views" in page
    row = page.split('<th scope="row">dash-scored-1</th>', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[1:] == ["80.0% / 93.3%", "75.3% / 94.2%", "92.3%"]  # after the size
    bare_row = page.split('<th scope="row">dash-bare-1</th>', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">([^<]*)</td>', bare_row)[1:] == ["&ndash;"] * 3


def test_scores_tolerate_odd_cards():
    from server.web.routes.models import ModelScores, scores_of

    assert scores_of({}) == ModelScores()
    assert scores_of({"metrics": "nonsense"}) == ModelScores()
    odd = scores_of({"metrics": {"real_top1": "0.8", "real_top3": True, "real_views": [1, 2],
                                 "val_top1": 0.9}})
    assert odd == ModelScores(val_top1=0.9)
