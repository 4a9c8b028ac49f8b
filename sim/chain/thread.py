"""The one thread the emulator's server runs the local chain in.

py-evm is pure Python: an ``eth_call`` costs it tens of milliseconds and a transaction more (see
``updown bench``'s README section). Run on the server's event loop, every chain call stalls every
websocket, order and Gamma answer of the venue for that long. :class:`LocalChain` is not
thread-safe, so every use of it goes through this one thread, in submission order: a window's
market is prepared before a trade in it settles, a wallet is funded before it is charged.

Until :meth:`ChainThread.start` (tests that drive the server step by step, and the server's own
construction) each job runs inline, on the caller's thread, as before; after it, on the thread.
It is an :class:`~concurrent.futures.Executor`, so ``loop.run_in_executor(chain_thread, fn)``
works in both modes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger("sim.chain.thread")

T = TypeVar("T")
#: The thread's name (in py-spy and thread dumps).
THREAD_NAME = "sim-chain"


class ChainThread(Executor):
    """Runs chain jobs inline until started, then on one thread in submission order."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self.thread_ids: set[int] = set()

    @property
    def threaded(self) -> bool:
        return self._pool is not None

    def start(self) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._pool is None:
            done: Future[T] = Future()
            try:
                done.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to whoever waits on the future, as the pool does
                done.set_exception(exc)
            return done
        return self._pool.submit(self._on_thread, fn, *args, **kwargs)

    def _on_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self.thread_ids.add(threading.get_ident())
        return fn(*args, **kwargs)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on the chain's thread (inline before :meth:`start`), awaited."""
        if self._pool is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self, fn, *args)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """``fn(*args)`` on the chain's thread with no one waiting: a failure is logged."""
        self.submit(fn, *args).add_done_callback(_log_failure)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)
            self._pool = None


def _log_failure(done: Future[Any]) -> None:
    exc = done.exception()
    if exc is not None:
        log.error("chain job failed", exc_info=exc)
