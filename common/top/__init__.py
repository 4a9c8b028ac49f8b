"""``updown top``: a live view of a running bot, read from Redis only (see :mod:`common.top.view`)."""
