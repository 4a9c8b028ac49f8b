"""Before the first order: the venue must see our wallet's approvals (reference §8.2).

A live venue refuses a BUY without the collateral allowance and a SELL without the token approval
("not enough balance / allowance"); so does the emulator with its chain. The merger sends the
approvals at its start (``workers.merger.chain.ensure_exchange_approvals``); the executor waits
until the venue reports them, asking it to re-read the chain on each look, and only then places
anything. Both exchanges: the CTF Exchange V2 (collateral, CTF tokens) and ExchangeV3, which
Protocol V2 markets' orders settle on (collateral, and the PositionManager's tokens under
``CONDITIONAL-V2``); the merger sends ExchangeV3's last, so waiting only for the first would let a
V2 market's first order meet a missing allowance. The official SDK reads ExchangeV3's allowance from
the same answers (``COLLATERAL`` for a BUY, ``CONDITIONAL-V2`` for a SELL of a V2 position, the
spender's entry in ``allowances``: ``_internal/actions/orders/allowance.py``).
"""

from __future__ import annotations

from collections.abc import Mapping

from py_clob_client_v2.config import get_contract_config

from common.clob.client import AsyncClobClient
from common.clob.signing import EXCHANGE_V3
from common.runner import Context


def approved(allowances: Mapping[str, int], spender: str) -> bool:
    return any(k.lower() == spender.lower() and v > 0 for k, v in allowances.items()) or (
        set(allowances) == {""} and allowances[""] > 0  # the older single ``allowance`` field
    )


async def wait_for_allowances(ctx: Context, client: AsyncClobClient) -> bool:
    """True once collateral and tokens are approved for both exchanges; False when asked to stop."""
    settings = ctx.settings
    spender = get_contract_config(settings.venue.chain_id).exchange_v2
    signature_type = settings.wallet.signature_type
    warned = False
    while True:
        try:
            cash = await client.balance_allowance("COLLATERAL", signature_type=signature_type, refresh=True)
            tokens = await client.balance_allowance("CONDITIONAL", signature_type=signature_type, refresh=True)
            positions = await client.balance_allowance("CONDITIONAL-V2", signature_type=signature_type,
                                                       refresh=True)  # fmt: skip
            missing = [name for name, allowances, to in (
                ("collateral to the exchange", cash, spender), ("tokens to the exchange", tokens, spender),
                ("collateral to ExchangeV3", cash, EXCHANGE_V3), ("V2 positions to ExchangeV3", positions, EXCHANGE_V3),
            ) if not approved(allowances.allowances_micro, to)]  # fmt: skip
            if not missing:
                ctx.log.info("allowances_seen", spender=spender, exchange_v3=EXCHANGE_V3)
                return True
            problem = f"the venue reports no allowance yet for: {', '.join(missing)}"
        except Exception as exc:  # the venue busy or restarting: look again
            problem = repr(exc)[:200]
        if not warned:
            ctx.log.warning("allowances_missing", problem=problem,
                            hint="the merger approves the exchange at its start; it needs gas (POL)")  # fmt: skip
            warned = True
        if not await ctx.sleep(settings.executor.allowance_poll_s):
            return False
