"""An exchange with one market whose token ids are the chain's position ids, a chain-backed wallet
account, a background counterparty, and the settlement bridge between the exchange and the chain."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass

from eth_account import Account

from sim.chain.local_chain import LocalChain
from sim.exchange import Exchange, ExchangeConfig, MarketSpec
from sim.settlement import BINARY_PARTITION, ZERO_COLLECTION, SettlementBridge

MAX_UINT256 = 2**256 - 1
#: What the faucet gives the wallet in these tests: 1,000 pUSD.
WALLET_PUSD_MICRO = 1_000_000_000
COUNTERPARTY = "sim-counterparty"


class ManualClock:
    def __init__(self, now_s: float = 1_767_200_000.0) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


@dataclass
class Venue:
    chain: LocalChain
    exchange: Exchange
    bridge: SettlementBridge
    clock: ManualClock
    question: bytes
    condition: bytes
    up: str
    down: str
    wallet: str
    account_id: str

    # --- the wallet's own chain calls (what the bot sends through web3) ---------------------------

    def approve_operator(self) -> None:
        c = self.chain
        c.collateral.functions.approve(c.operator, MAX_UINT256).transact({"from": self.wallet})
        c.ctf.functions.setApprovalForAll(c.operator, True).transact({"from": self.wallet})

    def merge(self, amount_micro: int) -> None:
        c = self.chain
        c.ctf.functions.mergePositions(c.collateral_address, ZERO_COLLECTION, self.condition, BINARY_PARTITION,
                                       amount_micro).transact({"from": self.wallet})

    def redeem(self) -> None:
        c = self.chain
        c.ctf.functions.redeemPositions(c.collateral_address, ZERO_COLLECTION, self.condition,
                                        BINARY_PARTITION).transact({"from": self.wallet})

    # --- trading and time --------------------------------------------------------------------------

    def order(self, account_id: str, token: str, side: str, price_micro: int, size_micro: int) -> dict[str, object]:
        result = self.exchange.submit_internal(account_id, token, side, price_micro, size_micro)
        assert result["success"], result
        return result

    def confirm_all(self) -> None:
        """Let every pending trade reach its final state, then settle what was confirmed."""
        self.clock.now_s += self.exchange.config.confirmed_delay_ms / 1000 + 1
        self.exchange.advance()
        self.bridge.settle()

    # --- the two records ---------------------------------------------------------------------------

    def exchange_view(self) -> tuple[int, int, int]:
        account = self.exchange.accounts.get(self.account_id)
        return account.cash_micro, account.positions_micro.get(self.up, 0), account.positions_micro.get(self.down, 0)

    def chain_view(self) -> tuple[int, int, int]:
        up, down = self.chain.outcome_balances(self.wallet, self.condition)
        return self.chain.collateral_balance(self.wallet), up, down


def new_venue(chain: LocalChain, config: ExchangeConfig | None = None) -> Venue:
    """A fresh market (its own condition) and a fresh wallet on a shared chain."""
    clock = ManualClock()
    exchange = Exchange(clock, random.Random(11), config or ExchangeConfig())
    bridge = SettlementBridge(exchange, chain)
    question = os.urandom(32)
    condition = chain.prepare_condition(question)
    up, down = (str(chain.position_id(condition, i)) for i in (0, 1))
    exchange.add_market(MarketSpec(
        slug="btc-updown-5m-1767200100", series="btc-5m", condition_id="0x" + condition.hex(),
        question_id="0x" + question.hex(), token_ids=(up, down), window_start_s=1_767_200_100,
        window_end_s=1_767_200_400))
    key = Account.create()
    wallet = chain.add_account(bytes(key.key))
    account_id = wallet.lower()
    exchange.ensure_account(account_id, wallet, WALLET_PUSD_MICRO)  # as POST /auth/api-key does
    exchange.ensure_account(COUNTERPARTY, "0x" + os.urandom(20).hex(), 10 * WALLET_PUSD_MICRO)
    exchange.adjust_position(COUNTERPARTY, up, 500_000_000)
    exchange.adjust_position(COUNTERPARTY, down, 500_000_000)
    return Venue(chain, exchange, bridge, clock, question, condition, up, down, wallet, account_id)
