"""CSV cells and Content-Disposition headers, shared by the API and the dashboard exports."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from server.core.downloads import content_disposition, csv_safe


@pytest.mark.parametrize("text", ["=HYPERLINK(\"x\")", "+1", "-1-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(text):
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["Ana", "", "1-1", "a=b", "Zoë"])
def test_ordinary_cells_are_kept(text):
    assert csv_safe(text) == text


@pytest.mark.parametrize("name", ["ombro-班级-2026-05-01.csv", "ombro-4b.csv", 'a"b\\c;%.csv',
                                  "émoji-🐶.csv"])
def test_content_disposition_holds_any_name(name):
    value = content_disposition(name)
    value.encode("latin-1")  # what an HTTP header must be; raised for "班级" before the fix
    assert value.startswith('attachment; filename="')
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and not any(c in fallback for c in '"\\;%')
    assert unquote(value.split("filename*=UTF-8''", 1)[1]) == name
