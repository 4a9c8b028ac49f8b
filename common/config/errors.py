"""The one error a bad configuration raises, with a message a person can act on."""

from __future__ import annotations

from pydantic import ValidationError

from common.config.redact import redact_text, redact_value


class ConfigError(Exception):
    """The configuration is missing, malformed or out of range. The message names the key."""


def describe(exc: ValidationError) -> str:
    """One line per problem: the dotted key, the value given, and what was expected."""
    lines = []
    for err in exc.errors(include_url=False):
        key = ".".join(str(part) for part in err["loc"]) or "<root>"
        given = err.get("input")
        shown = "<missing>" if err["type"] == "missing" else _redact(key, given)
        lines.append(f"  {key} = {shown}: {redact_text(err['msg'])}")
    return "invalid configuration:\n" + "\n".join(lines)


_SECRET_WORDS = ("key", "secret", "passphrase", "password", "token")


def _is_secret_key(key: str) -> bool:
    return any(word in key.lower() for word in _SECRET_WORDS) and "url" not in key.lower()


def _redact(key: str, value: object) -> str:
    # A value that failed validation may still be a secret (a malformed private key): never echo it.
    # A URL is shown without its password; a whole section (a dict) without its secrets.
    if _is_secret_key(key):
        return "<redacted>"
    text = repr(_without_secrets(redact_value(value)))
    return text if len(text) <= 80 else text[:77] + "..."


def _without_secrets(value: object) -> object:
    if isinstance(value, dict):
        return {k: "<redacted>" if _is_secret_key(str(k)) else _without_secrets(v) for k, v in value.items()}
    return value
