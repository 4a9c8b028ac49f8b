"""Protocol V2 position ids, told apart from CTF token ids by their shape (reference §1.6).

A Protocol V2 outcome position id is its market's 31-byte structural id (a module byte, then bits
40..103 of the whole id zero) followed by the outcome index; CTF position ids are keccak hashes, so
those 64 bits are zero only by a 2^-64 chance. The official unified SDK decides the same way (which
exchange to sign for, ``CONDITIONAL-V2`` or ``CONDITIONAL``, the PositionManager or the CTF).
The market record's ``protocol_version`` stays the bot's source for signing; this is for places
that hold only a token id (balance refreshes, the merger).
"""

from __future__ import annotations

from typing import Literal

#: Bits 40..103 of a Protocol V2 position id are zero.
V2_RESERVED_BITS_MASK = ((1 << 64) - 1) << 40


def is_v2_position_id(token_id: str) -> bool:
    try:
        value = int(token_id)
    except ValueError:
        return False
    return 0 <= value < 1 << 256 and value & V2_RESERVED_BITS_MASK == 0


def conditional_asset_type(token_id: str) -> Literal["CONDITIONAL", "CONDITIONAL-V2"]:
    """The balance-allowance asset type of an outcome token."""
    return "CONDITIONAL-V2" if is_v2_position_id(token_id) else "CONDITIONAL"
