"""``updown config``: the effective configuration as JSON, secrets redacted; ``--strategy``: each
series' strategy and risk parameters as the workers will use them, marking what the configuration
changed from the cores' defaults."""

from __future__ import annotations

import dataclasses
from enum import Enum

from cli.main import parser
from common.config import load_settings
from common.config.settings import Settings
from common.series import series_keys
from common.strategy.alpha import AlphaConfig
from common.strategy.params import RISK_KEYS, alpha_config, quoter_config
from common.strategy.quoter import QuoterConfig


def main(argv: list[str]) -> int:
    p = parser("config", "Print the effective configuration (secrets redacted).")
    p.add_argument("--strategy", action="store_true",
                   help="each series' strategy and risk parameters, '*' where the configuration sets them")  # fmt: skip
    args = p.parse_args(argv)
    settings = load_settings()
    print("\n".join(strategy_table(settings)) if args.strategy else settings.model_dump_json(indent=2))
    return 0


def strategy_table(settings: Settings) -> list[str]:
    lines = []
    for key in series_keys(settings):
        lines.append(f"{key}")
        sections = (("strategy.alpha", alpha_config(settings, key), AlphaConfig(), None),
                    ("strategy.quoter", quoter_config(settings, key), QuoterConfig(), False),
                    ("risk", quoter_config(settings, key), QuoterConfig(), True))  # fmt: skip
        for title, params, default, risk in sections:
            lines.append(f"  [{title}]")
            for field in dataclasses.fields(params):
                if risk is not None and (field.name in RISK_KEYS) != risk:
                    continue
                value, was = getattr(params, field.name), getattr(default, field.name)
                mark = "*" if value != was else " "
                lines.append(f"   {mark} {field.name} = {_shown(value)}")
    return lines


def _shown(value: object) -> str:
    if isinstance(value, Enum):
        return repr(value.value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:_}"
    return repr(value)
