"""Cash and outcome-token positions per account, with reservations for resting orders."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sim.exchange.orders import LedgerEntry


@dataclass
class Account:
    account_id: str
    address: str | None
    cash_micro: int = 0
    reserved_cash_micro: int = 0
    positions_micro: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reserved_shares_micro: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def available_cash_micro(self) -> int:
        return self.cash_micro - self.reserved_cash_micro

    def available_shares_micro(self, token_id: str) -> int:
        return self.positions_micro.get(token_id, 0) - self.reserved_shares_micro.get(token_id, 0)


class Accounts:
    def __init__(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._by_address: dict[str, str] = {}
        #: Sum of maker fee-equivalents per (condition id, account id): the rebate weights.
        self.fee_equivalents: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        #: Taker fees collected per condition id, in micro pUSD.
        self.taker_fees_micro: dict[str, int] = defaultdict(int)

    def ensure(
        self, account_id: str, address: str | None = None, pusd_micro: int = 0
    ) -> tuple[Account, bool]:
        """Create the account if new (crediting ``pusd_micro``); returns it and whether it was created."""
        account = self._accounts.get(account_id)
        if account is not None:
            return account, False
        account = Account(account_id=account_id, address=address, cash_micro=pusd_micro)
        self._accounts[account_id] = account
        if address:
            self._by_address[address.lower()] = account_id
        return account, True

    def get(self, account_id: str) -> Account:
        return self._accounts[account_id]

    def find(self, account_id: str) -> Account | None:
        return self._accounts.get(account_id)

    def find_by_address(self, address: str) -> Account | None:
        account_id = self._by_address.get(address.lower())
        return self._accounts.get(account_id) if account_id else None

    def all(self) -> list[Account]:
        return list(self._accounts.values())

    def apply(self, entry: LedgerEntry, sign: int = 1) -> None:
        account = self._accounts[entry.account_id]
        account.cash_micro += sign * entry.cash_delta_micro
        if entry.shares_delta_micro:
            account.positions_micro[entry.token_id] += sign * entry.shares_delta_micro

    def rebate_estimate_micro(self, market: str, account_id: str, rebate_rate: Decimal) -> int:
        """This account's share of the market's rebate pool, by fee-equivalent weight."""
        total = sum((v for (m, _), v in self.fee_equivalents.items() if m == market), Decimal(0))
        mine = self.fee_equivalents.get((market, account_id), Decimal(0))
        if not total:
            return 0
        pool = Decimal(self.taker_fees_micro.get(market, 0)) * rebate_rate
        return int(pool * mine / total)
