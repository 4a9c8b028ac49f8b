"""The executor's one door to a venue: the live CLOB (signed orders over REST) or the paper venue.

The driver only sees this interface; ``prepare`` is synchronous (signing is ~150 µs) so that an
order's hash is recorded before anything is awaited, and every request method is one attempt (the
driver owns retries).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from common.clob.client import AsyncClobClient, CancelResult, OrderResult, PostOrder, Sent
from common.clob.signing import OrderSigner
from common.schemas.user import Fill, OrderEvent, UserTrade
from workers.executor.core import PlaceSpec, sign_spec

VenueEvent = Fill | OrderEvent


class Gateway(Protocol):
    #: The API key (owner) the venue's order events name for our orders.
    owner: str

    def prepare(self, spec: PlaceSpec, now_ms: int) -> tuple[str, Any]:
        """(order id, leg): the id is known before the POST."""

    async def post(self, legs: Sequence[Any], sent: Sent) -> list[OrderResult]:
        """One batch; ``sent`` stamped when the request leaves (never, if it did not)."""

    async def cancel(self, order_ids: Sequence[str], sent: Sent | None = None) -> CancelResult:
        """``sent`` stamped when the request leaves (never, if it did not)."""

    async def cancel_market(self, market: str) -> CancelResult: ...

    async def cancel_all(self) -> CancelResult: ...

    async def heartbeat(self, prev_id: str) -> str: ...

    async def sync_time(self) -> int:
        """Sign with the venue's clock from now on; returns its offset to ours in s."""

    async def snapshot(self, trades_after_s: int) -> tuple[list[OrderEvent], list[UserTrade]]: ...

    def take_events(self) -> list[VenueEvent]:
        """Order events and fills the venue produced (paper only; the user feed brings them live)."""

    async def aclose(self) -> None: ...


class LiveGateway:
    """Signs with ``OrderSigner`` (coincurve) and talks through ``AsyncClobClient``."""

    def __init__(self, client: AsyncClobClient, signer: OrderSigner) -> None:
        self._client = client
        self._signer = signer
        assert client.creds is not None
        self.owner = client.creds.api_key

    def __repr__(self) -> str:
        return f"LiveGateway({self._client!r})"

    def prepare(self, spec: PlaceSpec, now_ms: int) -> tuple[str, PostOrder]:
        leg = sign_spec(self._signer, spec, now_ms)
        return leg.order.order_id, leg

    async def post(self, legs: Sequence[PostOrder], sent: Sent) -> list[OrderResult]:
        return await self._client.post_orders(legs, sent)

    async def cancel(self, order_ids: Sequence[str], sent: Sent | None = None) -> CancelResult:
        return await self._client.cancel_orders(order_ids, sent)

    async def cancel_market(self, market: str) -> CancelResult:
        return await self._client.cancel_market_orders(condition_id=market)

    async def cancel_all(self) -> CancelResult:
        return await self._client.cancel_all()

    async def heartbeat(self, prev_id: str) -> str:
        return await self._client.heartbeat(prev_id)

    async def sync_time(self) -> int:
        return await self._client.sync_time()

    async def snapshot(self, trades_after_s: int) -> tuple[list[OrderEvent], list[UserTrade]]:
        open_orders = await self._client.open_orders()
        trades = await self._client.trades(after_s=trades_after_s)
        return open_orders, trades

    def take_events(self) -> list[VenueEvent]:
        return []

    async def aclose(self) -> None:
        await self._client.aclose()
