"""The base of every settings section: frozen, and an unknown key is an error (a typo is loud).

A mutable default in a section is written ``Field({})``: pydantic copies it for each instance
either way, and ruff, which cannot see through this base to pydantic, would take a bare ``{}``
for a class attribute shared by every instance (RUF012).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
