"""Condition, collection and position ids computed exactly as the ConditionalTokens contract does.

``CTHelpers.getCollectionId`` hashes ``(conditionId, indexSet)`` onto the alt_bn128 curve
(y² = x³ + 3 over P) and encodes the point's parity in bit 254; a position id is then
``keccak256(collateral ‖ collectionId)``. Only root collections (no parent) are needed for binary
Up/Down markets, which is the only case implemented.
"""

from __future__ import annotations

from eth_utils import keccak, to_canonical_address

#: The alt_bn128 field modulus used by CTHelpers.
FIELD_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
#: The curve constant b of y² = x³ + b.
CURVE_B = 3
#: Polymarket's binary partition: index set 1 is outcome 0 (Up), 2 is outcome 1 (Down).
BINARY_INDEX_SETS = (1, 2)


def condition_id(oracle: str, question_id: bytes, outcome_slot_count: int = 2) -> bytes:
    return keccak(to_canonical_address(oracle) + question_id + outcome_slot_count.to_bytes(32, "big"))


def collection_id(condition: bytes, index_set: int) -> bytes:
    """The root collection id of ``index_set`` under ``condition`` (parent collection zero)."""
    x = int.from_bytes(keccak(condition + index_set.to_bytes(32, "big")), "big")
    odd = x >> 255 != 0
    while True:
        x = (x + 1) % FIELD_P
        yy = (x * x * x + CURVE_B) % FIELD_P
        # P ≡ 3 (mod 4): a square root is yy^((P+1)/4), what the contract's addition chain computes.
        y = pow(yy, (FIELD_P + 1) // 4, FIELD_P)
        if y * y % FIELD_P == yy:
            break
    if (odd and y % 2 == 0) or (not odd and y % 2 == 1):
        y = FIELD_P - y
    if y % 2 == 1:
        x ^= 1 << 254
    return x.to_bytes(32, "big")


def position_id(collateral: str, collection: bytes) -> int:
    return int.from_bytes(keccak(to_canonical_address(collateral) + collection), "big")


def outcome_position_id(collateral: str, condition: bytes, outcome_index: int) -> int:
    """The ERC-1155 token id of outcome ``outcome_index`` (0 Up, 1 Down) of a binary condition."""
    return position_id(collateral, collection_id(condition, BINARY_INDEX_SETS[outcome_index]))
