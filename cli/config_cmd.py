"""``updown config``: the effective configuration as JSON, secrets redacted."""

from __future__ import annotations

from cli.main import parser
from common.config import load_settings


def main(argv: list[str]) -> int:
    parser("config", "Print the effective configuration (secrets redacted).").parse_args(argv)
    print(load_settings().model_dump_json(indent=2))
    return 0
