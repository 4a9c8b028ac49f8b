"""``python -m cli.replay_.fixture SRC DST``: a recording made small enough to commit as a test fixture.

``make fixture`` runs the bot for ``FIXTURE_S`` seconds with its recorder writing to a folder of
its own, then copies that recording here, leaving out the demo heartbeats (``hb``, ``hb.seen``:
nothing replays them). Everything else stays, raw venue frames included (a stress run plays them).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from workers.recorder.files import FILE_RE

#: Streams nothing replays: the bus's demo pair.
LEFT_OUT = ("hb", "hb.seen")


def copy_recording(src: Path, dst: Path) -> int:
    """Replace ``dst`` with ``src``'s files but those of :data:`LEFT_OUT`; the bytes copied."""
    if dst.exists():
        shutil.rmtree(dst)
    size = 0
    for path in sorted(src.glob("*/*.jsonl.gz")):
        m = FILE_RE.match(path.name)
        if m is None or m["stream"] in LEFT_OUT:
            continue
        target = dst / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        size += path.stat().st_size
    return size


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m cli.replay_.fixture SRC DST", file=sys.stderr)
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    if not any(src.glob("*/*.jsonl.gz")):
        print(f"fixture: no recording in {src}", file=sys.stderr)
        return 1
    size = copy_recording(src, dst)
    print(f"fixture: {dst} holds {size / 1e6:.2f} MB ({len(list(dst.glob('*/*.jsonl.gz')))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
