"""Strict JSON parsing and JSON-safe error echoes, without HTTP."""

from __future__ import annotations

import json
import math

import pytest
from fastapi.exceptions import RequestValidationError

from server.api.errors import json_safe, validation_errors
from server.core.strict_json import MAX_DEPTH, loads_strict


@pytest.mark.parametrize(
    "text, fragment",
    [
        ('{"join_code": NaN}', "NaN is not a JSON number"),
        ('[Infinity]', "Infinity is not a JSON number"),
        ('[-Infinity]', "-Infinity is not a JSON number"),
        ('{"confidence": 1e999}', "out of range"),
        ('{"confidence": -1e400}', "out of range"),
        ("[" + "9" * 5000 + "]", "5000 digits"),
        ("[" * 100_000 + "]" * 100_000, "nests deeper"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "nests deeper"),
        ('{"name": "a\\u0000b"}', "NUL"),
        ('{"name": "\\ud800"}', "unpaired surrogate"),
        ('{"\\udfff": 1}', "unpaired surrogate"),
        (b'{"name": "\xff"}', "UTF-8"),
    ],
    ids=["nan", "inf", "-inf", "1e999", "-1e400", "5000-digit-int", "100k-deep", "33-deep",
         "nul", "lone-surrogate", "surrogate-key", "latin-1-bytes"],
)
def test_nonstandard_json_is_a_decode_error(text, fragment):
    with pytest.raises(json.JSONDecodeError) as info:
        loads_strict(text)
    assert fragment in info.value.msg


def test_standard_json_parses_as_usual():
    text = '{"a": [1, -2.5e3, true, null, "d\\u00e9j\\u00e0 \\ud83d\\udc36"], "b": {"c": 1e308}}'
    assert loads_strict(text) == json.loads(text)
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads_strict(deepest) == json.loads(deepest)


def test_error_echoes_are_always_json():
    nested: list = []
    for _ in range(5000):
        nested = [nested]
    exc = RequestValidationError([
        {"type": "t", "loc": ("body", "x"), "msg": "m", "input": math.nan,
         "ctx": {"error": ValueError("boom")}},
        {"type": "t", "loc": ("body", "y"), "msg": "m", "input": b"\xff\x00"},
        {"type": "t", "loc": ("body", "z"), "msg": "m", "input": nested},
        {"type": "t", "loc": ("body", "w"), "msg": "m", "input": "\ud800" + "x" * 10_000},
    ])
    text = json.dumps(validation_errors(exc), allow_nan=False)  # raised before the fix
    assert len(text) < 5000
    assert json_safe(math.inf) == "inf" and json_safe(2**70) == str(2**70)[:40]
