"""The bot's side of the chain: merge full sets and redeem winners through web3, exactly once."""

from common.chain.eoa import EoaGateway, GatewaySettings, TransactionReverted
from common.chain.gateway import ChainContracts, ChainGateway, MergeResult, RedeemResult
from common.chain.intents import ChainIntent, FileIntentStore, IntentStore, MemoryIntentStore
from common.chain.planning import Balances, Payouts, RedeemPlan, plan_merge, plan_redeem
from common.chain.relayer import RelayerGateway, RelayerRequest

__all__ = [
    "Balances",
    "ChainContracts",
    "ChainGateway",
    "ChainIntent",
    "EoaGateway",
    "FileIntentStore",
    "GatewaySettings",
    "IntentStore",
    "MemoryIntentStore",
    "MergeResult",
    "Payouts",
    "RedeemPlan",
    "RedeemResult",
    "RelayerGateway",
    "RelayerRequest",
    "TransactionReverted",
    "plan_merge",
    "plan_redeem",
]
