"""Each doctor check names what failed and how to fix it."""

from __future__ import annotations

from common.doctor import checks

SIGNER = "0x" + "11" * 20
EXCHANGE = "0xE111180000d2663C0091e4f400237545B87B996B"


def test_a_missing_allowance_names_the_spender_and_the_approval_to_send() -> None:
    result = checks.allowances("COLLATERAL", {EXCHANGE.lower(): 0, "0xother": 5}, (EXCHANGE,))

    assert not result.ok
    assert EXCHANGE in result.detail and "pUSD.approve" in result.fix


def test_an_allowance_is_matched_whatever_the_address_case() -> None:
    assert checks.allowances("CONDITIONAL", {EXCHANGE.lower(): 1}, (EXCHANGE,)).ok


def test_a_skewed_clock_fails_with_the_drift_and_the_fix() -> None:
    result = checks.clock(-30.4)

    assert not result.ok and "-30.4 s" in result.detail and "chrony" in result.fix


def test_an_eoa_with_a_different_funder_is_refused() -> None:
    result = checks.wallet(SIGNER, 0, "0x" + "22" * 20)

    assert not result.ok and "funder" in result.detail


def test_a_proxy_wallet_needs_its_funder() -> None:
    assert not checks.wallet(SIGNER, 1, None).ok
    assert checks.wallet(SIGNER, 1, "0x" + "22" * 20).ok


def test_credentials_refused_by_the_venue_point_to_deriving_them_again() -> None:
    result = checks.credentials(True, 401, "Unauthorized/Invalid api key")

    assert not result.ok and "updown keys derive" in result.fix


def test_an_empty_wallet_and_closed_only_mode_fail() -> None:
    assert not checks.collateral(1_000_000).ok
    assert not checks.closed_only(True).ok
    assert checks.closed_only(False).ok


def test_every_failing_line_carries_its_fix() -> None:
    line = checks.clock(10).line()

    assert line.startswith("FAIL") and "fix:" in line
