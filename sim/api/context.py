"""Shared state of the CLOB handlers, stored on the aiohttp application."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sim.api.eip712 import EXCHANGE_V2, EXCHANGE_V3, EXCHANGE_V3_DOMAIN_VERSION, NEG_RISK_EXCHANGE_V2, exchange_domain
from sim.api.errors import json_error
from sim.api.keys import ApiKeyStore
from sim.exchange import Exchange
from sim.exchange.ratelimit import BucketState, TokenBuckets


@dataclass(frozen=True)
class ApiSettings:
    """Settings of the REST and websocket surface."""

    #: Chain id the signatures must be made for (Polygon).
    chain_id: int = 137
    #: Largest allowed difference between a request's POLY_TIMESTAMP and the server clock, in s.
    auth_skew_s: int = 30
    #: Page size of ``/data/orders`` and ``/data/trades``.
    page_limit: int = 500
    #: Largest batch accepted by ``POST /orders``.
    batch_limit: int = 15
    #: Period of the exchange's time-driven work when this app drives it; None when the caller does.
    advance_interval_s: float | None = None
    #: Only loopback peers may read ``/sim/...``.
    introspection_loopback_only: bool = True
    exchange_address: str = EXCHANGE_V2
    neg_risk_exchange_address: str = NEG_RISK_EXCHANGE_V2
    #: ExchangeV3: the verifying contract of Protocol V2 markets' orders (domain version "3").
    exchange_v3_address: str = EXCHANGE_V3
    #: Refuse a BUY without the collateral allowance and a SELL without the token approval, as the
    #: venue does (chain-backed wallets only: nothing else has allowances).
    enforce_allowances: bool = True


@dataclass
class ClobContext:
    exchange: Exchange
    keys: ApiKeyStore
    settings: ApiSettings
    order_buckets: TokenBuckets
    cancel_buckets: TokenBuckets
    #: Exchange domain separators by (neg_risk, protocol_v2).
    domains: dict[tuple[bool, bool], bytes] = field(default_factory=dict)
    #: The market/user websocket hub (set when the routes are mounted).
    hub: Any = None
    #: With a chain: (address, asset type) -> the allowance the wallet gave the exchange on chain, or
    #: None for an account the chain does not back (then every allowance is reported as given).
    allowance_of: Any = None

    def __post_init__(self) -> None:
        s = self.settings
        self.domains = {
            (False, False): exchange_domain(s.chain_id, s.exchange_address),
            (True, False): exchange_domain(s.chain_id, s.neg_risk_exchange_address),
            (False, True): exchange_domain(s.chain_id, s.exchange_v3_address, EXCHANGE_V3_DOMAIN_VERSION),
            (True, True): exchange_domain(s.chain_id, s.exchange_v3_address, EXCHANGE_V3_DOMAIN_VERSION),
        }

    def now_s(self) -> float:
        """The venue's now (the exchange clock): what ``/time`` reports and POLY_TIMESTAMP is checked against."""
        return self.exchange.clock()

    def take(self, buckets: TokenBuckets, signer: str, cost: int) -> dict[str, str]:
        """Charge a signer's bucket; raises 429 when it is empty. Returns the rate-limit headers."""
        state = buckets.take(signer, cost)
        headers = rate_headers(state)
        if not state.allowed and self.exchange.config.rate_limits_enforced:
            raise json_error(429, "Too Many Requests", headers=headers)
        return headers


def rate_headers(state: BucketState) -> dict[str, str]:
    return {
        "Poly-RateLimit-Limit": str(state.limit),
        "Poly-RateLimit-Remaining": str(state.remaining),
        "Poly-RateLimit-Reset": str(state.reset_s),
    }


CTX: web.AppKey[ClobContext] = web.AppKey("clob_context", ClobContext)


def ctx(request: web.Request) -> ClobContext:
    return request.app[CTX]
