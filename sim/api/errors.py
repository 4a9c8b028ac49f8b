"""The venue's JSON error body: ``{"error": "<message>"}`` with an HTTP status."""

from __future__ import annotations

import json

from aiohttp import web


def json_error(
    status: int, message: str, headers: dict[str, str] | None = None, **extra: object
) -> web.HTTPException:
    body = json.dumps({"error": message, **extra})
    classes: dict[int, type[web.HTTPException]] = {
        400: web.HTTPBadRequest,
        401: web.HTTPUnauthorized,
        403: web.HTTPForbidden,
        404: web.HTTPNotFound,
        429: web.HTTPTooManyRequests,
        503: web.HTTPServiceUnavailable,
    }
    return classes[status](text=body, content_type="application/json", headers=headers)
