"""A user frame is taken element by element: one bad element is dead-lettered, its neighbours kept."""

from __future__ import annotations

import json

from common.venue.user_ws import UserWsParser
from workers.feed_user import worker

from .user_feed_harness import entries, feed_user, fill_ids, frame, trade


async def test_a_frame_with_one_malformed_element_publishes_the_good_fill_and_dead_letters_the_bad_one(
    redis_url: str,
) -> None:
    async with feed_user(redis_url) as ctx:
        bad = trade("t-bad", price="not a price")
        good = trade("t-good")

        await worker.on_frame(ctx, frame(bad, good), 1_000.0)

        assert await fill_ids(ctx) == ["t-good:o-ours:MATCHED"]
        (letter,) = await entries(ctx, "fills:dlq")
        assert json.loads(letter[b"raw"])["id"] == "t-bad"
        assert b"price" in letter[b"dlq_reason"]
        assert await entries(ctx, "feed.raw:dlq") == []


async def test_an_element_that_says_nothing_of_its_kind_goes_to_the_raw_dead_letters(redis_url: str) -> None:
    async with feed_user(redis_url) as ctx:
        await worker.on_frame(ctx, json.dumps([7, {"no": "event_type"}, trade("t-1")]), 1_000.0)

        assert await fill_ids(ctx) == ["t-1:o-ours:MATCHED"]
        assert len(await entries(ctx, "feed.raw:dlq")) == 2


def test_the_parser_keeps_the_good_elements_and_names_the_bad_ones() -> None:
    parser = UserWsParser()

    parsed = parser.parse_elements(frame(trade("t-1"), trade("t-2", status="SETTLED?"), trade("t-3")), 1)

    assert [event.trade_id for event in parsed.events] == ["t-1", "t-3"]  # type: ignore[attr-defined]
    (bad,) = parsed.bad
    assert bad.kind == "trade" and json.loads(bad.raw)["id"] == "t-2" and "status" in bad.error
