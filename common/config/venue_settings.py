"""Where the venue is, who we are on it (the wallet's secrets) and the emulator that stands in for it."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from common.config.section import Section


class VenueSettings(Section):
    clob_url: str = "https://clob.polymarket.com"
    gamma_url: str = "https://gamma-api.polymarket.com"
    ws_market_url: str = "wss://ws-subscriptions-clob.polymarket.com/ws/market"
    ws_user_url: str = "wss://ws-subscriptions-clob.polymarket.com/ws/user"
    rtds_url: str = "wss://ws-live-data.polymarket.com"
    #: PolyBolt, RTDS's authenticated successor for reference prices (reference §4.4).
    polybolt_url: str = "wss://ws-live-v2.polymarket.com/ws"
    chain_rpc_url: str = "https://polygon.drpc.org"
    chain_id: int = 137


class WalletSettings(Section):
    private_key: SecretStr | None = None
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    api_passphrase: SecretStr | None = None
    #: The address holding pUSD and tokens (EOA, proxy, Safe or deposit wallet); empty = the signer.
    funder: str | None = Field(None, pattern="^0x[0-9a-fA-F]{40}$")
    #: 0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271.
    signature_type: int = Field(0, ge=0, le=3)

    @field_validator("private_key", "api_key", "api_secret", "api_passphrase", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # An empty secret file or variable means "not given", not an empty secret.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        return None if isinstance(text, str) and not text.strip() else value


class SimSettings(Section):
    """The venue emulator that ``make run`` starts in sim mode (``updown sim`` reads these)."""

    host: str = "127.0.0.1"
    port: int = Field(18_080, ge=1, le=65535)
    seed: int = 7
    #: Overrides the length of every series (the series' own label otherwise: btc-60s = 60 s).
    window_seconds: int | None = Field(None, ge=10)
    #: Fault profile: none, flaky-ws, ws-storm, rate-limit, engine-restart, restricted (503 post-only
    #: and cancel-only modes), ambiguous, stale-oracle, chaos.
    faults: str = "none"
    #: A Chainlink price file to replay instead of the seeded price process.
    price_file: str | None = None
    #: Run the local EVM (merges and redeems on chain).
    chain: bool = True
    #: Series the emulator runs as Protocol V2 markets (Gamma ``version: "v2"``, ExchangeV3 orders
    #: signed under EIP-712 domain "3", positions on the chain's Router and PositionManager), e.g.
    #: ``["btc-60s"]``.
    v2_series: tuple[str, ...] = ()
