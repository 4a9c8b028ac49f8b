"""Which reference frames start a tick-to-cancel span: those that move the fair value beyond the threshold."""

from __future__ import annotations

from workers.alpha.core.moves import MoveMarker

SLUG = "btc-updown-15m-1"


def test_the_first_value_of_a_window_is_its_anchor_and_is_not_a_move() -> None:
    marker = MoveMarker(10_000)

    assert not marker.moved(SLUG, 500_000)


def test_small_moves_add_up_and_the_frame_that_completes_the_threshold_is_marked() -> None:
    marker = MoveMarker(10_000)
    marker.moved(SLUG, 500_000)

    marks = [marker.moved(SLUG, q) for q in (504_000, 508_000, 510_000, 512_000)]

    assert marks == [False, False, True, False]  # 512,000 is only 2,000 from the new anchor


def test_a_move_down_counts_as_a_move_up_does() -> None:
    marker = MoveMarker(10_000)
    marker.moved(SLUG, 500_000)

    assert marker.moved(SLUG, 489_000)
    assert not marker.moved(SLUG, 495_000)  # 6,000 from the new anchor, 489,000
    assert marker.moved(SLUG, 499_000)


def test_a_new_window_starts_from_its_own_first_value() -> None:
    marker = MoveMarker(10_000)
    marker.moved(SLUG, 500_000)

    assert not marker.moved("btc-updown-15m-2", 900_000)
    assert not marker.moved("btc-updown-15m-2", 905_000)
