"""Message bodies that travel on the bus: frozen, versioned, validated pydantic models."""

from common.schemas.base import Message, registry

__all__ = ["Message", "registry"]
