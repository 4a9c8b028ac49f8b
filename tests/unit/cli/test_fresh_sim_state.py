"""A sim run starts from a fresh emulator: nothing of the last run's venue survives but the wallet."""

from __future__ import annotations

from pathlib import Path

from cli.keys import API_FILES, CONTROL_TOKEN, PRIVATE_KEY
from cli.launch import fresh_sim_state


def test_the_last_emulators_api_credentials_books_and_journal_go_the_wallet_and_token_stay(tmp_path: Path) -> None:
    data, secrets = tmp_path / "var", tmp_path / "secrets"
    for folder in (data / "redis", data / "merger", secrets):
        folder.mkdir(parents=True)
    (data / "redis" / "appendonly.aof").write_text("old books")
    for name in (*API_FILES, PRIVATE_KEY, CONTROL_TOKEN):
        (secrets / name).write_text("x")

    fresh_sim_state(data, secrets)

    assert not (data / "redis").exists() and not (data / "merger").exists()
    assert not any((secrets / name).exists() for name in API_FILES)
    assert (secrets / PRIVATE_KEY).exists() and (secrets / CONTROL_TOKEN).exists()


def test_a_first_run_with_nothing_to_forget_is_fine(tmp_path: Path) -> None:
    fresh_sim_state(tmp_path / "var", tmp_path / "secrets")
