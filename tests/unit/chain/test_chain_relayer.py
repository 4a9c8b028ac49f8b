"""Relayer requests for a Safe wallet: calldata, Safe transaction hash, signature and body."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils.crypto import keccak
from pydantic import SecretStr
from web3 import AsyncHTTPProvider, AsyncWeb3

from common.chain import ChainContracts, RelayerGateway
from common.chain.calldata import merge_calldata, redeem_calldata
from common.chain.relayer import SAFE_TX_TYPEHASH, safe_tx_hash

CTF = "0x4D97DCd97eC945f40cF65F87097ACe5EA0476045"
USDC_E = "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174"
SAFE = "0x1111111111111111111111111111111111111111"
CONDITION = bytes.fromhex("ab" * 32)


def _word(value: int | bytes | str) -> str:
    if isinstance(value, str):
        return value.lower().removeprefix("0x").rjust(64, "0")
    if isinstance(value, bytes):
        return value.hex()
    return f"{value:064x}"


def test_merge_calldata_is_the_selector_and_the_hand_laid_abi_words() -> None:
    # Arrange: mergePositions(address,bytes32,bytes32,uint256[],uint256) = 0x9e7212ad
    expected = "9e7212ad" + "".join(
        [
            _word(USDC_E),
            _word(0),
            _word(CONDITION),
            _word(0xA0),
            _word(1_234_567),
            _word(2),
            _word(1),
            _word(2),
        ]
    )

    # Act
    data = merge_calldata(USDC_E, CONDITION, 1_234_567)

    # Assert
    assert data.hex() == expected


def test_redeem_calldata_lists_the_index_sets_after_its_offset() -> None:
    # Arrange: redeemPositions(address,bytes32,bytes32,uint256[]) = 0x01b7037c
    expected = "01b7037c" + "".join([_word(USDC_E), _word(0), _word(CONDITION), _word(0x80), _word(1), _word(2)])

    # Act / Assert
    assert redeem_calldata(USDC_E, CONDITION, (2,)).hex() == expected


def test_the_safe_transaction_hash_is_the_eip712_hash_of_safetx_under_the_safes_domain() -> None:
    # Arrange
    data = merge_calldata(USDC_E, CONDITION, 5)
    typed: dict[str, Any] = {
        "types": {
            "EIP712Domain": [
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "SafeTx": [
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "data", "type": "bytes"},
                {"name": "operation", "type": "uint8"},
                {"name": "safeTxGas", "type": "uint256"},
                {"name": "baseGas", "type": "uint256"},
                {"name": "gasPrice", "type": "uint256"},
                {"name": "gasToken", "type": "address"},
                {"name": "refundReceiver", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ],
        },
        "primaryType": "SafeTx",
        "domain": {"chainId": 137, "verifyingContract": SAFE},
        "message": {
            "to": CTF, "value": 0, "data": data, "operation": 0, "safeTxGas": 0, "baseGas": 0,
            "gasPrice": 0, "gasToken": "0x" + "00" * 20, "refundReceiver": "0x" + "00" * 20, "nonce": 42,
        },
    }  # fmt: skip
    signable = encode_typed_data(full_message=typed)
    expected = keccak(b"\x19" + signable.version + signable.header + signable.body)

    # Act
    digest = safe_tx_hash(137, SAFE, CTF, data, 42)

    # Assert
    assert SAFE_TX_TYPEHASH.hex() == "bb8310d486368db6bd6f849402fdd73ad53d316b5a4b2644ad6efe0f941286d8"
    assert digest == expected


def test_a_merge_request_carries_the_calldata_and_an_eth_sign_signature_of_the_safe_owner() -> None:
    # Arrange
    owner = Account.create()
    w3 = AsyncWeb3(AsyncHTTPProvider("http://127.0.0.1:9/unreachable"))
    gateway = RelayerGateway(
        w3, SecretStr(owner.key.to_0x_hex()), SAFE, ChainContracts.polygon_ctf_direct(), chain_id=137
    )

    # Act
    request = gateway.merge_request(CONDITION, 2_000_000, safe_nonce=7)

    # Assert: the body's shape and values
    body = json.loads(request.body_json())
    assert (request.method, request.path) == ("POST", "/submit")
    assert set(body) == {
        "from",
        "to",
        "proxyWallet",
        "data",
        "nonce",
        "signature",
        "signatureParams",
        "type",
        "metadata",
    }
    assert (body["from"], body["to"], body["proxyWallet"]) == (owner.address, CTF, SAFE)
    assert body["data"] == "0x" + merge_calldata(USDC_E, CONDITION, 2_000_000).hex()
    assert (body["nonce"], body["type"]) == ("7", "SAFE")
    assert body["signatureParams"]["operation"] == "0"
    # the signature is r‖s‖(v+4) over the Safe transaction hash, recoverable to the owner
    signature = bytes.fromhex(body["signature"][2:])
    assert len(signature) == 65 and signature[64] in (31, 32)
    digest = safe_tx_hash(137, SAFE, CTF, merge_calldata(USDC_E, CONDITION, 2_000_000), 7)
    vrs = (signature[64] - 4, int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"))
    assert Account.recover_message(encode_defunct(primitive=digest), vrs=vrs) == owner.address


def test_calling_the_ctf_directly_with_a_collateral_other_than_the_positions_is_refused() -> None:
    # Arrange: pUSD as the collateral argument to the CTF itself (reference §8.3)
    pusd = "0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB"

    # Act / Assert
    with pytest.raises(ValueError, match=r"§8\.3"):
        ChainContracts(ctf=CTF, target=CTF, collateral_argument=pusd, position_collateral=USDC_E, payout_token=pusd)
