"""``updown sim``: the venue emulator, with its flags defaulted from the configuration.

Every flag given on the command line wins over the configuration (``updown sim --help``).
``updown sim realism`` compares the emulator's market with the recorded one (``cli.realism``);
``updown sim record`` records its market as the bot's feeds would have (``cli.sim_record``).
"""

from __future__ import annotations

from common.config import load_settings


def main(argv: list[str]) -> int:
    if argv[:1] == ["realism"]:
        from cli.realism import main as realism

        return realism(argv[1:])
    if argv[:1] == ["record"]:
        from cli.sim_record.command import main as record

        return record(argv[1:])
    from sim.cli import run

    if any(a in ("-h", "--help") for a in argv):
        return run(argv)
    settings = load_settings()
    cfg = settings.sim
    args = ["--host", cfg.host, "--port", str(cfg.port), "--seed", str(cfg.seed),
            "--series", ",".join(settings.series), "--faults", cfg.faults]  # fmt: skip
    if cfg.window_seconds:
        args += ["--window-seconds", str(cfg.window_seconds)]
    if cfg.price_file:
        args += ["--price-file", cfg.price_file]
    if not cfg.chain:
        args.append("--no-chain")
    if cfg.v2_series:
        args += ["--v2-series", ",".join(cfg.v2_series)]
    return run(args + argv)
