"""Position ids of a binary condition, computed as ConditionalTokens' ``CTHelpers`` computes them.

A collection id hashes ``(conditionId, indexSet)`` onto the alt_bn128 curve y² = x³ + 3 and keeps
the point's parity in bit 254; the position (ERC-1155 token) id is ``keccak256(collateral ‖
collectionId)``. On Polygon the collateral of every position id is still USDC.e, not pUSD
(reference §8.3): pass the *position* collateral here, not the one merges pay out in.
"""

from __future__ import annotations

from eth_utils.address import to_canonical_address
from eth_utils.crypto import keccak

#: The alt_bn128 base field modulus (CTHelpers.P).
FIELD_P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
#: b of the curve y² = x³ + b (CTHelpers.B).
CURVE_B = 3
#: Index set of outcome 0 (Up) and of outcome 1 (Down): Polymarket's binary partition [1, 2].
UP_INDEX_SET = 1
DOWN_INDEX_SET = 2
BINARY_PARTITION = (UP_INDEX_SET, DOWN_INDEX_SET)
#: The root of every Polymarket position (no parent collection).
ZERO_COLLECTION = b"\x00" * 32


def root_collection_id(condition_id: bytes, index_set: int) -> bytes:
    x = int.from_bytes(keccak(condition_id + index_set.to_bytes(32, "big")), "big")
    odd = x >> 255 != 0
    while True:
        x = (x + 1) % FIELD_P
        yy = (pow(x, 3, FIELD_P) + CURVE_B) % FIELD_P
        # P ≡ 3 mod 4: the square root, when it exists, is yy^((P+1)/4).
        y = pow(yy, (FIELD_P + 1) // 4, FIELD_P)
        if y * y % FIELD_P == yy:
            break
    if odd != (y % 2 == 1):
        y = FIELD_P - y
    if y % 2 == 1:
        x ^= 1 << 254
    return x.to_bytes(32, "big")


def position_id(collateral: str, condition_id: bytes, index_set: int) -> int:
    """The ERC-1155 id of the root position ``index_set`` of ``condition_id`` backed by ``collateral``."""
    collection = root_collection_id(condition_id, index_set)
    return int.from_bytes(keccak(to_canonical_address(collateral) + collection), "big")


def binary_position_ids(collateral: str, condition_id: bytes) -> tuple[int, int]:
    """(Up, Down) token ids."""
    return (
        position_id(collateral, condition_id, UP_INDEX_SET),
        position_id(collateral, condition_id, DOWN_INDEX_SET),
    )
