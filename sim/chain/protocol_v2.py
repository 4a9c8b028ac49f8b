"""Protocol V2 markets on the local chain: the emulator's Router and PositionManager stand-ins.

A V2 market's condition id is its 31-byte market id padded with a zero byte (what Gamma serves, see
``sim.world.ids.v2_ids``); the position id of outcome i is the market id followed by the byte i,
read as a uint256 (the official SDK's ``decode_v2_outcome_position_id``). Such ids have bits 40-103
zero, which no CTF position id (a keccak hash) has in practice: :func:`is_v2_token` tells them apart.

The operator deploys the Router (which creates its PositionManager), is the oracle of every V2
market (``prepareMarket``, ``reportPayouts``) and splits collateral into full sets through the
Router like any holder; it approves the Router for its own collateral and positions once, here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.chain import compiler

if TYPE_CHECKING:
    from sim.chain.local_chain import LocalChain

#: Bits that are zero in every Protocol V2 position id (the official SDK's test).
V2_RESERVED_BITS_MASK = ((1 << 64) - 1) << 40
MARKET_ID_BYTES = 31
MAX_UINT256 = 2**256 - 1


def is_v2_token(token_id: int) -> bool:
    return token_id & V2_RESERVED_BITS_MASK == 0


def market_id(condition_id: bytes) -> bytes:
    """The 31-byte market id of a V2 condition id (its last byte is padding)."""
    return condition_id[:MARKET_ID_BYTES]


def position_id(condition_id: bytes, outcome_index: int) -> int:
    return int.from_bytes(market_id(condition_id) + bytes([outcome_index]), "big")


def market_of_token(token_id: int) -> bytes:
    return token_id.to_bytes(32, "big")[:MARKET_ID_BYTES]


class ProtocolV2:
    """The deployed Router and PositionManager of one :class:`LocalChain`."""

    def __init__(self, chain: LocalChain) -> None:
        router_artifact = compiler.load_compiled(compiler.PROTOCOL_V2, "RouterLocal")
        manager_artifact = compiler.load_compiled(compiler.PROTOCOL_V2, "PositionManagerLocal")
        self.chain = chain
        self.router: Any = chain._deploy(router_artifact, chain.collateral_address)
        self.router_address: str = self.router.address
        self.position_manager: Any = chain._w3.eth.contract(
            address=self.router.functions.positionManager().call(), abi=manager_artifact.abi)
        self.position_manager_address: str = self.position_manager.address
        chain._transact(chain.collateral.functions.approve(self.router_address, MAX_UINT256))
        chain._transact(self.position_manager.functions.setApprovalForAll(self.router_address, True))

    def prepare_market(self, condition_id: bytes) -> None:
        self.chain._transact(self.router.functions.prepareMarket(market_id(condition_id)))

    def report_payouts(self, condition_id: bytes, winning_index: int) -> None:
        self.chain._transact(self.router.functions.reportPayouts(market_id(condition_id), winning_index))

    def split(self, condition_id: bytes, amount_micro: int) -> None:
        """The operator splits collateral it holds into ``amount_micro`` full sets."""
        self.chain._transact(self.router.functions.split(market_id(condition_id), amount_micro))

    def payouts(self, condition_id: bytes) -> tuple[tuple[int, int], int]:
        market = market_id(condition_id)
        den = int(self.router.functions.payoutDenominator(market).call())
        up, down = (int(self.router.functions.payoutNumerators(market, i).call()) for i in (0, 1))
        return (up, down), den
