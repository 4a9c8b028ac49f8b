"""The paper executor's venue: our orders never leave the machine; they fill by queue position."""

from workers.executor.paper.venue import PaperOrder, PaperVenue

__all__ = ["PaperOrder", "PaperVenue"]
