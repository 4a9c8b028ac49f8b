"""``updown replay``: a recording's inputs through the real alpha and quoter, decisions compared.

``plan`` (pure): the recorded decision traces as runs, and which entries go in before each decision.
``stage``: one stage's real worker code (its spec's setup, handler through the runner's consumer,
control hook, source decisions) on a fresh Redis, at a clock set from the traces.
``compare`` (pure): recorded against replayed outputs, and the report. See README, "Replay".
"""
