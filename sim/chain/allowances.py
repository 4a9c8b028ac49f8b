"""What each chain-backed wallet has allowed the operator (the exchange's spender), for the CLOB's
allowance checks on every order.

A check reads the chain: an ``eth_call`` costs py-evm tens of milliseconds, so reading it for each
order of a batch on the server's loop stalled the whole venue. Once the chain's thread runs
(``sim.chain.thread``), the approvals are read there, after anything that can change them (a
transaction through the JSON-RPC route, a wallet funded, a sync, which ``GET
/balance-allowance/update`` asks for), and a check answers from what was read last. Before that
(tests driving the server step by step) a check reads the chain directly, as the venue's truth.
"""

from __future__ import annotations

from typing import Any

from sim.chain.thread import ChainThread

#: What an ERC-1155 approval for all counts as, in the venue's allowance answers.
MAX_UINT256 = 2**256 - 1


class Allowances:
    """The last approvals read per wallet (checksum address): collateral, CTF and Protocol V2."""

    def __init__(self, chain: Any, chain_thread: ChainThread) -> None:
        self.chain = chain
        self.chain_thread = chain_thread
        self._read: dict[str, tuple[int, bool, bool]] = {}
        self._wallets: dict[str, str] = {}  # lower-case -> checksum

    def read(self, wallet: str) -> None:
        """On the chain's thread: read the wallet's approvals of the operator and keep them."""
        chain = self.chain
        self._wallets[wallet.lower()] = wallet
        self._read[wallet.lower()] = (chain.collateral_allowance(wallet, chain.operator),
                                      chain.approved_for_all(wallet, chain.operator, False),
                                      chain.approved_for_all(wallet, chain.operator, True))  # fmt: skip

    def read_all(self) -> None:
        """On the chain's thread: every wallet seen so far (after a transaction of any of them)."""
        for wallet in list(self._wallets.values()):
            self.read(wallet)

    def of(self, wallet: str, asset_type: str) -> int:
        """The allowance the venue reports: collateral in micro-units, or all/none for tokens."""
        if not self.chain_thread.threaded:
            return self._live(wallet, asset_type)
        collateral, ctf, v2 = self._read.get(wallet.lower(), (0, False, False))
        if asset_type.startswith("CONDITIONAL"):  # CONDITIONAL-V2: the PositionManager's approval
            return MAX_UINT256 if (v2 if asset_type == "CONDITIONAL-V2" else ctf) else 0
        return collateral


    def _live(self, wallet: str, asset_type: str) -> int:
        chain = self.chain
        if asset_type.startswith("CONDITIONAL"):
            approved = chain.approved_for_all(wallet, chain.operator, asset_type == "CONDITIONAL-V2")
            return MAX_UINT256 if approved else 0
        allowance: int = chain.collateral_allowance(wallet, chain.operator)
        return allowance
