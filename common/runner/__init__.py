"""The worker runner: one place that owns the life of every worker."""

from common.bus.writer import Emit
from common.runner.spec import Context, Input, WorkerSpec, WorkerState

__all__ = ["Context", "Emit", "Input", "WorkerSpec", "WorkerState"]
