"""An async JSON-over-HTTP client with the retry predicate, backoff with jitter, and a deadline."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from common.errors import NetworkError, UnknownOutcome, is_retryable, venue_error
from common.retry import Backoff


@dataclass(frozen=True)
class HttpConfig:
    base_url: str
    timeout_s: float = 5.0
    #: Attempts per request, the first included.
    max_attempts: int = 5
    backoff_initial_ms: int = 200
    backoff_max_ms: int = 5_000


class JsonClient:
    """GETs with retries for idempotent reads (Gamma, books, market info)."""

    def __init__(self, cfg: HttpConfig, *, rng: random.Random | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 loads: Callable[[bytes], Any] | None = None) -> None:  # fmt: skip
        self._cfg = cfg
        #: Body decoder; venue parsers want numbers as Decimal, never binary floats.
        self._loads = loads
        self._rng = rng or random.Random()
        self._http = httpx.AsyncClient(base_url=cfg.base_url, timeout=cfg.timeout_s, transport=transport)
        self.retries = 0

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        backoff = Backoff(self._cfg.backoff_initial_ms, self._cfg.backoff_max_ms, self._rng)
        for attempt in range(1, self._cfg.max_attempts + 1):
            try:
                return await self._get_once(path, params)
            except Exception as exc:
                if not is_retryable(exc) or attempt == self._cfg.max_attempts:
                    raise
                wait = getattr(exc, "retry_after_s", None) or backoff.next_delay_s()
                self.retries += 1
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def _get_once(self, path: str, params: dict[str, Any] | None) -> Any:
        try:
            response = await self._http.get(path, params=params)
        except httpx.ConnectError as exc:
            raise NetworkError(f"GET {path}: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise UnknownOutcome(f"GET {path}: {exc!r}") from exc
        if response.status_code >= 400:
            raise venue_error(response.status_code, _message(response), _retry_after(response))
        return self._loads(response.content) if self._loads else response.json()


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value else None
    except ValueError:
        return None
