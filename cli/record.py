"""``updown record VERB``: the recording's verbs (``import``: real data as a recording)."""

from __future__ import annotations

import sys

#: Each verb's module (``main(argv) -> exit code``).
VERBS = {"import": "cli.record_import.command"}
USAGE = "updown record import SRC... [--out DIR] [--from T] [--to T] [--series S]"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in VERBS:
        print(f"usage: {USAGE}", file=sys.stderr)
        return 2
    import importlib

    verb = importlib.import_module(VERBS[argv[0]])
    code: int = verb.main(argv[1:])
    return code
