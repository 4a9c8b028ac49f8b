"""Control commands on the ``ctl`` stream, read by every worker instance."""

from __future__ import annotations

from typing import Literal

from common.schemas.base import Message

Action = Literal["pause", "resume", "halt", "reload", "reduce-only", "flatten"]


class ControlCommand(Message):
    TYPE = "ctl.command"
    VERSION = 1

    action: Action
    #: A worker name, or ``*`` for every worker.
    target: str = "*"
    request_id: str
    issued_by: str = "cli"
    reason: str = ""
