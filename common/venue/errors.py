"""The one error a venue parser raises for a frame or object it cannot turn into domain events."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar


class VenueParseError(ValueError):
    """A malformed or unexpected venue payload: the loop counts it and dead-letters the raw frame.

    Every parser in ``common.venue`` raises this and nothing else for bad input (a ``KeyError`` or
    ``TypeError`` from a missing or mistyped field is converted), so that a caller needs one
    ``except`` to keep flowing.
    """


_P = ParamSpec("_P")
_R = TypeVar("_R")

#: What a parser may trip on in a malformed payload; all become ``VenueParseError``.
_PARSE_FAILURES = (
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    ValueError,
    ArithmeticError,
    RecursionError,
)


@contextmanager
def parse_guard(what: str) -> Iterator[None]:
    """Convert any failure of parsing inside the block into one ``VenueParseError``."""
    try:
        yield
    except VenueParseError:
        raise
    except _PARSE_FAILURES as exc:
        raise VenueParseError(f"{what}: {exc!r}") from exc


def guarded(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a public parse function so that it raises nothing but ``VenueParseError``."""

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(function)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return function(*args, **kwargs)
            except VenueParseError:
                raise
            except _PARSE_FAILURES as exc:
                raise VenueParseError(f"{what}: {exc!r}") from exc

        return wrapper

    return decorate
