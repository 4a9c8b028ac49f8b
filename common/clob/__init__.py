"""The bot's side of the CLOB: order signing, L1/L2 auth headers, and an async REST client."""
