"""Build :class:`Settings` from its layers: ``conf/base.toml``, ``conf/<mode>.toml``, the secrets
directory, the environment (``UPDOWN_SECTION__KEY``, plus the plain ``REDIS_URL``), in rising order.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    TomlConfigSettingsSource,
)

from common.config.errors import ConfigError, describe
from common.config.settings import Mode, Settings

#: Default configuration folder: ``conf/`` beside the packages; ``UPDOWN_CONF_DIR`` overrides.
DEFAULT_CONF_DIR = Path(__file__).resolve().parents[2] / "conf"


def conf_dir() -> Path:
    return Path(os.environ.get("UPDOWN_CONF_DIR", DEFAULT_CONF_DIR))


def secrets_dir(environ: dict[str, str] | None = None) -> Path:
    """``UPDOWN_SECRETS_DIR``, else ``<data dir>/secrets``: one file per secret."""
    env = os.environ if environ is None else environ
    return Path(env.get("UPDOWN_SECRETS_DIR", Path(env.get("UPDOWN_DATA_DIR", "var")) / "secrets"))


def worker_redis_user(worker: str, environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """The worker's own Redis ACL user, when the secrets directory holds its password
    (``redis_<worker>_password``, as docker compose mounts it): (name, password), else None."""
    path = secrets_dir(environ) / f"redis_{worker}_password"
    password = path.read_text().strip() if path.is_file() else ""
    return (worker, password) if password else None


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Load the settings for the mode named by ``UPDOWN_MODE`` (default ``sim``).

    Raises :class:`ConfigError` naming every bad key, its value and what was expected.
    """
    environ = dict(os.environ if env is None else env)
    mode_name = environ.get("UPDOWN_MODE", Mode.SIM.value)
    try:
        mode = Mode(mode_name)
    except ValueError:
        raise ConfigError(
            f"invalid configuration:\n  mode = {mode_name!r}: expected one of "
            f"{', '.join(m.value for m in Mode)}"
        ) from None
    folder = conf_dir()
    tomls = [p for p in (folder / "base.toml", folder / f"{mode.value}.toml") if p.is_file()]
    secrets = secrets_dir(environ)
    if environ.get("REDIS_URL") and "UPDOWN_REDIS__URL" not in environ:
        environ["UPDOWN_REDIS__URL"] = environ["REDIS_URL"]

    class _Layered(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: list[PydanticBaseSettingsSource] = [
                InitSettingsSource(settings_cls, init_kwargs={**overrides, "mode": mode}),
                _EnvSource(settings_cls, environ),
            ]
            if secrets.is_dir():
                # One file per secret, named by its dotted key with "__": wallet__private_key.
                sources.append(
                    NestedSecretsSettingsSource(
                        SecretsSettingsSource(settings_cls),
                        secrets_dir=secrets,
                        secrets_prefix="",
                        secrets_nested_delimiter="__",
                    )
                )
            if tomls:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=tomls))
            return tuple(sources)

    try:
        loaded = _Layered()
    except ValidationError as exc:
        raise ConfigError(describe(exc)) from None
    except tomllib.TOMLDecodeError as exc:  # a file edited by hand, then reloaded: refuse, never crash
        raise ConfigError(f"invalid configuration: a file in {folder} is not valid TOML: {exc}") from None
    # Imported here: the strategy's parameters are read through this package's settings, so a
    # module-level import would make common.config and common.strategy.params a cycle.
    from common.strategy.params import strategy_problems

    problems = strategy_problems(loaded)
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(problems))
    return loaded


class _EnvSource(EnvSettingsSource):
    """The environment source, reading a given mapping instead of the process's environment."""

    def __init__(self, settings_cls: type[BaseSettings], environ: dict[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> dict[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}
