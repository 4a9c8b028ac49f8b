"""``updown record VERB``: the recording's verbs (``import``: real data as a recording)."""

from __future__ import annotations

import importlib
import sys

#: Each verb's module (``main(argv) -> exit code``).
VERBS = {"import": "cli.record_import.command"}
USAGE = "usage: updown record import SRC... [--out DIR] [--from T] [--to T] [--series S]"


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    if not argv or argv[0] not in VERBS:
        print(USAGE, file=sys.stderr)
        return 2
    code: int = importlib.import_module(VERBS[argv[0]]).main(argv[1:])
    return code
