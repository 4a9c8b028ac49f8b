"""The bus's hot commands on a lean connection of their own.

redis-py's asyncio client spends 60–80 µs of Python per command (connection pool, locks, timeout
context, response callbacks), several times Redis's own work, and a hop makes four such calls.
A :class:`FastLane` is one socket, an asyncio protocol and hiredis's parser: commands are written
at once and replies matched in order, so concurrent callers pipeline for free. It carries only the
commands on a message's path (XREADGROUP, XADD, EVALSHA); everything else stays on redis-py.

A lane that may block (XREADGROUP with BLOCK) must be its own: a reader owns one; writers share
another. Errors are redis-py's (``ConnectionError``, ``TimeoutError``, ``ResponseError`` and its
subclasses), so the runner's reconnect handling is the same for both. On a timeout or a lost
connection every call in flight fails and the next call connects again.

:func:`open_lane` gives a :class:`ClientLane` (the same calls through redis-py) for a client that
has no socket of its own to copy, such as fakeredis in unit tests.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Coroutine, Sequence
from typing import Any

import hiredis
import redis.asyncio as aioredis
from redis._parsers.base import BaseParser
from redis.asyncio.connection import SSLConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, NoScriptError, RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from common.bus.codec import Fields

#: One stream entry as read: its id and fields (None when trimmed away while pending).
Entry = tuple[bytes, Fields | None]
#: One XADD: stream, fields, maxlen (0: no trim; otherwise approximate).
Append = tuple[str, Fields, int]


class LaneScript:
    """A server-side script called by its SHA, loaded on first NOSCRIPT."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()


def open_lane(client: aioredis.Redis) -> FastLane | ClientLane:
    """A lane to the server ``client`` talks to: a plain socket of its own when the client has one
    (TLS, ``rediss://``, and test doubles go through the client itself)."""
    pool = client.connection_pool
    kwargs = pool.connection_kwargs
    cls = pool.connection_class
    real = cls.__module__.split(".")[0] in ("redis", "common") and not issubclass(cls, SSLConnection)
    if real and ("path" in kwargs or "host" in kwargs):
        return FastLane(kwargs)
    return ClientLane(client)


def _append_args(stream: str, fields: Fields, maxlen: int) -> list[Any]:
    args: list[Any] = ["XADD", stream, "MAXLEN", "~", maxlen, "*"] if maxlen else ["XADD", stream, "*"]
    for name, value in fields.items():
        args += (name, value)
    return args


def _entries(reply: Any) -> list[Entry]:
    """XREADGROUP/XREAD's raw reply for one stream as (id, fields) pairs."""
    if not reply:
        return []
    out: list[Entry] = []
    for entry_id, flat in reply[0][1]:
        out.append((entry_id, dict(zip(flat[::2], flat[1::2], strict=True)) if flat else None))
    return out


def _parsed_entries(reply: Any) -> list[Entry]:
    """redis-py's parsed XREADGROUP/XREAD reply for one stream as (id, fields) pairs."""
    return [(i, f or None) for i, f in reply[0][1]] if reply else []


class _Resp(asyncio.Protocol):
    """Replies matched to waiters in the order the commands were written."""

    def __init__(self) -> None:
        self.reader = hiredis.Reader(protocolError=InvalidResponse, replyError=BaseParser.parse_error)
        self.waiters: deque[asyncio.Future[Any]] = deque()
        self.transport: Any = None  # uvloop's transports are not asyncio.Transport instances
        self.lost: Exception | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        reader = self.reader
        reader.feed(data)
        waiters = self.waiters
        while True:
            reply = reader.gets()
            if reply is False:
                return
            waiter = waiters.popleft()
            if waiter.done():  # its caller was cancelled; the reply still had to be consumed
                continue
            if isinstance(reply, Exception):
                waiter.set_exception(reply)
            else:
                waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(self.lost or RedisConnectionError(f"connection to Redis lost: {exc!r}"))

    def fail(self, exc: Exception) -> None:
        self.lost = self.lost or exc
        while self.waiters:
            waiter = self.waiters.popleft()
            if not waiter.done():
                waiter.set_exception(exc)
                waiter.exception()  # retrieved: a cancelled caller must not warn at exit
        if self.transport is not None:
            self.transport.abort()


def _raised(replies: list[Any]) -> list[Any]:
    """The replies of a pipeline, or the first error among them raised."""
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies


def _expire(resp: _Resp, after_s: float) -> None:
    resp.fail(RedisTimeoutError(f"no reply from Redis within {after_s:.1f}s"))


class FastLane:
    def __init__(self, kwargs: dict[str, Any]) -> None:
        self._kwargs = kwargs
        self._timeout_s = float(kwargs.get("socket_timeout") or 5.0)
        self._connect_timeout_s = float(kwargs.get("socket_connect_timeout") or self._timeout_s)
        self._resp: _Resp | None = None
        self._connecting: asyncio.Lock | None = None

    async def xreadgroup(self, group: str, consumer: str, stream: str, start: str, *, count: int,
                         block_ms: int | None) -> list[Entry]:  # fmt: skip
        args: list[Any] = ["XREADGROUP", "GROUP", group, consumer, "COUNT", count]
        if block_ms is not None:
            args += ("BLOCK", block_ms)
        args += ("STREAMS", stream, start)
        return _entries(await self._call(args, extra_s=(block_ms or 0) / 1000))

    async def xread(self, stream: str, last: str, *, count: int, block_ms: int) -> list[Entry]:
        reply = await self._call(["XREAD", "COUNT", count, "BLOCK", block_ms, "STREAMS", stream, last],
                                 extra_s=block_ms / 1000)  # fmt: skip
        return _entries(reply)

    async def xadd(self, stream: str, fields: Fields, maxlen: int = 0) -> bytes:
        entry_id: bytes = await self._call(_append_args(stream, fields, maxlen))
        return entry_id

    async def xadd_many(self, appends: Sequence[Append]) -> list[bytes]:
        return await self._pipeline([_append_args(*a) for a in appends])

    async def evalsha(self, script: LaneScript, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        call = ["EVALSHA", script.sha, len(keys), *keys, *args]
        try:
            return await self._call(call)
        except NoScriptError:
            await self._call(["SCRIPT", "LOAD", script.source])
            return await self._call(call)

    async def aclose(self) -> None:
        resp, self._resp = self._resp, None
        if resp is not None and resp.transport is not None:
            resp.transport.close()

    async def _call(self, args: Sequence[Any], *, extra_s: float = 0.0) -> Any:
        return (await self._send([args], extra_s))[0]

    async def _pipeline(self, commands: list[list[Any]]) -> list[Any]:
        return _raised(await self._send(commands, 0.0))

    async def _send(self, commands: Sequence[Sequence[Any]], extra_s: float) -> list[Any]:
        resp = self._resp if self._resp is not None and self._resp.lost is None else await self._connect()
        return await self._write(resp, commands, extra_s)

    def issue_many(self, appends: Sequence[Append]) -> Coroutine[Any, Any, list[bytes]] | None:
        """XADDs written to the socket now, from synchronous code; their ids when awaited (errors
        raised then). None when not connected: use :meth:`xadd_many`, which connects."""
        resp = self._resp
        if resp is None or resp.lost is not None:
            return None
        return self._collect(*self._issue(resp, [_append_args(*a) for a in appends], 0.0), raise_errors=True)

    async def _write(self, resp: _Resp, commands: Sequence[Sequence[Any]], extra_s: float) -> list[Any]:
        return await self._collect(*self._issue(resp, commands, extra_s))

    def _issue(self, resp: _Resp, commands: Sequence[Sequence[Any]], extra_s: float,
               ) -> tuple[list[asyncio.Future[Any]], asyncio.TimerHandle]:  # fmt: skip
        """Queue the replies' waiters, write the commands, arm the timeout: all before returning."""
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in commands]
        resp.waiters.extend(futures)
        if len(commands) == 1:
            resp.transport.write(hiredis.pack_command(tuple(commands[0])))
        else:
            resp.transport.write(b"".join([hiredis.pack_command(tuple(c)) for c in commands]))
        return futures, loop.call_later(self._timeout_s + extra_s, _expire, resp, self._timeout_s + extra_s)

    @staticmethod
    async def _collect(futures: list[asyncio.Future[Any]], timer: asyncio.TimerHandle, *,
                       raise_errors: bool = False) -> list[Any]:  # fmt: skip
        try:
            if len(futures) == 1:
                return [await futures[0]]
            # Replies come in order: the last one arriving means all have; errors stay per reply.
            await asyncio.wait([futures[-1]])
            replies = [f.exception() or f.result() for f in futures]
        finally:
            timer.cancel()
        return _raised(replies) if raise_errors else replies

    async def _connect(self) -> _Resp:
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._resp is not None and self._resp.lost is None:
                return self._resp
            try:
                resp = await asyncio.wait_for(self._open(), self._connect_timeout_s)
            except (TimeoutError, OSError) as exc:
                raise RedisConnectionError(f"cannot connect to Redis: {exc!r}") from exc
            self._resp = resp
            return resp

    async def _open(self) -> _Resp:
        loop = asyncio.get_running_loop()
        kw = self._kwargs
        if "path" in kw:
            _, resp = await loop.create_unix_connection(_Resp, kw["path"])
        else:
            _, resp = await loop.create_connection(_Resp, kw.get("host", "127.0.0.1"), int(kw.get("port", 6379)))
        hello: list[list[Any]] = []
        if kw.get("password"):
            user = kw.get("username")
            hello.append(["AUTH", user, kw["password"]] if user else ["AUTH", kw["password"]])
        if kw.get("db"):
            hello.append(["SELECT", int(kw["db"])])
        if kw.get("client_name"):
            hello.append(["CLIENT", "SETNAME", f"{kw['client_name']}:lane"])
        # The connection is handed out only once set up: never unauthenticated or on the wrong db.
        try:
            replies = await self._write(resp, hello, 0.0) if hello else []
            refused = next((r for r in replies if isinstance(r, Exception)), None)
        except RedisError as exc:  # a single command's error is raised, not returned
            refused = exc
        except BaseException:  # timed out or cancelled half way
            resp.fail(RedisConnectionError("connection set-up interrupted"))
            raise
        if refused is not None:
            error = RedisConnectionError(f"Redis refused the connection set-up: {refused}")
            resp.fail(error)
            raise error from refused
        return resp


class ClientLane:
    """The same calls through a redis-py client (fakeredis in unit tests)."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def xreadgroup(self, group: str, consumer: str, stream: str, start: str, *, count: int,
                         block_ms: int | None) -> list[Entry]:  # fmt: skip
        return _parsed_entries(await self._client.xreadgroup(group, consumer, {stream: start}, count=count,
                                                             block=block_ms))  # fmt: skip

    async def xread(self, stream: str, last: str, *, count: int, block_ms: int) -> list[Entry]:
        return _parsed_entries(await self._client.xread({stream: last}, count=count, block=block_ms))

    async def xadd(self, stream: str, fields: Fields, maxlen: int = 0) -> bytes:
        entry_id: bytes = await self._client.xadd(stream, fields, maxlen=maxlen or None, approximate=True)
        return entry_id

    async def xadd_many(self, appends: Sequence[Append]) -> list[bytes]:
        pipe = self._client.pipeline(transaction=False)
        for stream, fields, maxlen in appends:
            pipe.xadd(stream, fields, maxlen=maxlen or None, approximate=True)
        replies: list[bytes] = await pipe.execute()
        return replies

    async def evalsha(self, script: LaneScript, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        try:
            return await self._client.evalsha(script.sha, len(keys), *keys, *args)
        except NoScriptError:
            await self._client.script_load(script.source)
            return await self._client.evalsha(script.sha, len(keys), *keys, *args)

    async def aclose(self) -> None:
        return None
