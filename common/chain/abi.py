"""The few contract functions the gateway calls, as ABI fragments (no build artifacts at run time).

The CtfCollateralAdapter keeps the CTF's ``mergePositions`` / ``redeemPositions`` shapes
(reference §8.3), so one fragment serves both targets.
"""

from __future__ import annotations

from typing import Any


def _fn(name: str, inputs: list[tuple[str, str]], outputs: list[str], mutability: str) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"name": "", "type": t} for t in outputs],
        "stateMutability": mutability,
    }


_SPLIT_MERGE_INPUTS = [
    ("collateralToken", "address"),
    ("parentCollectionId", "bytes32"),
    ("conditionId", "bytes32"),
    ("partition", "uint256[]"),
    ("amount", "uint256"),
]

#: mergePositions / redeemPositions: on the CTF and on the collateral adapter.
POSITIONS_ABI: list[dict[str, Any]] = [
    _fn("mergePositions", _SPLIT_MERGE_INPUTS, [], "nonpayable"),
    _fn(
        "redeemPositions",
        [
            ("collateralToken", "address"),
            ("parentCollectionId", "bytes32"),
            ("conditionId", "bytes32"),
            ("indexSets", "uint256[]"),
        ],
        [],
        "nonpayable",
    ),
]

#: Reads (and the approval the adapter needs) on the ConditionalTokens contract itself.
CTF_ABI: list[dict[str, Any]] = [
    _fn("balanceOfBatch", [("owners", "address[]"), ("ids", "uint256[]")], ["uint256[]"], "view"),
    _fn("payoutDenominator", [("conditionId", "bytes32")], ["uint256"], "view"),
    _fn("payoutNumerators", [("conditionId", "bytes32"), ("index", "uint256")], ["uint256"], "view"),
    _fn("isApprovedForAll", [("owner", "address"), ("operator", "address")], ["bool"], "view"),
    _fn("setApprovalForAll", [("operator", "address"), ("approved", "bool")], [], "nonpayable"),
]

#: The Protocol V2 Router (reference §8.3; the official SDK's ``router_merge_call`` and
#: ``router_redeem_call`` selectors), and the resolution reads our gateway makes of it (UNCERTAIN on
#: Polygon, see ``common.chain.protocol_v2``).
ROUTER_ABI: list[dict[str, Any]] = [
    _fn("merge", [("marketId", "bytes31"), ("amount", "uint256")], [], "nonpayable"),
    _fn("redeem", [("marketId", "bytes31"), ("outcomeIndex", "uint256"), ("amount", "uint256")], [], "nonpayable"),
    _fn("payoutDenominator", [("marketId", "bytes31")], ["uint256"], "view"),
    _fn("payoutNumerators", [("marketId", "bytes31"), ("outcomeIndex", "uint256")], ["uint256"], "view"),
]

ERC20_ABI: list[dict[str, Any]] = [
    _fn("balanceOf", [("account", "address")], ["uint256"], "view"),
]
