"""The settlement bridge on the emulator's HTTP server: ``GET /sim/chain`` and the balance refresh."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:  # the bridge module re-exports these routes: a runtime import would be a cycle
    from sim.settlement import SettlementBridge

CHAIN_INFO_PATH = "/sim/chain"
BALANCE_UPDATE_PATH = "/balance-allowance/update"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_settlement_routes(app: web.Application, bridge: SettlementBridge) -> None:
    """``GET /sim/chain``: where the chain's contracts are and who the operator (the spender) is."""

    async def chain_info(request: web.Request) -> web.Response:
        return web.json_response(bridge.chain_info())

    app.router.add_get(CHAIN_INFO_PATH, chain_info)


def balance_refresh_middleware(bridge: SettlementBridge, account_of_key: Callable[[str], str | None]) -> Any:
    """Before ``GET /balance-allowance/update`` answers, refresh the caller's account from the chain.

    ``account_of_key`` maps the request's API key to its account id (None when unknown); the
    handler itself still authenticates the request, and a refresh only ever moves the exchange
    toward the chain's truth, so refreshing before the check reveals and changes nothing.
    """

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == BALANCE_UPDATE_PATH:
            account_id = account_of_key(request.headers.get("POLY_API_KEY", ""))
            if account_id is not None:
                token = request.query.get("token_id", "")
                await bridge.sync_round(account_id, (token,) if token else ())
        return await handler(request)

    return middleware
