"""In-loop emulator app for async tests, with signing helpers built on the official client."""

from __future__ import annotations

import json
import random
import time
from typing import Any

from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from eth_account import Account
from py_clob_client_v2.clob_types import ApiCreds, CreateOrderOptions, OrderArgsV2, RequestArgs
from py_clob_client_v2.headers.headers import create_level_1_headers, create_level_2_headers
from py_clob_client_v2.order_builder.builder import OrderBuilder
from py_clob_client_v2.order_utils.model.order_data_v2 import order_to_json_v2
from py_clob_client_v2.signer import Signer

from sim.api import ApiSettings, add_clob_routes
from sim.exchange import Exchange, ExchangeConfig

from .server import market_spec


class Clock:
    def __init__(self) -> None:
        self.now_s = time.time()

    def __call__(self) -> float:
        return self.now_s


class Trader:
    """A wallet with API credentials, signing requests and orders as the official client does."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session
        self.signer = Signer(Account.create().key.hex(), 137)
        self.builder = OrderBuilder(self.signer)
        self.creds: ApiCreds | None = None

    async def create_key(self) -> ApiCreds:
        headers = create_level_1_headers(self.signer, timestamp=int(time.time()))
        async with self.session.post("/auth/api-key", headers=headers) as resp:
            body = await resp.json()
        self.creds = ApiCreds(body["apiKey"], body["secret"], body["passphrase"])
        return self.creds

    async def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any, Any]:
        assert self.creds is not None
        serialized = json.dumps(body, separators=(",", ":")) if body is not None else None
        args = RequestArgs(method=method, request_path=path, body=body, serialized_body=serialized)
        headers = create_level_2_headers(self.signer, self.creds, args, timestamp=int(time.time()))
        headers["Content-Type"] = "application/json"
        async with self.session.request(method, path, headers=headers, data=serialized, **kwargs) as resp:
            return resp.status, await resp.json(), resp.headers

    def signed(
        self,
        token_id: str,
        price: float,
        size: float,
        side: str = "BUY",
        order_type: str = "GTC",
        post_only: bool = False,
    ) -> dict[str, Any]:
        assert self.creds is not None
        order = self.builder.build_order(
            OrderArgsV2(token_id=token_id, price=price, size=size, side=side),
            CreateOrderOptions(tick_size="0.01", neg_risk=False),
        )
        return order_to_json_v2(order, self.creds.api_key, order_type, post_only)


async def start(
    config: ExchangeConfig | None = None, settings: ApiSettings | None = None, seed: int = 3
) -> tuple[TestServer, Exchange, Clock]:
    from aiohttp import web

    clock = Clock()
    exchange = Exchange(clock, random.Random(seed), config or ExchangeConfig())
    exchange.add_market(market_spec())
    app = web.Application()
    add_clob_routes(app, exchange, settings or ApiSettings())
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, exchange, clock
