"""Read-only ``/sim/...`` views of the emulator's truth, for tests (loopback peers only)."""

from __future__ import annotations

from aiohttp import web

from sim.api.context import ctx
from sim.api.errors import json_error
from sim.exchange.orders import Order, Trade

LOOPBACK = ("127.0.0.1", "::1")


def _guard(request: web.Request) -> None:
    if ctx(request).settings.introspection_loopback_only and request.remote not in LOOPBACK:
        raise json_error(403, "introspection is loopback only")


def order_record(o: Order) -> dict[str, object]:
    return {
        "order_id": o.order_id,
        "owner": o.owner,
        "account_id": o.account_id,
        "market": o.market,
        "token_id": o.token_id,
        "side": o.side,
        "price_micro": o.price_micro,
        "original_size_micro": o.original_size_micro,
        "size_matched_micro": o.size_matched_micro,
        "status": o.status,
        "order_type": o.order_type,
        "post_only": o.post_only,
        "expiration_s": o.expiration_s,
        "created_ms": o.created_ms,
        "ended_ms": o.ended_ms,
        "associate_trades": o.associate_trades,
    }


def trade_record(t: Trade) -> dict[str, object]:
    return {
        "trade_id": t.trade_id,
        "market": t.market,
        "taker_order_id": t.taker_order_id,
        "taker_owner": t.taker_owner,
        "asset_id": t.asset_id,
        "side": t.side,
        "price_micro": t.price_micro,
        "size_micro": t.size_micro,
        "fee_micro": t.fee_micro,
        "status": t.status,
        "match_ms": t.match_ms,
        "transaction_hash": t.transaction_hash,
        "makers": [
            {
                "order_id": f.order_id,
                "owner": f.owner,
                "asset_id": f.asset_id,
                "side": f.side,
                "price_micro": f.price_micro,
                "matched_micro": f.matched_micro,
            }
            for f in t.makers
        ],
    }


async def orders(request: web.Request) -> web.Response:
    _guard(request)
    owner = request.query.get("api_key") or None
    return web.json_response({"orders": [order_record(o) for o in ctx(request).exchange.orders(owner)]})


async def trades(request: web.Request) -> web.Response:
    _guard(request)
    owner = request.query.get("api_key") or None
    return web.json_response({"trades": [trade_record(t) for t in ctx(request).exchange.trades(owner)]})


async def account(request: web.Request) -> web.Response:
    _guard(request)
    ex = ctx(request).exchange
    acct = ex.accounts.find_by_address(request.match_info["address"])
    if acct is None:
        raise json_error(404, "unknown account")
    rebates = {
        s.spec.condition_id: ex.accounts.rebate_estimate_micro(
            s.spec.condition_id, acct.account_id, s.spec.rebate_rate
        )
        for s in ex.markets()
    }
    return web.json_response(
        {
            "address": acct.address,
            "cash_micro": acct.cash_micro,
            "reserved_cash_micro": acct.reserved_cash_micro,
            "positions_micro": {t: n for t, n in acct.positions_micro.items() if n},
            "reserved_shares_micro": {t: n for t, n in acct.reserved_shares_micro.items() if n},
            "rebates_micro": {m: r for m, r in rebates.items() if r},
        }
    )


async def markets(request: web.Request) -> web.Response:
    _guard(request)
    ex = ctx(request).exchange
    return web.json_response(
        {
            "markets": [
                {
                    "condition_id": s.spec.condition_id,
                    "slug": s.spec.slug,
                    "series": s.spec.series,
                    "token_ids": list(s.spec.token_ids),
                    "tick_size_micro": s.tick_micro,
                    "accepting_orders": s.accepting,
                    "winner_index": s.winner_index,
                    "winning_token_id": s.spec.token_ids[s.winner_index]
                    if s.winner_index is not None
                    else None,
                    "taker_fees_micro": ex.accounts.taker_fees_micro.get(s.spec.condition_id, 0),
                }
                for s in ex.markets()
            ]
        }
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/sim/orders", orders),
        web.get("/sim/trades", trades),
        web.get("/sim/accounts/{address}", account),
        web.get("/sim/markets", markets),
    ]
