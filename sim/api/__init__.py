"""The emulator's CLOB surface: REST with L1/L2 auth and signed orders, websockets, introspection."""

from sim.api.app import ApiSettings, add_clob_routes

__all__ = ["ApiSettings", "add_clob_routes"]
