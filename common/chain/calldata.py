"""ABI-encoded calldata of merge and redeem (pure), for wallets that do not send it themselves."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

from common.chain.ids import BINARY_PARTITION, ZERO_COLLECTION

MERGE_SIGNATURE = "mergePositions(address,bytes32,bytes32,uint256[],uint256)"
REDEEM_SIGNATURE = "redeemPositions(address,bytes32,bytes32,uint256[])"
SET_APPROVAL_SIGNATURE = "setApprovalForAll(address,bool)"


def merge_calldata(collateral: str, condition_id: bytes, amount_micro: int) -> bytes:
    args = encode(
        ["address", "bytes32", "bytes32", "uint256[]", "uint256"],
        [collateral, ZERO_COLLECTION, condition_id, list(BINARY_PARTITION), amount_micro],
    )
    return function_signature_to_4byte_selector(MERGE_SIGNATURE) + args


def redeem_calldata(collateral: str, condition_id: bytes, index_sets: tuple[int, ...]) -> bytes:
    args = encode(
        ["address", "bytes32", "bytes32", "uint256[]"],
        [collateral, ZERO_COLLECTION, condition_id, list(index_sets)],
    )
    return function_signature_to_4byte_selector(REDEEM_SIGNATURE) + args


def set_approval_calldata(operator: str, approved: bool) -> bytes:
    return function_signature_to_4byte_selector(SET_APPROVAL_SIGNATURE) + encode(
        ["address", "bool"], [operator, approved]
    )
