"""``updown doctor``: check a setup before any order, and say how to fix what fails."""
