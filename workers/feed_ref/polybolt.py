"""PolyBolt as a ``RefTransport`` (pure): authenticate, subscribe both channels of every asset, check
each channel's ``seq``, and say how long to wait after each close code (reference §4.4).

The loop asks after every frame for frames to send (the subscription, once ``authed``) and whether
the stream must be dropped: a ``seq`` that skips, or an envelope saying the server ``dropped``
messages, means our picture has a hole; only a new connection (a new snapshot) fills it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence

from common.config.settings import FeedRefSettings
from common.schemas.ref import RefSource, RefTick
from common.venue import polybolt
from common.venue.polybolt import Control

#: Close codes (reference §4.4): auth failed, slow consumer / missed pongs, draining, policy.
CLOSE_AUTH, CLOSE_SLOW, CLOSE_DRAINING, CLOSE_POLICY = 4001, 4002, 4003, 4008
#: Refusal codes that mean our credentials are wrong (``auth_unavailable`` is the server's own
#: trouble: the SDK retries it like any drop, so do we).
AUTH_REFUSALS = frozenset({"auth_invalid", "auth_expired", "auth_attempts", "auth_required"})
#: Refusal codes that mean we exceeded a limit.
LIMIT_REFUSALS = frozenset({"rate_limited", "sub_limit"})


class PolyBoltTransport:
    """Spot (``price.crypto``, Pyth) and the 60-s TWAP (``price.crypto.twap``, Chainlink)."""

    name = "polybolt"
    ping_text: str | None = polybolt.PING_FRAME
    sources: tuple[RefSource, ...] = ("pyth", "chainlink_twap60")

    def __init__(self, url: str, assets: Sequence[str], cfg: FeedRefSettings, rng: random.Random | None = None) -> None:
        self.url = url
        self.assets = frozenset(asset.lower() for asset in assets)
        self.ping_interval_ms = int(cfg.polybolt_ping_interval_s * 1000)
        self._cfg = cfg
        self._rng = rng or random.Random()
        self._subscribe = polybolt.subscribe_frame(self.assets)  # refuses more than the server's limits
        #: ``{"apiKey", "secret", "passphrase"}``, given once they exist (never logged).
        self.credentials: Mapping[str, str] | None = None
        self.counts: Counter[str] = Counter()
        self._seq: dict[str, int] = {}
        self._replies: list[str] = []
        self._restart: str | None = None
        self._penalty: str | None = None

    def subscribe_frames(self) -> list[str]:
        """A new connection: forget the old sequences; authenticate first, subscribe once authed."""
        if self.credentials is None:
            raise RuntimeError("PolyBolt needs the API credentials before connecting")
        self._seq.clear()
        self._replies.clear()
        self._restart = None
        c = self.credentials
        return [polybolt.auth_frame(c["apiKey"], c["secret"], c["passphrase"])]

    def parse(self, raw: str | bytes, recv_ts_ms: int) -> list[RefTick]:
        parsed = polybolt.parse(raw, recv_ts_ms)
        if parsed.control is not None:
            self._on_control(parsed.control)
            return []
        self._check_sequence(parsed.channel, parsed.seq, parsed.dropped)
        self.counts["snapshot" if parsed.snapshot else "update"] += 1
        return [tick for tick in parsed.ticks if tick.asset in self.assets]

    def _on_control(self, control: Control) -> None:
        self.counts[f"op.{control.op}"] += 1
        if control.op == "authed":
            self._replies.append(self._subscribe)
        elif control.op == "error" and control.code in AUTH_REFUSALS:
            self._penalty = "auth"
            self._restart = self._restart or f"auth refused: {control.code}"
        elif control.op == "error" and control.code in LIMIT_REFUSALS:
            self._penalty = "policy"
            self._restart = self._restart or f"limit: {control.code} {control.channel}".strip()
        elif control.op == "error":
            self.counts[f"refused.{control.code or 'unknown'}"] += 1

    def _check_sequence(self, channel: str, seq: int | None, dropped: int) -> None:
        last = self._seq.get(channel)
        if seq is not None:
            self._seq[channel] = seq
        if last is not None and seq is not None and seq != last + 1:
            self.counts["seq_gap"] += 1
            self._restart = self._restart or f"seq gap on {channel}: {last} -> {seq}"
        elif dropped:
            self.counts["dropped"] += 1
            self._restart = self._restart or f"server dropped {dropped} on {channel}"

    def take_replies(self) -> list[str]:
        """Frames to send now (the subscription after ``authed``)."""
        replies, self._replies = self._replies, []
        return replies

    def take_restart(self) -> str | None:
        """Why the stream must be dropped and made again (once), or None."""
        reason, self._restart = self._restart, None
        return reason

    def retry_delay_s(self, close_code: int | None) -> float | None:
        """The wait before reconnecting after ``close_code``; None for the link's usual backoff."""
        penalty, self._penalty = self._penalty, None
        if close_code == CLOSE_AUTH or penalty == "auth":
            return self._cfg.auth_retry_s
        if close_code == CLOSE_POLICY or penalty == "policy":
            return self._cfg.policy_backoff_s
        if close_code == CLOSE_DRAINING:
            return self._rng.uniform(0, self._cfg.draining_jitter_s)
        return None
