"""Settings: layers, secrets that never print, and errors that name the key, value and expectation."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from common import logs
from common.config import ConfigError, Mode, load_settings

SECRET = "0x" + "ab" * 32


def test_a_secret_prints_and_logs_redacted(tmp_path: Path) -> None:
    settings = load_settings(env={"UPDOWN_WALLET__PRIVATE_KEY": SECRET, "UPDOWN_WALLET__API_SECRET": "s3cr3t"})
    out = io.StringIO()
    logs.configure("test", "INFO", stream=out)

    logs.get_logger("test").info("settings", wallet=settings.wallet, whole=settings)
    logging.getLogger("updown").handlers[:] = []

    assert settings.wallet.private_key is not None
    assert settings.wallet.private_key.get_secret_value() == SECRET
    for text in (str(settings), repr(settings), settings.model_dump_json(), out.getvalue()):
        assert SECRET not in text and "s3cr3t" not in text
    assert "**********" in out.getvalue()


def test_secrets_are_read_from_one_file_each_in_the_secrets_directory(tmp_path: Path) -> None:
    (tmp_path / "wallet__api_passphrase").write_text("pass-from-file")

    settings = load_settings(env={"UPDOWN_SECRETS_DIR": str(tmp_path)})

    assert settings.wallet.api_passphrase is not None
    assert settings.wallet.api_passphrase.get_secret_value() == "pass-from-file"


def test_the_environment_overrides_the_mode_file_which_overrides_the_base() -> None:
    sim = load_settings(env={})
    paper = load_settings(env={"UPDOWN_MODE": "paper", "UPDOWN_BUS__MAX_DELIVERIES": "9", "REDIS_URL": "redis://h:1/2"})

    assert sim.mode is Mode.SIM and sim.venue.clob_url.startswith("http://127.0.0.1")
    assert paper.mode is Mode.PAPER and paper.venue.clob_url == "https://clob.polymarket.com"
    assert paper.bus.max_deliveries == 9
    assert paper.redis.url is not None and paper.redis.url.get_secret_value() == "redis://h:1/2"


def test_a_bad_value_fails_with_the_key_the_value_and_what_was_expected() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env={"UPDOWN_REDIS__BLOCK_MS": "soon"})

    message = str(err.value)
    assert "redis.block_ms" in message and "'soon'" in message and "integer" in message


def test_a_malformed_secret_is_named_but_never_echoed() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env={"UPDOWN_WALLET__SIGNATURE_TYPE": "7", "UPDOWN_WALLET__FUNDER": "0xnotanaddress"})

    message = str(err.value)
    assert "wallet.signature_type" in message and "less than or equal to 3" in message
    assert "wallet.funder" in message


def test_blocking_reads_must_be_shorter_than_the_socket_timeout() -> None:
    with pytest.raises(ConfigError, match=r"block_ms .* must be shorter"):
        load_settings(env={"UPDOWN_REDIS__BLOCK_MS": "6000", "UPDOWN_REDIS__SOCKET_TIMEOUT_MS": "5000"})


def test_an_unknown_mode_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match="sim, paper, live"):
        load_settings(env={"UPDOWN_MODE": "yolo"})


def test_an_empty_secret_file_means_the_secret_is_not_given(tmp_path: Path) -> None:
    (tmp_path / "wallet__api_key").write_text("\n")

    settings = load_settings(env={"UPDOWN_SECRETS_DIR": str(tmp_path)})

    assert settings.wallet.api_key is None
