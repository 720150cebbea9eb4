"""The app ships without the server and the generator: a phone build has neither (buildozer.spec
excludes them), so an app module that imports one would only fail on the phone."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {"server", "training", "torch", "torchvision", "benchmarks", "tests", "fastapi",
               "sqlalchemy"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_app_module_imports_what_the_phone_build_leaves_out():
    offenders = {
        str(path.relative_to(REPO)): sorted(_imported_roots(path) & NOT_SHIPPED)
        for path in sorted((REPO / "app").rglob("*.py"))
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"app modules import packages the phone build excludes: {offenders}"


def test_buildozer_bundles_the_contract_and_the_lesson_assets_but_not_the_server():
    spec = configparser.ConfigParser()
    spec.read(REPO / "buildozer.spec")
    include = spec["app"]["source.include_patterns"].split(",")
    exclude_dirs = spec["app"]["source.exclude_dirs"].split(",")
    assert "ombro_contract/*" in include  # mastery, labels, preprocessing, the classifier
    assert not [p for p in include if p.startswith(("server", "training"))], include
    assert {"server", "training"} <= set(exclude_dirs)
    exts = spec["app"]["source.include_exts"].split(",")
    assert {"png", "json"} <= set(exts)  # reference silhouettes, part maps and hint tables
    assert any(p.startswith("app/assets/puppets/") and p.endswith(".json") for p in include), \
        "the part-map JSON files must ship with the app (see docs/app.md, shape feedback)"
