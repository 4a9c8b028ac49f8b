"""Which chain errors are retried, how long the backoff waits, and when it gives up."""

from __future__ import annotations

import random

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from web3.exceptions import ContractLogicError

from common.chain.retry import (
    Backoff,
    ChainConfigError,
    ReceiptTimeout,
    RedeemNoOp,
    SendOutcomeUnknown,
    is_retryable,
    with_retries,
)


def _http_error(status: int) -> aiohttp.ClientResponseError:
    return aiohttp.ClientResponseError(request_info=None, history=(), status=status)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (ReceiptTimeout("no receipt"), True),
        (SendOutcomeUnknown("lost"), True),
        (ConnectionResetError(), True),
        (_http_error(503), True),
        (_http_error(429), True),
        (_http_error(400), False),
        (ContractLogicError("execution reverted"), False),
        (ChainConfigError("wrong chain"), False),
        (RedeemNoOp("burned nothing"), False),
    ],
)
def test_only_errors_that_may_pass_on_their_own_are_retried(error: Exception, retryable: bool) -> None:
    assert is_retryable(error) is retryable


@given(attempt=st.integers(0, 20), seed=st.integers(0, 2**32))
def test_a_backoff_delay_is_jittered_below_the_doubling_bound_and_the_cap(attempt: int, seed: int) -> None:
    backoff = Backoff(base_s=0.5, cap_s=30.0)
    delay = backoff.delay_s(attempt, random.Random(seed))
    assert 0.0 <= delay <= min(30.0, 0.5 * 2**attempt)


async def test_a_retryable_failure_is_retried_with_backoff_until_it_succeeds() -> None:
    # Arrange
    outcomes: list[Exception | str] = [ReceiptTimeout("1"), SendOutcomeUnknown("2"), "done"]
    slept: list[float] = []

    async def action() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def sleep(delay_s: float) -> None:
        slept.append(delay_s)

    # Act
    result = await with_retries(action, Backoff(base_s=1.0, max_attempts=5), random.Random(3), sleep)

    # Assert
    assert result == "done"
    assert len(slept) == 2 and slept[0] <= 1.0 and slept[1] <= 2.0


async def test_a_business_refusal_is_raised_at_once_and_a_persistent_fault_after_the_last_attempt() -> None:
    # Arrange
    calls = {"revert": 0, "timeout": 0}

    async def reverts() -> None:
        calls["revert"] += 1
        raise ContractLogicError("execution reverted")

    async def times_out() -> None:
        calls["timeout"] += 1
        raise ReceiptTimeout("never")

    async def no_sleep(_: float) -> None:
        return None

    # Act / Assert
    with pytest.raises(ContractLogicError):
        await with_retries(reverts, Backoff(max_attempts=4), random.Random(1), no_sleep)
    with pytest.raises(ReceiptTimeout):
        await with_retries(times_out, Backoff(max_attempts=4), random.Random(1), no_sleep)
    assert calls == {"revert": 1, "timeout": 4}
