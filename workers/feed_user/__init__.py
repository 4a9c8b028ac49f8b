"""feed-user: the user websocket to order events and our fills (pure core in ``core``)."""
