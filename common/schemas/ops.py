"""Operations alerts: things that lose money if nobody looks (on the ``alerts`` stream)."""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message


class AlertRaised(Message):
    """Something that loses money if nobody looks: here, a worker supervisord gave up on."""

    TYPE = "ops.alert"
    VERSION = 1

    kind: str
    severity: Literal["critical", "warning"]
    #: The supervisord program (``processname``) and group.
    process: str
    group: str
    from_state: str = ""
    host: str = ""
    detail: str = ""
    raised_ms: int
