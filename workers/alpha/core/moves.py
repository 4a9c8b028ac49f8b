"""Which reference frames move the fair value far enough to time the cancels they cause.

The executor's ``tick_to_cancel`` starts at the receive stamp of the frame that moved ``q_up`` by
the threshold or more since the last frame that did (the anchor). Moves add up over frames: the
frame that completes a move of a full threshold is the one marked, whichever way it went. A new
window starts from its own first fair value, unmarked.
"""

from __future__ import annotations


class MoveMarker:
    """The anchor of one series' fair value, and whether a new value moved beyond the threshold."""

    def __init__(self, threshold_ppm: int) -> None:
        self.threshold_ppm = threshold_ppm
        self._slug = ""
        self._anchor_ppm = 0

    def moved(self, slug: str, q_up_ppm: int) -> bool:
        """A frame gave ``q_up_ppm`` for window ``slug``: True if it moved beyond the threshold
        (and it becomes the anchor then)."""
        if slug != self._slug:
            self._slug, self._anchor_ppm = slug, q_up_ppm
            return False
        if abs(q_up_ppm - self._anchor_ppm) < self.threshold_ppm:
            return False
        self._anchor_ppm = q_up_ppm
        return True
