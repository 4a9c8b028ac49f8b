"""The executor: intents in, orders on the venue out, every order accounted for."""
