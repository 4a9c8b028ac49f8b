"""Configuration: TOML defaults per mode, overlaid by environment variables and a secrets directory."""

from common.config.errors import ConfigError
from common.config.loader import load_settings
from common.config.settings import Mode, Settings

__all__ = ["ConfigError", "Mode", "Settings", "load_settings"]
