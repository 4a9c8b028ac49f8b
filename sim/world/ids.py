"""Deterministic identifiers of a window's market, derived from the seed and the slug.

- ``question_id`` = keccak256("updown-sim:<seed>:<slug>"), as 0x-hex bytes32;
- ``condition_id`` = keccak256(oracle ‖ question_id ‖ uint256(2)): the Conditional Tokens formula
  (``getConditionId``), with the emulator's oracle address;
- token ids: given the chain's collateral address, the exact CTF position ids (``sim.chain.ids``), so
  the local chain's ERC-1155 balances are the CLOB's tokens; without a chain, a stand-in
  keccak256("<seed>:<condition_id>:<outcome index>") read as a uint256. Both in decimal.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils.crypto import keccak

#: The emulator's stand-in for the resolver that reports payouts to the CTF.
SIM_ORACLE_ADDRESS = "0x" + keccak(b"updown-sim-oracle")[-20:].hex()
#: Gamma ids are numeric strings; derived ids stay below this so they look like the real ones.
GAMMA_ID_MODULUS = 10**8


@dataclass(frozen=True)
class MarketIds:
    question_id: str
    condition_id: str
    token_ids: tuple[str, str]  # (Up, Down)
    gamma_market_id: str
    gamma_event_id: str


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def derive_ids(
    seed: int, slug: str, oracle: str = SIM_ORACLE_ADDRESS, collateral: str | None = None
) -> MarketIds:
    question = keccak(f"updown-sim:{seed}:{slug}".encode())
    condition = keccak(bytes.fromhex(oracle[2:]) + question + (2).to_bytes(32, "big"))
    if collateral is not None:
        from sim.chain.ids import outcome_position_id

        tokens = tuple(str(outcome_position_id(collateral, condition, i)) for i in (0, 1))
    else:
        digests = (keccak(f"{seed}:{_hex(condition)}:{i}".encode()) for i in (0, 1))
        tokens = tuple(str(int.from_bytes(d, "big")) for d in digests)
    gamma = int.from_bytes(keccak(f"gamma:{seed}:{slug}".encode()), "big")
    return MarketIds(
        question_id=_hex(question),
        condition_id=_hex(condition),
        token_ids=(tokens[0], tokens[1]),
        gamma_market_id=str(gamma % GAMMA_ID_MODULUS),
        gamma_event_id=str((gamma // GAMMA_ID_MODULUS) % GAMMA_ID_MODULUS),
    )


def v2_ids(ids: MarketIds) -> MarketIds:
    """The same window as a Protocol V2 market of the binary module: the condition id is a 31-byte
    structural market id (module byte 0x01, bits 40..103 zero, as the official SDK's
    ``is_v2_position_id`` tells them apart) padded with a zero byte; each outcome's position id is
    that market id followed by the outcome index."""
    h = bytes.fromhex(ids.condition_id[2:])
    market = b"\x01" + h[:18] + b"\0" * 8 + h[18:22]
    positions = tuple(str(int.from_bytes(market + bytes([i]), "big")) for i in (0, 1))
    return MarketIds(ids.question_id, _hex(market + b"\0"), (positions[0], positions[1]),
                     ids.gamma_market_id, ids.gamma_event_id)  # fmt: skip


def series_id(seed: int, series_slug: str) -> str:
    return str(int.from_bytes(keccak(f"series:{seed}:{series_slug}".encode()), "big") % 100_000)
