"""JSON as RFC 8259 defines it, for every JSON body the server accepts.

Python's `json.loads` is more permissive than the standard: it turns `NaN`, `Infinity` and
`1e999` into floats that no JSON encoder may write back (so even the 422 that reports them
crashes), it raises RecursionError on deeply nested arrays, and it lets `"\\u0000"` and lone
surrogates (`"\\ud800"`) through, which PostgreSQL and UTF-8 refuse to store. `loads_strict`
rejects all of these with `json.JSONDecodeError`, which FastAPI answers with a 422 naming the
problem, and `StrictJSONRoute` makes every API route parse its body this way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from .text import unstorable_reason

MAX_DEPTH = 32  # the deepest real body (a model card's metrics) nests 4 levels
MAX_INT_DIGITS = 64  # far beyond any id or count; Python refuses > 4300 digits with a ValueError


class StrictJSONError(json.JSONDecodeError):
    """A body that is not standard JSON, or not storable; `msg` says what to change."""

    def __init__(self, msg: str, doc: str = "", pos: int = 0):
        super().__init__(msg, doc, pos)


def _no_constant(name: str) -> Any:
    raise StrictJSONError(
        f"{name} is not a JSON number: send a finite number (or null where the field allows it)"
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise StrictJSONError(f"the number {text[:40]} is out of range: send a finite number")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise StrictJSONError(f"an integer with {len(text)} digits is out of range")
    return int(text)


def _check_tree(value: Any, max_depth: int) -> None:
    """Depth and text checks without recursion (the tree is untrusted)."""
    stack: list[tuple[Any, int, str]] = [(value, 0, "body")]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, str):
            problem = unstorable_reason(node)
            if problem:
                raise StrictJSONError(f"the text at {where} contains {problem}")
        elif isinstance(node, (dict, list)):
            if depth >= max_depth:
                raise StrictJSONError(
                    f"the JSON nests deeper than {max_depth} levels at {where}; flatten it"
                )
            if isinstance(node, dict):
                for key, item in node.items():
                    problem = unstorable_reason(key)
                    if problem:
                        raise StrictJSONError(f"a key in {where} contains {problem}")
                    stack.append((item, depth + 1, f"{where}.{key[:40]}"))
            else:
                stack.extend((item, depth + 1, f"{where}[{i}]") for i, item in enumerate(node))


def loads_strict(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse standard JSON; raises `json.JSONDecodeError` (a ValueError) for anything else."""
    try:
        value = json.loads(
            data,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except RecursionError:
        raise StrictJSONError(f"the JSON nests deeper than {max_depth} levels; flatten it") from None
    except UnicodeDecodeError as exc:
        raise StrictJSONError(f"the body is not UTF-8 ({exc.reason}): send UTF-8 JSON") from None
    _check_tree(value, max_depth)
    return value


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_strict(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """An API route whose JSON body goes through `loads_strict` (FastAPI's documented hook)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
