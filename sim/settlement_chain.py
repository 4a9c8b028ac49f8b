"""The chain's side of settlement: the operator's transactions and the wallets' reads.

Everything here runs only in jobs on the server's chain thread (``sim.chain.thread``: ``LocalChain``
is not thread-safe), each given what it needs and handing back what it found; nothing here reads or
changes the exchange (the bridge, ``sim.settlement``, does that on the server's loop).
"""

from __future__ import annotations

import logging
from typing import Any

from sim.chain.allowances import Allowances
from sim.chain.protocol_v2 import market_id
from sim.settlement_owed import Owed, SettlementStats, by_contract

log = logging.getLogger("sim.settlement")

#: Gas limit of the operator's transactions; explicit, so py-evm skips its estimation runs.
SETTLE_GAS = 1_000_000
ZERO_COLLECTION = b"\x00" * 32
BINARY_PARTITION = [1, 2]

#: What a chain job settles: account id → (its wallet's checksum address, what it owes and is owed).
Batch = dict[str, tuple[str, Owed]]
#: Token id → (its market's condition id, whether the market is Protocol V2): the sets the operator may mint.
Markets = dict[str, tuple[bytes, bool]]


class ChainSettler:
    """Moves owed changes on chain as the operator, and reads wallets; counts into ``stats``."""

    def __init__(self, chain: Any, allowances: Allowances, stats: SettlementStats) -> None:
        self.chain = chain
        self.allowances = allowances
        self.stats = stats
        self._warned: set[str] = set()

    def fund(self, wallet: str, pusd_micro: int) -> None:
        """The faucet's credit on chain, and the wallet's (no) approvals."""
        self.chain.fund(wallet, pusd_micro)
        self.allowances.read(wallet)

    def settle(self, batch: Batch, markets: Markets) -> set[str]:
        """Settle each owed batch (each ``Owed`` keeps what did not settle); the accounts with a failed leg."""
        failed = set()
        for account_id, (wallet, owed) in batch.items():
            failures = self.stats.failed_transactions
            self._settle_account(wallet, owed, markets)
            if self.stats.failed_transactions > failures:
                failed.add(account_id)
        return failed

    def read(self, wallet: str, groups: list[list[str]]) -> tuple[int, dict[str, int]]:
        """The wallet's collateral and tokens (and its approvals, kept)."""
        held: dict[str, int] = {}
        for group in groups:
            ids = [int(t) for t in group]
            balances = self.chain.positions_contract(ids[0]).functions.balanceOfBatch([wallet] * len(ids), ids).call()
            held.update(zip(group, (int(b) for b in balances), strict=True))
        self.allowances.read(wallet)
        return self.chain.collateral_balance(wallet), held

    def _settle_account(self, wallet: str, owed: Owed, markets: Markets) -> None:
        """The legs of one account's owed changes; ``owed`` keeps what did not settle."""
        chain, operator = self.chain, self.chain.operator
        pay = chain.collateral.functions.transferFrom(wallet, operator, -owed.cash_micro)
        if owed.cash_micro < 0 and self._tx(pay):
            owed.cash_micro = 0
        for given in by_contract({t: -q for t, q in owed.tokens_micro.items() if q < 0}):
            if self._tx(chain.positions_contract(int(next(iter(given)))).functions.safeBatchTransferFrom(
                    wallet, operator, [int(t) for t in given], list(given.values()), b"")):
                for token in given:
                    owed.tokens_micro[token] = 0
        for received in by_contract({t: q for t, q in owed.tokens_micro.items() if q > 0}):
            for token, amount in received.items():
                shortfall = amount - chain.position_balance(operator, int(token))
                if shortfall > 0 and token in markets:
                    self._mint_full_sets(*markets[token], shortfall)
            if self._tx(chain.positions_contract(int(next(iter(received)))).functions.safeBatchTransferFrom(
                    operator, wallet, [int(t) for t in received], list(received.values()), b"")):
                for token in received:
                    owed.tokens_micro[token] = 0
        if owed.cash_micro > 0:
            shortfall = owed.cash_micro - chain.collateral_balance(operator)
            if shortfall > 0:
                self._tx(chain.collateral.functions.mint(operator, shortfall))
            if self._tx(chain.collateral.functions.transfer(wallet, owed.cash_micro)):
                owed.cash_micro = 0
        owed.tokens_micro = {t: q for t, q in owed.tokens_micro.items() if q}

    def _mint_full_sets(self, condition: bytes, protocol_v2: bool, amount_micro: int) -> None:
        """The operator's inventory of both outcomes grows by ``amount_micro`` (collateral it mints)."""
        chain = self.chain
        self._tx(chain.collateral.functions.mint(chain.operator, amount_micro))
        if protocol_v2:
            self._tx(chain.v2.router.functions.split(market_id(condition), amount_micro))
        else:
            self._tx(chain.ctf.functions.splitPosition(
                chain.collateral_address, ZERO_COLLECTION, condition, BINARY_PARTITION, amount_micro))

    def _tx(self, call: Any) -> bool:
        """One operator transaction, mined at once; False (logged) when it reverts."""
        self.stats.transactions += 1
        try:
            tx_hash = call.transact({"from": self.chain.operator, "gas": SETTLE_GAS})
            ok = int(self.chain.tester.get_transaction_receipt("0x" + bytes(tx_hash).hex())["status"]) == 1
        except Exception:  # eth-tester raises its own errors for malformed calls: still a failed leg
            log.debug("settlement transaction failed", exc_info=True)
            ok = False
        if not ok:
            self.stats.failed_transactions += 1
            # Retried every round until the wallet approves: say it once per kind of leg, not 4×/s.
            level = logging.DEBUG if call.fn_name in self._warned else logging.WARNING
            self._warned.add(call.fn_name)
            log.log(level, "settlement leg reverted (allowance or balance missing on chain?): %s", call.fn_name)
        return ok
