"""Errors of the chain gateway, the retry predicate, and exponential backoff with jitter.

Retry what may succeed on its own (the node unreachable or overloaded, a receipt not seen in time,
an outcome unknown); never a business refusal (a revert, a misconfiguration), which would fail the
same way again. Retrying a merge or redeem is safe because every attempt re-plans from the chain.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError

T = TypeVar("T")

#: First backoff delay.
DEFAULT_BACKOFF_BASE_S = 0.5
#: No backoff delay exceeds this.
DEFAULT_BACKOFF_CAP_S = 30.0
#: Attempts of one action before its error is raised to the caller.
DEFAULT_MAX_ATTEMPTS = 5
#: HTTP statuses of a node that may answer later.
RETRYABLE_HTTP_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class ChainError(Exception):
    """Base of the gateway's errors."""


class ChainConfigError(ChainError):
    """The gateway is pointed at the wrong chain or contracts; retrying cannot help."""


class ReceiptTimeout(ChainError):
    """A sent transaction has no receipt yet: its outcome is unknown (retryable)."""


class SendOutcomeUnknown(ChainError):
    """Broadcasting failed in transit: the node may or may not have the transaction (retryable)."""


class RedeemNoOp(ChainError):
    """A redeem succeeded but burned nothing: the §8.3 wrong-collateral pitfall."""


class RelayerUnavailable(ChainError):
    """No relayer transport is configured (the relayer cannot be reached from here)."""


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, ContractLogicError | ChainConfigError | RedeemNoOp | RelayerUnavailable):
        return False
    if isinstance(exc, ReceiptTimeout | SendOutcomeUnknown | TimeExhausted | asyncio.TimeoutError | ConnectionError):
        return True
    if isinstance(exc, aiohttp.ClientResponseError):
        return exc.status in RETRYABLE_HTTP_STATUSES
    if isinstance(exc, aiohttp.ClientError):
        return True
    # A JSON-RPC error of the node itself (overloaded, "header not found"): worth another try.
    return isinstance(exc, Web3RPCError)


@dataclass(frozen=True)
class Backoff:
    base_s: float = DEFAULT_BACKOFF_BASE_S
    cap_s: float = DEFAULT_BACKOFF_CAP_S
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(cap, base·2^attempt)] (attempt counts from 0)."""
        return rng.uniform(0.0, min(self.cap_s, self.base_s * 2**attempt))


async def with_retries(
    action: Callable[[], Awaitable[T]],
    backoff: Backoff,
    rng: random.Random,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    retryable: Callable[[BaseException], bool] = is_retryable,
) -> T:
    attempt = 0
    while True:
        try:
            return await action()
        except Exception as exc:
            attempt += 1
            if attempt >= backoff.max_attempts or not retryable(exc):
                raise
            await sleep(backoff.delay_s(attempt - 1, rng))
