"""Gather what the doctor judges: the venue's answers for this wallet (read-only but for one
heartbeat, which arms the dead-man for this key: run the doctor before the executor, not beside it)."""

from __future__ import annotations

import time

from eth_account import Account
from py_clob_client_v2.config import get_contract_config

from common.clob.auth import ApiCreds
from common.clob.client import AsyncClobClient, HeartbeatMismatch
from common.clob.signing import EXCHANGE_V3
from common.clock import Clock
from common.config.settings import Settings
from common.doctor import checks
from common.doctor.checks import Check
from common.doctor.prices import price_transport
from common.errors import UpdownError, VenueError


def spenders(settings: Settings) -> tuple[str, ...]:
    """The exchange contracts that must be allowed to move our pUSD (reference §8.2): the CTF Exchange
    V2, its neg-risk twin and ExchangeV3 (Protocol V2 markets); the first two also our CTF tokens."""
    config = get_contract_config(settings.venue.chain_id)
    return (config.exchange_v2, config.neg_risk_exchange_v2, EXCHANGE_V3)


async def examine(settings: Settings, clock: Clock) -> list[Check]:
    """Every check: the wallet and the venue's answers, then the live price transport."""
    return [*await _venue(settings, clock), await price_transport(settings)]


async def _venue(settings: Settings, clock: Clock) -> list[Check]:
    w = settings.wallet
    signer: str | None = None
    key_error = ""
    if w.private_key is not None:
        try:
            signer = Account.from_key(w.private_key.get_secret_value()).address
        except (ValueError, TypeError) as exc:
            key_error = f"the private key does not parse ({type(exc).__name__})"
    results = [checks.wallet(signer, w.signature_type, w.funder, key_error)]
    creds = None
    if w.api_key and w.api_secret and w.api_passphrase:
        creds = ApiCreds(api_key=w.api_key.get_secret_value(), secret=w.api_secret, passphrase=w.api_passphrase)
    client = AsyncClobClient(settings.venue.clob_url, clock, address=signer or "0x" + "00" * 20, creds=creds)
    try:
        results.append(checks.clock(await _drift(client, clock)))
        # Sign with the venue's time from here, so a skewed clock fails its own check, not the rest.
        await client.sync_time()
        if creds is None or signer is None:
            results.append(checks.credentials(creds is not None, None))
            return results
        try:
            collateral = await client.balance_allowance("COLLATERAL", signature_type=w.signature_type)
        except VenueError as exc:
            results.append(checks.credentials(True, exc.status, exc.message))
            return results
        results.append(checks.credentials(True, 200))
        results.append(checks.collateral(collateral.balance_micro))
        results.append(checks.allowances("COLLATERAL", collateral.allowances_micro, spenders(settings)))
        tokens = await client.balance_allowance("CONDITIONAL", signature_type=w.signature_type)
        results.append(checks.allowances("CONDITIONAL", tokens.allowances_micro, spenders(settings)[:2]))
        # Protocol V2 markets' tokens (position ids) are approved to ExchangeV3 on the PositionManager.
        positions = await client.balance_allowance("CONDITIONAL-V2", signature_type=w.signature_type)
        results.append(checks.allowances("CONDITIONAL-V2", positions.allowances_micro, (EXCHANGE_V3,)))
        results.append(await _heartbeat(client))
        results.append(await _closed_only(client))
    finally:
        await client.aclose()
    return results


async def _drift(client: AsyncClobClient, clock: Clock) -> float:
    before = clock.now_ms()
    venue_s = await client.server_time()
    after = clock.now_ms()
    return ((before + after) / 2) / 1000 - venue_s


async def _heartbeat(client: AsyncClobClient) -> Check:
    """Arm (or continue) the chain, then time one chained heartbeat."""
    try:
        try:
            current = await client.heartbeat("")
        except HeartbeatMismatch as exc:
            current = exc.expected_id  # already armed (an earlier run, or an executor): chain on
        started = time.perf_counter()
        await client.heartbeat(current)
    except UpdownError as exc:
        return checks.heartbeat(None, str(exc))
    return checks.heartbeat((time.perf_counter() - started) * 1000)


async def _closed_only(client: AsyncClobClient) -> Check:
    try:
        return checks.closed_only(await client.closed_only())
    except UpdownError as exc:
        return checks.closed_only(None, str(exc))
