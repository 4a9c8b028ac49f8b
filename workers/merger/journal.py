"""The merger's own crash record, beside the gateway's intents (``<data_dir>/merger/``).

The gateway makes every chain action happen once; this journal makes every *result* published
once. A merge intent is written (with its amount) before the gateway is called and removed only
after its ``InventoryAction`` is on the bus, so a merger killed anywhere in between calls the gateway
again with the same intent id and amount after restart: the gateway settles the transaction in
flight instead of sending another, and the result is published (the ledger applies it once, by
``op_id``). Redeems keep, per market, the total already published.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

JOURNAL_FILE = "journal.json"


@dataclass
class Journal:
    path: Path
    #: intent id → (market, slug, amount) of merges asked of the gateway and not yet published.
    open_merges: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    #: market → merges started so far (the next intent's sequence number).
    merge_seq: dict[str, int] = field(default_factory=dict)
    #: market → collateral of its redeems already published.
    redeemed_published: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> Journal:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / JOURNAL_FILE
        if not path.exists():
            return cls(path)
        raw = json.loads(path.read_text())
        return cls(path, {k: (v[0], v[1], int(v[2])) for k, v in raw["open_merges"].items()},
                   {k: int(v) for k, v in raw["merge_seq"].items()},
                   {k: int(v) for k, v in raw["redeemed_published"].items()})

    def save(self) -> None:
        text = json.dumps({"open_merges": self.open_merges, "merge_seq": self.merge_seq,
                           "redeemed_published": self.redeemed_published}, sort_keys=True)
        staged = self.path.with_suffix(".tmp")
        with staged.open("w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, self.path)

    def open_merge(self, market: str, slug: str, amount_micro: int) -> str:
        """Persist a new merge intent before the gateway sees it; returns its id."""
        seq = self.merge_seq.get(market, 0)
        intent_id = f"merge:{market}:{seq}"
        self.merge_seq[market] = seq + 1
        self.open_merges[intent_id] = (market, slug, amount_micro)
        self.save()
        return intent_id

    def close_merge(self, intent_id: str) -> None:
        self.open_merges.pop(intent_id, None)
        self.save()

    def published_redeem(self, market: str, total_micro: int) -> None:
        self.redeemed_published[market] = total_micro
        self.save()
