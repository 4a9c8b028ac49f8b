"""feed-book: the market websocket to normalized book events (pure core in ``core``)."""
