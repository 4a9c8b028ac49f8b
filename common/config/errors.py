"""The one error a bad configuration raises, with a message a person can act on."""

from __future__ import annotations

from pydantic import ValidationError


class ConfigError(Exception):
    """The configuration is missing, malformed or out of range. The message names the key."""


def describe(exc: ValidationError) -> str:
    """One line per problem: the dotted key, the value given, and what was expected."""
    lines = []
    for err in exc.errors(include_url=False):
        key = ".".join(str(part) for part in err["loc"]) or "<root>"
        given = err.get("input")
        shown = "<missing>" if err["type"] == "missing" else _redact(key, given)
        lines.append(f"  {key} = {shown}: {err['msg']}")
    return "invalid configuration:\n" + "\n".join(lines)


_SECRET_WORDS = ("key", "secret", "passphrase", "password", "token")


def _redact(key: str, value: object) -> str:
    # A value that failed validation may still be a secret (a malformed private key): never echo it.
    if any(word in key.lower() for word in _SECRET_WORDS) and "url" not in key.lower():
        return "<redacted>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
