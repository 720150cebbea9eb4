"""Lesson pictures: written for all 15 puppets, and the committed copies the app ships."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from ombro_contract.labels import PUPPETS
from training.shadowgen.assets import (
    forearm_parts,
    part_table,
    reference_part_map,
    reference_silhouette,
)
from training.shadowgen.hints import GENERIC, HINTS, NO_HINT, hint_for
from training.shadowgen.parts import PARTS
from training.shadowgen.render import _labelled_parts, reference_sample
from training.synth import GENERATOR_VERSION, write_reference_assets

ASSETS = Path(__file__).resolve().parents[2] / "app" / "assets" / "puppets"

REPO = Path(__file__).resolve().parents[2]


def test_write_reference_assets_gives_pictures_part_map_and_hints_per_puppet(tmp_path):
    paths = write_reference_assets(tmp_path, "9.9.9")
    assert len(paths) == 4 * len(PUPPETS)
    table = json.loads((tmp_path / "dog_parts.json").read_text(encoding="utf-8"))
    assert table["generator_version"] == "9.9.9" and table["parts"] == list(PARTS)
    assert table["hints"]["jaw"]["missing"] == "Open the jaw: drop your little finger"
    for puppet in PUPPETS:
        sil = cv2.imread(str(tmp_path / f"{puppet}_silhouette.png"), cv2.IMREAD_GRAYSCALE)
        dark = (sil < 128).mean()
        assert 0.05 < dark < 0.7, f"{puppet} silhouette dark fraction {dark:.2f}"
        howto = cv2.imread(str(tmp_path / f"{puppet}_howto.png"))
        # Drawn hands are skin-coloured, not just a grey shadow.
        b, _g, r = (howto[..., i].astype(int) for i in range(3))
        assert ((r - b) > 40).mean() > 0.03, f"{puppet} how-to shows no drawn hand"


def test_docs_pictures_are_small_enough_for_git(tmp_path):
    from training.synth import write_docs_pictures

    sheet, overview, forms = write_docs_pictures(tmp_path)
    assert all(p.stat().st_size < 600_000 for p in (sheet, overview, forms))
    img = cv2.imread(str(sheet))
    assert img.shape[0] == 16 * 84  # 15 puppets and the none row
    assert cv2.imread(str(forms)).shape[0] == 15 * 120  # one row of forms per puppet


@pytest.mark.parametrize("puppet", PUPPETS)
def test_committed_app_assets_exist(puppet):
    folder = REPO / "app" / "assets" / "puppets"
    for suffix in ("silhouette", "howto", "parts"):
        path = folder / f"{puppet}_{suffix}.png"
        assert path.is_file(), f"missing {path}: run training/synth.py --assets {folder}"
        assert cv2.imread(str(path)) is not None
    assert (folder / f"{puppet}_parts.json").is_file()


@pytest.mark.parametrize("puppet", ["rabbit", "swan", "elephant"])
def test_part_map_is_the_silhouette_with_parts_and_the_forearm_runs_on(puppet):
    ids, (x, y, w, h) = reference_part_map(puppet)
    assert ids.dtype == np.uint8 and ids.shape == (h + 2 * y, w + 2 * x)
    assert ids.max() < len(PARTS)
    frame_shadow = ids[y:y + h, x:x + w] > 0
    sil = cv2.resize(reference_silhouette(puppet), (w, h), interpolation=cv2.INTER_AREA) < 128
    assert (frame_shadow == sil).mean() > 0.99  # the same shadow as the lesson picture
    # The forearm is drawn past the lesson frame's edge, where the picture cuts it off.
    outside = ids.copy()
    outside[y:y + h, x:x + w] = 0
    assert (outside > 0).sum() > 0.05 * (ids > 0).sum()


@pytest.mark.parametrize("puppet", PUPPETS)
def test_every_part_of_every_lesson_form_has_a_hint_for_children(puppet):
    _, labels = _labelled_parts(reference_sample(puppet))
    for part in {PARTS[i] for i in labels} - NO_HINT - forearm_parts(puppet):
        hint = HINTS[puppet].get(part)
        assert hint is not None, f"{puppet}: no hint written for its {part}"
        for text in (hint.missing, hint.extra):
            assert 10 <= len(text) <= 60, f"{puppet}/{part}: keep hints short: {text!r}"
            assert text[0].isupper() and not text.endswith("."), text
            assert "%" not in text and "region" not in text  # fingers, not geometry


def test_hints_fall_back_to_generic_sentences_and_arms_get_none():
    assert hint_for("rabbit", "ears") == HINTS["rabbit"]["ears"]
    assert hint_for("rabbit", "trunk") == GENERIC["trunk"]
    assert hint_for("dog", "arm") is None
    with pytest.raises(ValueError, match="unknown part"):
        hint_for("dog", "tail")


def test_parts_cast_by_a_forearm_alone_get_no_hint():
    assert forearm_parts("swan") == {"neck", "arm"} and forearm_parts("snake") == {"body"}
    ids, box = reference_part_map("swan")
    table = part_table("swan", ids, box)
    assert set(table["hints"]) == {"head", "beak", "wings"}  # a real arm goes on to the elbow
    assert table["hints"]["beak"]["missing"] == HINTS["swan"]["beak"].missing


@pytest.mark.parametrize("puppet", PUPPETS)
def test_committed_part_maps_and_hints_match_the_generator(puppet):
    """A changed pose or hint must reach the app: regenerate the assets with the command below."""
    fix = f"regenerate them: python training/synth.py --assets {ASSETS}"
    ids, box = reference_part_map(puppet)
    shipped = cv2.imread(str(ASSETS / f"{puppet}_parts.png"), cv2.IMREAD_UNCHANGED)
    assert shipped is not None and shipped.shape == ids.shape, fix
    assert (shipped == ids).mean() > 0.999, f"{puppet}_parts.png is stale: {fix}"
    table = json.loads((ASSETS / f"{puppet}_parts.json").read_text(encoding="utf-8"))
    assert table == part_table(puppet, ids, box, GENERATOR_VERSION), \
        f"{puppet}_parts.json is stale: {fix}"


def test_forms_sheet_puts_each_puppets_photo_silhouette_first(tmp_path):
    """`synth.py --forms PNG --photos DIR`: the photo, as the network sees it, beside every form."""
    from training.shadowgen.assets import write_forms_sheet
    from training.shadowgen.poses import FORMS
    from training.shadowgen.render import render_photo

    photos = tmp_path / "photos"
    photos.mkdir()
    dog = render_photo("dog", np.random.default_rng(0), 320).image
    cv2.imwrite(str(photos / "dog.png"), dog)
    plain = cv2.imread(str(write_forms_sheet(tmp_path / "plain.png", ("dog",), samples=1)))
    sheet = cv2.imread(str(write_forms_sheet(tmp_path / "with.png", ("dog", "cow"), samples=1,
                                             photos=photos)))
    assert sheet.shape[1] == plain.shape[1] + 240  # one more column
    rows = len(FORMS["dog"])
    assert sheet.shape[0] == (rows + len(FORMS["cow"])) * 180
    dog_cell = sheet[30:160, :240]
    assert (dog_cell < 60).any() and (dog_cell > 200).any()  # a black shadow on a white wall
    cow_cell = sheet[rows * 180 + 30:rows * 180 + 160, :240]
    assert np.abs(cow_cell.astype(int) - 200).max() <= 60  # grey: there is no cow photo


def test_forms_sheet_names_a_missing_photos_folder(tmp_path, capsys):
    from training.synth import main

    assert main(["--forms", str(tmp_path / "f.png"), "--classes", "dog",
                 "--photos", str(tmp_path / "nowhere")]) != 0
    assert "--photos" in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--forms", "--overview"])
def test_a_picture_name_without_an_image_extension_is_refused_with_one_to_use(tmp_path, capsys, flag):
    from training.synth import main

    with pytest.raises(SystemExit) as exit_:
        main([flag, str(tmp_path / "forms"), "--classes", "dog"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "ending in .png" in err and f"{flag} {tmp_path / 'forms.png'}" in err
    assert not list(tmp_path.iterdir())  # nothing drawn or written


def test_the_pose_table_in_the_docs_lists_every_form_as_the_code_draws_it():
    """docs/generator.md's pose table is where a newcomer reads which forms exist and where
    they come from; three shipped forms once went missing from it. One row per form, in
    order, with the form's name, number of hands and weight."""
    from training.shadowgen.poses import FORMS

    rows: dict[str, list[list[str]]] = {}
    puppet = None
    for line in (REPO / "docs" / "generator.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[1][:1].isdigit() and ". " in cells[1]:
            puppet = cells[0] or puppet
            rows.setdefault(puppet, []).append(cells)
    for name, forms in FORMS.items():
        table = rows.get(name, [])
        assert len(table) == len(forms), (
            f"docs/generator.md lists {len(table)} {name} forms, the code {len(forms)}")
        for k, (form, (_, title, hands, _, weight)) in enumerate(zip(forms, table), start=1):
            assert title.startswith(f"{k}. {form.name}"), (name, k, title, form.name)
            assert (int(hands), float(weight)) == (len(form.hands), form.weight), (name, k)
