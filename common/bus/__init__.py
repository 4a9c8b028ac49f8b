"""The bus: envelopes on Redis Streams, consumer groups, dead letters, atomic emit-and-ack."""

from common.bus.codec import DecodeError, decode, encode
from common.bus.envelope import Envelope

__all__ = ["DecodeError", "Envelope", "decode", "encode"]
