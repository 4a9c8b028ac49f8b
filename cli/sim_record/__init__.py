"""``updown sim record``: the calibrated emulator's market as a recording (``command``)."""
