"""The settings of the runner that owns every worker's life: health, metrics, clock, scaling, logs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from common.config.section import Section

#: The stages that can run as several instances splitting the series (``runner.instances``). Each
#: executor instance signs with an API key of its own (its heartbeat chain, open orders and
#: cancel-all are the key's: ``workers.executor.handover``; README, "Scaling out").
SCALABLE_WORKERS = ("feed-book", "alpha", "quoter", "executor")
#: Between the metrics ports of two instances of one stage (9105, 9205, ...).
METRICS_PORT_STRIDE = 100


class RunnerSettings(Section):
    #: The health key expires this long after the last write: a dead worker disappears.
    health_ttl_s: int = Field(15, gt=0)
    health_interval_s: float = Field(2.0, gt=0)
    #: Graceful stop budget; supervisord's stopwaitsecs is larger.
    stop_timeout_s: float = Field(8.0, gt=0)
    #: Prometheus port of this worker (0: no metrics server). supervisord sets one per program.
    metrics_port: int = Field(0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    #: The event loop: "uvloop" (libuv, markedly faster sockets and timers) or "asyncio".
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"
    #: Fault injection for tests only: after emitting the outputs of this many entries, without
    #: acking the last one, the worker kills itself with SIGKILL. 0 (the default) is off.
    crash_after_emits: int = Field(0, ge=0)
    #: Traced workers (alpha, quoter) write each decision's trace on ``trace.<worker>`` (what
    #: ``updown replay`` follows). Off: no traces, and no replay of what runs meanwhile.
    trace: bool = True
    #: The wall time traced workers read: "system", or "event" (the recorded event times of their
    #: inputs: a replay through real worker processes, as ``updown stress`` runs them).
    clock: Literal["system", "event"] = "system"
    #: Instances of a stage that split the series between them (``quoter = 2``); a stage not named
    #: runs one instance, which owns every series (no lease). Only ``SCALABLE_WORKERS`` may scale.
    instances: dict[str, int] = Field({})
    #: This instance's number among its stage's (supervisord's ``process_num``: 0, 1, ...); its
    #: metrics port is ``metrics_port + instance_index * METRICS_PORT_STRIDE``.
    instance_index: int = Field(0, ge=0)
    #: A scaled stage's hold on a series (``lease:<worker>:<series>`` in Redis, renewed every quarter
    #: of it, ``common.runner.lease``): within this long of an instance's death another instance has
    #: taken its series over, with their pending entries.
    series_lease_ms: int = Field(3_000, ge=300)
    #: This machine's tag, appended to each of its instance names (``quoter-0-vm2``): instances of a
    #: stage on several machines must have distinct names (their consumer names and leases). Empty:
    #: the process name alone (one machine).
    host_tag: str = Field("", pattern=r"^[a-z0-9]*$")
    #: A traced stage handles its inputs in the order of a recording's decision traces, read from
    #: ``replay.schedule.<worker>`` (``common.runner.follow``; ``updown stress`` writes it): one
    #: merged loop instead of one per stream, source decisions where the schedule has them. Only
    #: with ``clock = "event"`` and one instance per stage. Off in live.
    follow: bool = False
    #: Following: how long the loop waits for the entry the schedule names next before it stops
    #: the worker with an error (the run is not the recording's).
    follow_wait_s: float = Field(30.0, gt=0)
    #: Following: streams on which the schedule counts only the entries written back from the
    #: recording (marked ``played``); the others (a stress run's own feed statuses, stamped by the
    #: feeds' wall clock) are handled as they are met, outside the schedule.
    follow_played_only: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _follow_needs_the_event_clock(self) -> RunnerSettings:
        if self.follow and self.clock != "event":
            raise ValueError('runner.follow needs runner.clock = "event" (a schedule of recorded decisions '
                             "is followed on recorded time, never on the wall's)")  # fmt: skip
        scaled = [w for w, n in self.instances.items() if n > 1]
        if self.follow and scaled:
            raise ValueError(f"runner.follow needs one instance per stage; runner.instances scales {scaled}")
        return self

    @field_validator("instances")
    @classmethod
    def _only_scalable(cls, value: dict[str, int]) -> dict[str, int]:
        for worker, count in value.items():
            if worker not in SCALABLE_WORKERS:
                raise ValueError(f"runner.instances: {worker!r} cannot scale out; these can: {SCALABLE_WORKERS}")
            if count < 1:
                raise ValueError(f"runner.instances.{worker} must be at least 1, not {count}")
        return value

    def instances_of(self, worker: str) -> int:
        return self.instances.get(worker, 1)


class LogSettings(Section):
    level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
