"""The emulator's chain: py-evm through eth-tester, running the real ConditionalTokens bytecode.

One ERC-20 collateral stands in for pUSD (raw units are micro-pUSD, see ``artifacts``) and is also
the collateral of every position id, so the CTF can be called directly with it: the emulator has no
collateral adapter and no USDC.e/pUSD split (the §8.3 pitfall of the live chain does not arise).

The operator account (eth-tester's first funded account) deploys both contracts, is the oracle of
every condition (``prepareCondition(operator, questionId, 2)``, ``reportPayouts``) and is the ERC-20
minter. Full sets are minted by the operator: it mints itself collateral, splits, and sends both
positions to the buyer with ``safeBatchTransferFrom``, which is what the venue's exchange does when
it matches a BUY Up with a BUY Down; the buyer needs no ETH, approval or collateral on chain, and
the collateral stays locked in the CTF as on Polygon.

Every method is synchronous, mines its transaction at once (eth-tester auto-mines) and is not
thread-safe: call it from one thread (the emulator's event loop). Chain id 137 by default, so the
bot's live code paths (EIP-155 signatures, chain-id checks) are exercised unchanged.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_tester import EthereumTester, PyEVMBackend
from eth_utils import to_checksum_address
from web3 import Web3
from web3.providers.eth_tester import EthereumTesterProvider

from sim.chain import artifacts, ids
from sim.chain.gas import two_run_gas_estimate
from sim.chain.protocol_v2 import ProtocolV2, is_v2_token
from sim.chain.protocol_v2 import position_id as v2_position_id

#: Polygon's chain id: signed transactions of the bot are exactly the live ones.
DEFAULT_CHAIN_ID = 137
#: ETH (wei) given with every ``fund`` so the account can pay gas for its own merges and redeems.
DEFAULT_GAS_FUND_WEI = 10 * 10**18
#: Latencies kept for ``tx_latencies_ms`` (the most recent ones).
LATENCY_SAMPLES_KEPT = 1024
ZERO_BYTES32 = b"\x00" * 32
BINARY_OUTCOME_SLOTS = 2


class LocalChain:
    """A local EVM with the collateral and ConditionalTokens deployed, driven by an operator."""

    def __init__(self, chain_id: int = DEFAULT_CHAIN_ID, artifacts_dir: Path | None = None) -> None:
        ctf_artifact = artifacts.load_artifact(artifacts.CTF, artifacts_dir)
        erc20_artifact = artifacts.load_artifact(artifacts.COLLATERAL, artifacts_dir)
        backend = PyEVMBackend()
        # eth-tester hard-codes its chain id on a class built per backend; py-evm reads it at every
        # VM construction, so setting it here changes what signatures and CHAINID see.
        type(backend.chain).chain_id = chain_id
        backend.chain.gas_estimator = two_run_gas_estimate
        self.chain_id = chain_id
        self.tester = EthereumTester(backend)
        self._w3 = Web3(EthereumTesterProvider(self.tester))
        self.operator: str = self.tester.get_accounts()[0]
        self._w3.eth.default_account = self.operator
        self._latencies_ms: deque[float] = deque(maxlen=LATENCY_SAMPLES_KEPT)
        self.collateral = self._deploy(erc20_artifact, "Polymarket USD (emulated)", "pUSD")
        self.ctf = self._deploy(ctf_artifact)
        self.collateral_address: str = self.collateral.address
        self.ctf_address: str = self.ctf.address
        self._transact(self.collateral.functions.approve(self.ctf_address, 2**256 - 1))
        #: Protocol V2 markets' Router and PositionManager (the emulator's stand-ins).
        self.v2 = ProtocolV2(self)

    # --- accounts and money -------------------------------------------------------------------

    def new_account(self, gas_wei: int = DEFAULT_GAS_FUND_WEI) -> tuple[str, bytes]:
        """A fresh account the chain can sign for (address, private key), with ETH for its gas."""
        account = Account.create()
        address = self.add_account(bytes(account.key))
        self.fund(address, 0, gas_wei)
        return address, bytes(account.key)

    def add_account(self, private_key: bytes) -> str:
        """Let the chain sign for ``private_key`` (e.g. a background trader settling a trade)."""
        address = to_checksum_address(Account.from_key(private_key).address)
        if address not in self.tester.get_accounts():
            self.tester.add_account("0x" + private_key.hex())
        return address

    def fund(self, address: str, amount_micro: int, gas_wei: int = DEFAULT_GAS_FUND_WEI) -> None:
        """Mint ``amount_micro`` collateral to ``address`` and give it ETH for gas."""
        if amount_micro:
            self._transact(self.collateral.functions.mint(address, amount_micro))
        if gas_wei:
            self._timed(
                lambda: self.tester.send_transaction(
                    {"from": self.operator, "to": address, "value": gas_wei, "gas": 21_000}
                )
            )

    def transfer_collateral(self, from_: str, to: str, amount_micro: int) -> None:
        self._transact(self.collateral.functions.transfer(to, amount_micro), sender=from_)

    # --- conditions --------------------------------------------------------------------------

    def condition_id(self, question_id: bytes) -> bytes:
        return ids.condition_id(self.operator, question_id, BINARY_OUTCOME_SLOTS)

    def prepare_market(self, question_id: bytes, condition_id: bytes, protocol_v2: bool) -> None:
        """Prepare a window's market: a CTF condition, or a V2 market on the Router."""
        if protocol_v2:
            self.v2.prepare_market(condition_id)
        else:
            self.prepare_condition(question_id)

    def resolve_market(self, question_id: bytes, condition_id: bytes, protocol_v2: bool, winning_index: int) -> None:
        if protocol_v2:
            self.v2.report_payouts(condition_id, winning_index)
        else:
            self.report_payouts(question_id, winning_index)

    def prepare_condition(self, question_id: bytes) -> bytes:
        """Prepare a binary condition with the operator as oracle; returns its condition id."""
        self._transact(self.ctf.functions.prepareCondition(self.operator, question_id, BINARY_OUTCOME_SLOTS))
        return self.condition_id(question_id)

    def report_payouts(self, question_id: bytes, winning_index: int) -> None:
        """Resolve: ``[1, 0]`` when outcome 0 (Up) wins, ``[0, 1]`` when outcome 1 (Down) wins."""
        payouts = [1, 0] if winning_index == 0 else [0, 1]
        self._transact(self.ctf.functions.reportPayouts(question_id, payouts))

    def payouts(self, condition_id: bytes) -> tuple[tuple[int, ...], int]:
        """(payout numerators, denominator); the denominator is 0 until resolution."""
        den: int = self.ctf.functions.payoutDenominator(condition_id).call()
        nums = tuple(
            int(self.ctf.functions.payoutNumerators(condition_id, i).call()) for i in range(BINARY_OUTCOME_SLOTS)
        )
        return nums, den

    # --- positions ---------------------------------------------------------------------------

    def position_id(self, condition_id: bytes, outcome_index: int, protocol_v2: bool = False) -> int:
        if protocol_v2:
            return v2_position_id(condition_id, outcome_index)
        return ids.outcome_position_id(self.collateral_address, condition_id, outcome_index)

    def positions_contract(self, token_id: int) -> Any:
        """The ERC-1155 holding ``token_id``: the PositionManager for V2 position ids, else the CTF."""
        return self.v2.position_manager if is_v2_token(token_id) else self.ctf

    def split(self, condition_id: bytes, amount_micro: int, protocol_v2: bool = False) -> None:
        """The operator mints ``amount_micro`` collateral and splits it into as many full sets."""
        self._transact(self.collateral.functions.mint(self.operator, amount_micro))
        if protocol_v2:
            self.v2.split(condition_id, amount_micro)
            return
        self._transact(
            self.ctf.functions.splitPosition(
                self.collateral_address, ZERO_BYTES32, condition_id, list(ids.BINARY_INDEX_SETS), amount_micro
            )
        )

    def mint_full_sets(self, to: str, condition_id: bytes, amount_micro: int, protocol_v2: bool = False) -> None:
        """Give ``to`` ``amount_micro`` of both outcomes, backed by collateral the operator mints."""
        self.split(condition_id, amount_micro, protocol_v2)
        position_ids = [self.position_id(condition_id, i, protocol_v2) for i in range(BINARY_OUTCOME_SLOTS)]
        self._transact(
            self.positions_contract(position_ids[0]).functions.safeBatchTransferFrom(
                self.operator, to, position_ids, [amount_micro] * BINARY_OUTCOME_SLOTS, b""
            )
        )

    def transfer_position(self, from_: str, to: str, position_id: int, amount_micro: int) -> None:
        """Move outcome tokens between two accounts; ``from_`` must be one the chain signs for."""
        positions = self.positions_contract(position_id)
        self._transact(positions.functions.safeTransferFrom(from_, to, position_id, amount_micro, b""), sender=from_)

    # --- reads -------------------------------------------------------------------------------

    def collateral_balance(self, address: str) -> int:
        return int(self.collateral.functions.balanceOf(address).call())

    def position_balance(self, address: str, position_id: int) -> int:
        return int(self.positions_contract(position_id).functions.balanceOf(address, position_id).call())

    def outcome_balances(self, address: str, condition_id: bytes, protocol_v2: bool = False) -> tuple[int, int]:
        """(Up, Down) balances of ``address`` in micro-shares."""
        up, down = (self.position_balance(address, self.position_id(condition_id, i, protocol_v2)) for i in (0, 1))
        return up, down

    def collateral_allowance(self, owner: str, spender: str) -> int:
        return int(self.collateral.functions.allowance(owner, spender).call())

    def approved_for_all(self, owner: str, operator: str, protocol_v2: bool = False) -> bool:
        """Whether ``operator`` may move ``owner``'s CTF tokens (or, ``protocol_v2``, its V2 positions)."""
        positions = self.v2.position_manager if protocol_v2 else self.ctf
        return bool(positions.functions.isApprovedForAll(owner, operator).call())

    def eth_balance(self, address: str) -> int:
        return int(self.tester.get_balance(address))

    @property
    def tx_latencies_ms(self) -> Sequence[float]:
        """Wall time of the chain's own recent transactions, in ms (send to mined receipt)."""
        return tuple(self._latencies_ms)

    # --- plumbing ----------------------------------------------------------------------------

    def _deploy(self, artifact: artifacts.Artifact, *args: Any) -> Any:
        factory = self._w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        receipt = self._transact(factory.constructor(*args))
        return self._w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)

    def _transact(self, call: Any, sender: str | None = None) -> Any:
        def send() -> Any:
            tx_hash = call.transact({"from": sender or self.operator})
            receipt = self._w3.eth.get_transaction_receipt(tx_hash)
            if receipt["status"] != 1:
                raise RuntimeError(f"chain transaction reverted: {tx_hash.hex()}")
            return receipt

        return self._timed(send)

    def _timed(self, action: Any) -> Any:
        started = time.perf_counter()
        result = action()
        self._latencies_ms.append((time.perf_counter() - started) * 1000)
        return result
