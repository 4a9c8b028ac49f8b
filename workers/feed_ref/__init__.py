"""feed-ref: reference prices (RTDS today; PolyBolt or an exchange feed behind the same interface)."""
