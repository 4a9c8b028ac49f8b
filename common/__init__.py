"""Shared pieces of updown: the bus, config, clock, metrics, logging, venue schemas, money math."""
