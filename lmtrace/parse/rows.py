"""Events as compact rows: what scanners hand over before times move to UTC.

A row is a plain tuple of an `Event`'s fields without its path and kind
(the same for every event of a file) and without `logged_at` (known only
once the file's clock is: lmtrace.clock). Workers send rows back to the
parent (pickling a tuple costs a fraction of pickling an `Event`), and
`load_events` builds each `Event` once, with `logged_at`, instead of
building it and then copying it with `dataclasses.replace`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..events import Event, LogKind, Source

__all__ = ["Row", "build_events", "event_row", "row_event", "row_time"]

#: (line, offset, span, status, event_type, event_id, generated, rcvtime,
#:  local_time, request_id, instance_id, host_name, display_name, state,
#:  device, index, traits): `line` counts from the scanned stream's first line.
Row = tuple[Any, ...]

LINE, OFFSET, SPAN, STATUS, TYPE, ID, GENERATED, RCVTIME, LOCAL_TIME, REQUEST, INSTANCE = range(11)


def event_row(e: Event) -> Row:
    """The row of an event (for scanners that produce events)."""
    s = e.source
    return (
        s.line, s.offset, s.span, e.status, e.event_type, e.event_id, e.generated, e.rcvtime,
        e.local_time, e.request_id, e.instance_id, e.host_name, e.display_name, e.state,
        e.device, e.index, e.traits,
    )  # fmt: skip


def row_time(row: Row) -> datetime | None:
    """`Event.time` of a row: generated, else rcvtime."""
    g: datetime | None = row[GENERATED]
    return g if g is not None else row[RCVTIME]


def row_event(kind: LogKind, path: str, row: Row, line_base: int = 0, logged_at: datetime | None = None) -> Event:
    (line, offset, span, status, event_type, event_id, generated, rcvtime, local_time,
     request_id, instance_id, host_name, display_name, state, device, index, traits) = row  # fmt: skip
    return Event(
        source=Source(kind, path, line + line_base, offset, span),
        status=status,
        event_type=event_type,
        event_id=event_id,
        generated=generated,
        rcvtime=rcvtime,
        local_time=local_time,
        logged_at=logged_at,
        request_id=request_id,
        instance_id=instance_id,
        host_name=host_name,
        display_name=display_name,
        state=state,
        device=device,
        index=index,
        traits=traits,
    )


# Building an Event through its generated __init__ costs ~2 µs (keywords,
# then object.__setattr__ per field, as frozen dataclasses must); setting
# the slots directly costs a third of that, and a large log has millions of
# events. Only for fields exactly as listed here: a changed Event falls back
# to its constructor (and tests/test_parallel.py says so).
_EVENT_FIELDS = (
    "source", "status", "event_type", "event_id", "generated", "rcvtime", "local_time",
    "logged_at", "request_id", "instance_id", "host_name", "display_name", "state", "device",
    "index", "traits",
)  # fmt: skip
FAST_BUILD = tuple(f.name for f in dataclasses.fields(Event)) == _EVENT_FIELDS and not hasattr(
    Event, "__post_init__"
)
_S = tuple(getattr(Event, name).__set__ for name in _EVENT_FIELDS) if FAST_BUILD else ()
_SOURCE_FIELDS = ("kind", "path", "line", "offset", "span")
_SS = (
    tuple(getattr(Source, name).__set__ for name in _SOURCE_FIELDS)
    if tuple(f.name for f in dataclasses.fields(Source)) == _SOURCE_FIELDS
    and not hasattr(Source, "__post_init__")
    else ()
)


def build_events(
    kind: LogKind,
    path: str,
    rows: list[Row],
    *,
    line_base: int = 0,
    to_utc: Callable[[datetime], datetime] | None = None,
) -> list[Event]:
    """Events of one file's rows, `logged_at` set with `to_utc`: equal to
    `row_event(kind, path, row, line_base, logged_at)` for each row."""
    if not (_S and _SS):
        return [
            row_event(kind, path, r, line_base, None if r[LOCAL_TIME] is None or to_utc is None else to_utc(r[LOCAL_TIME]))
            for r in rows
        ]
    (s_source, s_status, s_type, s_id, s_gen, s_rcv, s_local, s_logged, s_req, s_inst, s_host,
     s_name, s_state, s_device, s_index, s_traits) = _S  # fmt: skip
    ss_kind, ss_path, ss_line, ss_offset, ss_span = _SS
    new = object.__new__
    out: list[Event] = []
    append = out.append
    for (line, offset, span, status, event_type, event_id, generated, rcvtime, local_time,
         request_id, instance_id, host_name, display_name, state, device, index, traits) in rows:  # fmt: skip
        src = new(Source)
        ss_kind(src, kind)
        ss_path(src, path)
        ss_line(src, line + line_base)
        ss_offset(src, offset)
        ss_span(src, span)
        e = new(Event)
        s_source(e, src)
        s_status(e, status)
        s_type(e, event_type)
        s_id(e, event_id)
        s_gen(e, generated)
        s_rcv(e, rcvtime)
        s_local(e, local_time)
        s_logged(e, None if local_time is None or to_utc is None else to_utc(local_time))
        s_req(e, request_id)
        s_inst(e, instance_id)
        s_host(e, host_name)
        s_name(e, display_name)
        s_state(e, state)
        s_device(e, device)
        s_index(e, index)
        s_traits(e, traits)
        append(e)
    return out
