"""``updown run``: Redis (embedded unless REDIS_URL), then every worker under supervisord.

Runs until Ctrl-C or ``--duration`` seconds (``DURATION`` in the environment), then stops every
program through supervisord, stops the embedded Redis, and exits 0 when everything stopped cleanly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli import keys, redis_url, report, run_end, supervisor_conf
from cli.console import RunView, say, waiting
from cli.launch_checks import CONF, busy_ports, live_preflight, programs, started_line, unhealthy
from cli.main import parser
from common.config import Mode, Settings, load_settings
from common.config.loader import secrets_dir
from common.redis_server import EmbeddedRedis

#: How long programs get to reach RUNNING before the launcher reports them.
STARTUP_S = 8.0


def main(argv: list[str]) -> int:
    p = parser("run", "Start Redis and every worker under supervisord.")
    p.add_argument("--duration", type=float, default=float(os.environ.get("DURATION") or 0),
                   help="seconds to run, then stop cleanly (default: until Ctrl-C)")  # fmt: skip
    p.add_argument("--i-understand-this-trades-real-money", dest="live_confirmed", action="store_true",
                   help="required in live mode (or UPDOWN_LIVE_CONFIRM=yes)")  # fmt: skip
    args = p.parse_args(argv)
    settings = load_settings()
    if settings.mode is Mode.LIVE and not live_preflight(settings, args.live_confirmed):
        return 2
    return launch(settings, args.duration)


class RunHooks:
    """What a run around the bot (the soak) adds to ``updown run``: a look every loop, and checks
    made at the end while the emulator still answers. The default adds nothing."""

    def started(self, env: dict[str, str], redis: EmbeddedRedis | None) -> None:
        """Every program was started and the startup report made."""

    def tick(self, elapsed_s: float) -> None:
        """Called about every 0.2 s while the bot runs."""

    def settle(self) -> None:
        """The run is over: before the final status is taken (let restarted programs come up)."""

    def checks(self, url: str) -> list[str]:
        """After the traders stopped and the ledger drained: problems found (empty when fine)."""
        return []


def launch(settings: Settings, duration_s: float, hooks: RunHooks | None = None) -> int:
    """Redis, supervisord and every program for ``duration_s`` (0: until Ctrl-C), then the report."""
    hooks = hooks or RunHooks()
    data = Path(settings.data_dir)
    for sub in ("run", "log"):
        (data / sub).mkdir(parents=True, exist_ok=True)
    embedded: EmbeddedRedis | None = None
    if settings.mode is Mode.SIM:
        fresh_sim_state(data, secrets_dir())
    if settings.redis.url:
        url = settings.redis.url.get_secret_value()
        say(f"using Redis at {settings.redis.url} (from REDIS_URL / config); starting none")
    else:
        embedded = EmbeddedRedis(data / "redis", maxmemory_mb=settings.redis.maxmemory_mb).start()
        url = embedded.url
        say(f"started embedded redis-server ({embedded.binary.origin}: {embedded.binary.path}) at {url}, "
            f"AOF everysec in {data / 'redis'}")  # fmt: skip
    redis_url.write(settings, url)
    try:
        code = supervise(settings, url, duration_s, hooks, embedded)
        if code != 2:  # it ran: print what it did
            report.print_report(url)
        return code
    finally:
        redis_url.url_file(settings).unlink(missing_ok=True)
        if embedded is not None:
            embedded.stop()
            say("embedded redis-server stopped")


def fresh_sim_state(data: Path, secrets: Path) -> None:
    """Every sim run is a fresh emulator (new windows, new balances, new API keys): the books,
    streams and merger journal of a previous run would not match it, and the API credentials it
    handed out are refused by the new one (a worker starting with them is turned away: a feed down
    at every start). The workers wait for the credentials derived anew. The wallet key, the control
    token and the logs are kept."""
    for stale in (data / "redis", data / "merger"):
        if stale.exists():
            shutil.rmtree(stale)
    keys.forget_api_credentials(secrets)


#: How long the launcher waits for the emulator to hand out API credentials.
CREDENTIALS_WAIT_S = 60.0


def supervise(settings: Settings, url: str, duration_s: float, hooks: RunHooks | None = None,
              embedded: EmbeddedRedis | None = None) -> int:  # fmt: skip
    hooks = hooks or RunHooks()
    busy = busy_ports(settings)
    if busy:
        say("refusing to start: these ports are in use (another updown run?): " + ", ".join(busy))
        return 2
    sim = settings.mode is Mode.SIM
    if sim:
        address, created = keys.ensure_private_key(secrets_dir())
        say(f"{'generated' if created else 'using'} the bot's wallet {address} (key in {secrets_dir()})")
        if keys.ensure_control_token(secrets_dir()):
            say(f"generated the control API's bearer token ({secrets_dir() / keys.CONTROL_TOKEN})")
    env = dict(os.environ, REDIS_URL=url, UPDOWN_MODE=settings.mode.value,
               UPDOWN_SIM_AUTOSTART="true" if sim else "false",
               UPDOWN_KEYED_AUTOSTART="false" if settings.mode is Mode.PAPER else "true",
               UPDOWN_PAPER_AUTOSTART="true" if settings.mode is Mode.PAPER else "false")  # fmt: skip
    # The run's config names its user and puts a password on the socket (supervisord's CRIT
    # warnings, answered); -s keeps supervisord's own log lines in var/log/supervisord.log.
    run_conf = supervisor_conf.write(Path(settings.data_dir), secrets_dir(), settings)
    env[CONF_ENV] = str(run_conf)
    proc = subprocess.Popen([sys.executable, "-m", "supervisor.supervisord", "-c", str(run_conf), "-n", "-s"],
                            env=env, start_new_session=True)  # fmt: skip
    stop = {"asked": False}

    def ask_stop(signum: int, _frame: object) -> None:
        stop["asked"] = True

    signal.signal(signal.SIGINT, ask_stop)
    signal.signal(signal.SIGTERM, ask_stop)
    started = time.monotonic()
    reported = False
    problems: list[str] = []
    say(f"supervisord started (pid {proc.pid}, its log: {Path(settings.data_dir) / 'log' / 'supervisord.log'}); "
        + (f"stopping in {duration_s:.0f} s" if duration_s else "Ctrl-C to stop"))  # fmt: skip
    if sim:
        current = load_settings()
        try:
            with waiting(f"waiting for the emulator to answer at {current.venue.clob_url}"):
                prefix = keys.derive_credentials(current, secrets_dir(), CREDENTIALS_WAIT_S)
        except BaseException:
            # The emulator never answered (or Ctrl-C): nothing may stay up on the fixed ports.
            run_end.stop_supervisord(proc)
            raise
        say(f"API credentials {prefix}... derived from the emulator (L1 auth, official client)")
    view: RunView | None = None
    try:
        while proc.poll() is None and not stop["asked"]:
            elapsed = time.monotonic() - started
            if not reported and elapsed >= STARTUP_S:
                reported = True
                status = ctl(env, "status")
                say(started_line(status))
                say(f"the page (read-only, live): http://{settings.control.host}:{settings.control.port}/page"
                    "?token=<the control token> (README: The page)")  # fmt: skip
                problems += unhealthy(status)
                hooks.started(env, embedded)
                view = RunView(url)
            if reported:
                hooks.tick(elapsed)
            if view is not None:
                view.tick()
            if duration_s and elapsed >= duration_s:
                break
            time.sleep(0.2)
    finally:
        if view is not None:
            view.close()
    if proc.poll() is not None:
        say(f"supervisord exited on its own with {proc.returncode}")
        return proc.returncode or 1
    hooks.settle()
    final = ctl(env, "status")
    problems += unhealthy(final)
    say(run_end.status_summary(env))
    say("stopping the traders and feeds, then the ledger once it has booked everything")
    ctl(env, "stop", *[p for p in programs(final) if p not in run_end.LAST_TO_STOP])
    run_end.wait_for_ledger(url)
    if sim:
        problems += run_end.check_against_emulator(url)
    problems += hooks.checks(url)
    say("stopping every program")
    code = run_end.stop_supervisord(proc)
    if code is None:
        return 1
    say(f"supervisord stopped ({code}); nothing left running")
    if problems:
        say("FAILED: programs that were not running: " + ", ".join(sorted(set(problems)))
            + " (see var/log/<program>.log)")  # fmt: skip
        return 1
    return 0 if code == 0 else code


#: The environment variable that carries the run's supervisord config to ``ctl``.
CONF_ENV = "UPDOWN_SUPERVISOR_CONF"


def ctl(env: dict[str, str], *args: str) -> str:
    conf = env.get(CONF_ENV, str(CONF))
    done = subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c", conf, *args],
                          env=env, capture_output=True, text=True, timeout=30)  # fmt: skip
    return done.stdout.strip() or done.stderr.strip()
