"""The venue's restricted modes in the executor core: which answers name which mode, what each holds
back, the doubling wait, and the end of an episode at the first accepted order."""

from __future__ import annotations

from common.errors import VenueBusy, venue_error
from workers.executor.core.venue_modes import VenueModes


def test_the_answers_name_their_mode_as_the_official_sdk_reads_them() -> None:
    def mode(status: int, message: str, code: str | None = None) -> object:
        error = venue_error(status, message, code=code)
        assert isinstance(error, VenueBusy)
        return error.restriction

    assert mode(425, "Too Early") == "restarting"
    assert mode(503, "Trading is currently cancel-only. Only cancels are allowed") == "cancel_only"
    assert mode(503, "post-only mode: only post-only orders and cancels are allowed", "post_only_mode") == "post_only"
    assert mode(503, "Trading is currently disabled") is None


def test_cancel_only_and_restarting_hold_back_everything_post_only_only_what_is_not_post_only() -> None:
    for restriction in ("cancel_only", "restarting"):
        modes = VenueModes(1_000, 30_000)
        modes.refused(restriction, 0)  # type: ignore[arg-type]
        assert modes.holds_back(True, 500) and modes.holds_back(False, 500)
    modes = VenueModes(1_000, 30_000)
    modes.refused("post_only", 0)
    assert modes.holds_back(False, 500) and not modes.holds_back(True, 500)


def test_the_wait_doubles_to_its_cap_or_the_venues_retry_after_and_the_next_order_probes() -> None:
    modes = VenueModes(1_000, 4_000)
    assert [modes.refused("cancel_only", 0) for _ in range(4)] == [1_000, 2_000, 4_000, 4_000]
    assert modes.refused("post_only", 0, retry_after_ms=9_000) == 9_000
    late = VenueModes(1_000, 4_000)
    late.refused("cancel_only", 0)
    assert late.active(999) == ("cancel_only",) and late.active(1_000) == ()
    assert not late.holds_back(False, 1_000)  # the wait is over: the next order probes
    assert late.in_episode() == ("cancel_only",)  # still reported until an order is accepted


def test_an_accepted_order_ends_the_episode_a_post_only_one_not_the_post_only_mode() -> None:
    modes = VenueModes(1_000, 30_000)
    modes.refused("cancel_only", 0)
    modes.refused("post_only", 0)
    modes.accepted(post_only=True)
    assert modes.in_episode() == ("post_only",)
    assert modes.refused("cancel_only", 0) == 1_000  # a new episode starts from the first wait
    modes.accepted(post_only=False)
    assert modes.in_episode() == ()
