"""control: the HTTP control API (health, state, reports, and the control actions)."""
