"""The venue emulator: a local Polymarket speaking the real wire protocol on loopback."""
