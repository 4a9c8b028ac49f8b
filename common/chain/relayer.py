"""The gasless path for Safe wallets: merges and redeems as Safe transactions sent via the relayer.

The funder is a 1-of-1 Gnosis Safe owned by the signer EOA (signature type 2); the relayer
(``relayer-v2.polymarket.com``) pays the gas and calls ``execTransaction`` on the Safe. This module
builds the relayer's ``POST /submit`` request: the Safe transaction (to = the merge/redeem target,
data = its calldata, operation CALL, no gas refund), its EIP-712 ``SafeTx`` hash under the Safe's
domain ``(chainId, verifyingContract)``, and the owner's ``eth_sign`` signature over that hash with
``v + 4`` (Safe's marker for eth_sign signatures).

Limits, stated plainly: the body's field names follow Polymarket's builder-relayer-client as
remembered, not the protocol reference (which does not document the relayer), so they are
UNCERTAIN; builder authentication headers, the relayer's transaction-status polling, and crash
recovery of a submitted request are not implemented; proxy (type 1) and deposit (type 3) wallets are
refused. The relayer cannot be reached from here: a transport is injected, and without one
:meth:`RelayerGateway.merge` raises :class:`~common.chain.retry.RelayerUnavailable`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from eth_abi.abi import encode
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from pydantic import SecretStr
from web3 import AsyncWeb3

from common.chain import calldata
from common.chain.gateway import ChainContracts, ChainReader, MergeResult, RedeemResult
from common.chain.planning import Balances, plan_merge, plan_redeem
from common.chain.retry import RelayerUnavailable

RELAYER_URL = "https://relayer-v2.polymarket.com"
RELAYER_SUBMIT_PATH = "/submit"
ZERO_ADDRESS = "0x" + "00" * 20
SAFE_DOMAIN_TYPEHASH = keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)")
SAFE_TX_TYPEHASH = keccak(
    text="SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,"
    "uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)
#: Safe operation 0 is CALL (1 would be DELEGATECALL).
SAFE_OPERATION_CALL = 0
#: Added to v of an eth_sign signature so the Safe hashes with the "\x19Ethereum Signed Message" prefix.
SAFE_ETH_SIGN_V_OFFSET = 4
SAFE_NONCE_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "nonce",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint256"}],
        "stateMutability": "view",
    }
]


@dataclass(frozen=True)
class RelayerRequest:
    path: str
    body: dict[str, Any]
    method: str = "POST"

    def body_json(self) -> str:
        return json.dumps(self.body, separators=(",", ":"))


class RelayerTransport(Protocol):
    async def submit(self, request: RelayerRequest) -> str:
        """Send the request; returns the relayer's transaction id."""
        ...


def safe_tx_hash(chain_id: int, safe: str, to: str, data: bytes, nonce: int) -> bytes:
    """The EIP-712 hash a Safe owner signs for a plain CALL with no refund."""
    domain = keccak(encode(["bytes32", "uint256", "address"], [SAFE_DOMAIN_TYPEHASH, chain_id, safe]))
    struct = keccak(
        encode(
            [
                "bytes32",
                "address",
                "uint256",
                "bytes32",
                "uint8",
                "uint256",
                "uint256",
                "uint256",
                "address",
                "address",
                "uint256",
            ],
            [
                SAFE_TX_TYPEHASH,
                to,
                0,
                keccak(data),
                SAFE_OPERATION_CALL,
                0,
                0,
                0,
                ZERO_ADDRESS,
                ZERO_ADDRESS,
                nonce,
            ],
        )
    )
    return keccak(b"\x19\x01" + domain + struct)


def sign_safe_hash(private_key: SecretStr, tx_hash: bytes) -> bytes:
    """65 bytes r‖s‖v, eth_sign style, v shifted for the Safe."""
    signed = Account.sign_message(encode_defunct(primitive=tx_hash), private_key.get_secret_value())
    return (
        int(signed.r).to_bytes(32, "big")
        + int(signed.s).to_bytes(32, "big")
        + bytes([int(signed.v) + SAFE_ETH_SIGN_V_OFFSET])
    )


def build_safe_request(
    private_key: SecretStr, safe: str, chain_id: int, to: str, data: bytes, nonce: int
) -> RelayerRequest:
    signer = Account.from_key(private_key.get_secret_value()).address
    signature = sign_safe_hash(private_key, safe_tx_hash(chain_id, safe, to, data, nonce))
    body = {
        "from": signer,
        "to": to,
        "proxyWallet": safe,
        "data": "0x" + data.hex(),
        "nonce": str(nonce),
        "signature": "0x" + signature.hex(),
        "signatureParams": {
            "gasPrice": "0",
            "operation": str(SAFE_OPERATION_CALL),
            "safeTxnGas": "0",
            "baseGas": "0",
            "gasToken": ZERO_ADDRESS,
            "refundReceiver": ZERO_ADDRESS,
        },
        "type": "SAFE",
        "metadata": "",
    }
    return RelayerRequest(path=RELAYER_SUBMIT_PATH, body=body)


class RelayerGateway:
    """A Safe wallet's gateway: reads through web3, merge/redeem as signed relayer requests."""

    def __init__(
        self,
        w3: AsyncWeb3[Any],
        signer_key: SecretStr,
        safe: str,
        contracts: ChainContracts,
        *,
        chain_id: int,
        transport: RelayerTransport | None = None,
    ) -> None:
        self._key = signer_key
        self.safe = to_checksum_address(safe)
        self.contracts = contracts
        self.chain_id = chain_id
        self.reader = ChainReader(w3, contracts, self.safe)
        self._safe_contract = w3.eth.contract(address=self.safe, abi=SAFE_NONCE_ABI)
        self._transport = transport

    def __repr__(self) -> str:
        return f"RelayerGateway(safe={self.safe}, target={self.contracts.target})"

    def merge_request(self, condition_id: bytes, amount_micro: int, safe_nonce: int) -> RelayerRequest:
        data = calldata.merge_calldata(self.contracts.collateral_argument, condition_id, amount_micro)
        return build_safe_request(self._key, self.safe, self.chain_id, self.contracts.target, data, safe_nonce)

    def redeem_request(self, condition_id: bytes, index_sets: tuple[int, ...], safe_nonce: int) -> RelayerRequest:
        data = calldata.redeem_calldata(self.contracts.collateral_argument, condition_id, index_sets)
        return build_safe_request(self._key, self.safe, self.chain_id, self.contracts.target, data, safe_nonce)

    async def balances(self, condition_id: bytes) -> Balances:
        return await self.reader.balances(condition_id)

    async def collateral_balance(self) -> int:
        return await self.reader.collateral_balance()

    async def merge(self, condition_id: bytes, amount_micro: int, *, intent_id: str) -> MergeResult:
        """Submit a merge of what is held (≤ amount); the result is *submitted*, not confirmed."""
        amount = plan_merge(amount_micro, await self.balances(condition_id), done_micro=0)
        if amount == 0:
            return MergeResult(intent_id, condition_id, 0, 0, None)
        request = self.merge_request(condition_id, amount, await self._safe_nonce())
        relayer_id = await self._submit(request)
        return MergeResult(intent_id, condition_id, amount, amount, relayer_id)

    async def redeem(self, condition_id: bytes) -> RedeemResult:
        """Submit a redeem when a winning balance remains; the result is *submitted*, not confirmed."""
        balances = await self.balances(condition_id)
        plan = plan_redeem(balances, await self.reader.payouts(condition_id))
        if not plan.index_sets:
            return RedeemResult(condition_id, 0, 0, balances, None)
        relayer_id = await self._submit(self.redeem_request(condition_id, plan.index_sets, await self._safe_nonce()))
        return RedeemResult(condition_id, plan.payout_micro, plan.payout_micro, Balances(0, 0), relayer_id)

    async def _safe_nonce(self) -> int:
        return int(await self._safe_contract.functions.nonce().call())

    async def _submit(self, request: RelayerRequest) -> str:
        if self._transport is None:
            raise RelayerUnavailable(f"no relayer transport configured for {RELAYER_URL}{request.path}")
        return await self._transport.submit(request)
