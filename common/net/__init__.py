"""Network transports shared by the feeds: a resilient websocket link and an HTTP client with retries."""
