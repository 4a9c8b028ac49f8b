"""Secrets out of what is printed: a URL's password, and the type that holds a URL with one.

The Redis URL of the compose deployment carries its user's password (``redis://user:pw@host``).
:class:`SecretUrl` holds it like pydantic's ``SecretStr`` (``get_secret_value()`` for the one place
that connects) but shows itself as the URL with the password replaced, so ``updown config``, logs
and messages still say which server and which user, never the password.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import GetCoreSchemaHandler, SecretStr
from pydantic_core import core_schema

#: What stands in for a removed password.
MASK = "***"

# scheme://[user][:password]@rest : the password is what follows the first ':' of the userinfo.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:@/\s]*)(?P<password>:[^@\s]*)?@")
# A password given as a query parameter (redis-py accepts ?password=...).
_QUERY_PASSWORD = re.compile(r"(?P<key>[?&]password=)[^&\s]*", re.IGNORECASE)


def redact_url(url: str | SecretStr | None) -> str:
    """``url`` with any password replaced by ``***``; ``<unset>`` for none."""
    if isinstance(url, SecretStr):
        url = url.get_secret_value()
    if not url:
        return "<unset>"
    return redact_text(url)


def redact_text(text: str) -> str:
    """Every URL password inside ``text`` replaced (a message that quotes a URL)."""
    shown = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@" if m["password"] else m.group(0), text)
    return _QUERY_PASSWORD.sub(lambda m: f"{m['key']}{MASK}", shown)


def redact_value(value: Any) -> Any:
    """A copy of a validation input (a string, a dict of a section) with URL passwords removed."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, SecretStr):
        return str(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(v) for v in value)
    return value


class SecretUrl(SecretStr):
    """A URL that may hold a password: printed, dumped and logged with the password masked."""

    def _display(self) -> str:
        return redact_url(self.get_secret_value())

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[Any], handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # SecretStr's own schema dumps "**********" to JSON; this one dumps the masked URL.
        from_text = core_schema.no_info_after_validator_function(cls, core_schema.str_schema())
        return core_schema.union_schema(
            [core_schema.is_instance_schema(cls), from_text],
            custom_error_type="string_type",
            serialization=core_schema.plain_serializer_function_ser_schema(
                _dump, info_arg=True, when_used="unless-none"),
        )  # fmt: skip


def _dump(value: SecretUrl, info: core_schema.SerializationInfo) -> str | SecretUrl:
    return str(value) if info.mode == "json" else value
