"""The doctor's verdicts: pure functions from what was observed to pass or fail with a fix."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from common.money import MICRO_PER_UNIT

#: Clock drift against the venue beyond which signed requests risk being refused.
MAX_CLOCK_DRIFT_S = 2
#: A heartbeat round trip above this leaves too little of the 10 s dead-man budget.
MAX_HEARTBEAT_RTT_MS = 2_000
#: Collateral below this cannot place one minimum-size order.
MIN_COLLATERAL_MICRO = 5 * MICRO_PER_UNIT


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        head = f"{'PASS' if self.ok else 'FAIL'}  {self.name:<22} {self.detail}"
        return head if self.ok else f"{head}\n      fix: {self.fix}"


def wallet(signer: str | None, signature_type: int, funder: str | None, key_error: str = "") -> Check:
    if signer is None:
        return Check("key", False, key_error or "no private key",
                     "put the key in the secrets directory as wallet__private_key (or run `updown keys new`)")
    if signature_type == 3:
        return Check("key", False, f"signer {signer}: signature type 3 (POLY_1271) is not supported",
                     "use an EOA (0), a proxy (1) or a Safe (2) wallet: wallet.signature_type")
    if signature_type == 0 and funder and funder.lower() != signer.lower():
        return Check("key", False, f"signature type 0 (EOA) but funder {funder} is not the signer {signer}",
                     "with an EOA the funder is the signer: leave wallet.funder empty, or set the signature type "
                     "of your proxy (1) or Safe (2)")
    if signature_type in (1, 2) and not funder:
        return Check("key", False, f"signature type {signature_type} needs the proxy/Safe address as funder",
                     "set wallet.funder to the address that holds your pUSD")
    return Check("key", True, f"signer {signer}, signature type {signature_type}, funder {funder or signer}")


def credentials(present: bool, status: int | None, detail: str = "") -> Check:
    if not present:
        return Check("api credentials", False, "no API key, secret and passphrase",
                     "run `updown keys derive` (writes wallet__api_* beside the key)")
    if status == 401:
        return Check("api credentials", False, f"the venue refused them: {detail}",
                     "they belong to another signer or were revoked: run `updown keys derive` with this key")
    if status not in (None, 200):
        return Check("api credentials", False, f"the venue answered {status}: {detail}", "retry; check the venue URL")
    return Check("api credentials", True, "accepted by the venue (L2, bound to this signer)")


def clock(drift_s: float) -> Check:
    ok = abs(drift_s) <= MAX_CLOCK_DRIFT_S
    detail = f"local clock {drift_s:+.1f} s from the venue's /time"
    return Check("clock", ok, detail, "" if ok else "synchronise the clock (chrony / systemd-timesyncd)")


def collateral(balance_micro: int) -> Check:
    ok = balance_micro >= MIN_COLLATERAL_MICRO
    detail = f"{balance_micro / MICRO_PER_UNIT:,.6f} pUSD"
    return Check("collateral balance", ok, detail, "" if ok else "fund the funder address with pUSD (wrap USDC.e "
                 "through the CollateralOnramp)")  # fmt: skip


def allowances(kind: str, allowances: Mapping[str, int], spenders: tuple[str, ...]) -> Check:
    lower = {k.lower(): v for k, v in allowances.items()}
    missing = [s for s in spenders if lower.get(s.lower(), 0) <= 0]
    name = f"{kind.lower()} allowance"
    if missing:
        what = {"COLLATERAL": "pUSD.approve", "CONDITIONAL-V2": "PositionManager.setApprovalForAll"}.get(
            kind, "ConditionalTokens.setApprovalForAll")
        return Check(name, False, f"no allowance for {', '.join(missing)}",
                     f"{what}(spender) for each, then GET /balance-allowance/update")  # fmt: skip
    return Check(name, True, f"approved for {len(spenders)} spender(s)")


def heartbeat(rtt_ms: float | None, error: str = "") -> Check:
    if rtt_ms is None:
        return Check("heartbeat", False, f"no answer: {error}", "check the venue URL and the API credentials")
    ok = rtt_ms <= MAX_HEARTBEAT_RTT_MS
    fix = "" if ok else "the dead-man cancels after 10 s: move closer to the venue or fix the network"
    return Check("heartbeat", ok, f"round trip {rtt_ms:.0f} ms", fix)


def closed_only(closed: bool | None, error: str = "") -> Check:
    if closed is None:
        return Check("closed-only / geoblock", False, f"unknown: {error}", "check the venue URL and credentials")
    if closed:
        return Check("closed-only / geoblock", False, "the account is in closed-only mode (can only reduce)",
                     "the venue restricts this account or region: do not trade live from here")
    return Check("closed-only / geoblock", True, "open for trading")
