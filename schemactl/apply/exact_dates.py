"""Dates to the nanosecond through weaviate-client. Weaviate keeps a date to the nanosecond and
returns it so over gRPC; the client parses it into a datetime, which holds microseconds, and a
copy writing that back would drop the rest. The client's parser is wrapped so that a date with
finer digits keeps its text (ExactDate, still a datetime): the copy writes it as read (the server
parses text for a date property) and compares it to the nanosecond."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from ..connection import quiet_client_warnings

quiet_client_warnings()  # before weaviate-client is imported
from weaviate.collections.queries import base_executor

FRACTION = re.compile(r"\.(\d+)")


class ExactDate(datetime):
    """A date read with digits beyond the microsecond: `text` as the server gave it."""

    text: str


def _fraction(string: str) -> str:
    found = FRACTION.search(string)
    return found.group(1) if found else ""


def _finer(string: str) -> bool:
    return _fraction(string)[6:].strip("0") != ""


def _lost(parsed: datetime, string: str) -> bool:
    """The client reads year 0 (which Weaviate takes) as datetime.min."""
    return parsed == datetime.min and not string.startswith("0001-01-01T00:00:00")


def _keeping_digits(parse):
    def parse_exactly(string: str):
        parsed = parse(string)
        if type(parsed) is not datetime or not (_finer(string) or _lost(parsed, string)):
            return parsed
        exact = ExactDate(parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second,
                          parsed.microsecond, tzinfo=parsed.tzinfo)
        exact.text = string
        return exact
    parse_exactly.keeps_digits = True  # type: ignore[attr-defined]
    return parse_exactly


def install() -> bool:
    """Wrap the client's date parser (once); False when this client parses dates elsewhere."""
    parse = getattr(base_executor, "_datetime_from_weaviate_str", None)
    if parse is None:
        return False
    if not getattr(parse, "keeps_digits", False):
        base_executor._datetime_from_weaviate_str = _keeping_digits(parse)
    return True


def nanoseconds(value: datetime) -> str:
    """The instant in UTC to the nanosecond, one spelling for every date read (exact or not); a
    date whose fields the client could not hold (year 0), or beyond year 1-9999 in UTC, as its text."""
    if isinstance(value, ExactDate) and _lost(datetime(value.year, value.month, value.day, value.hour, value.minute,
                                                         value.second, value.microsecond), value.text):
        return value.text
    digits = _fraction(value.text) if isinstance(value, ExactDate) else f"{value.microsecond:06d}"
    try:
        utc = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    except OverflowError:  # 9999-12-31T23:30:00-01:00: the same spelling on both sides instead
        return f"{value.isoformat()}~{digits}"
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{digits[:9].ljust(9, '0')}Z"


def as_written(value):
    """A value as read, with each exact date back to its text (in lists and nested objects too)."""
    if isinstance(value, ExactDate):
        return value.text
    if isinstance(value, list):  # one kind per list, as the client tells a list's type by its first
        exact = any(isinstance(v, ExactDate) for v in value)
        return [_text(v) if exact and isinstance(v, datetime) else as_written(v) for v in value]
    if isinstance(value, dict):
        return {k: as_written(v) for k, v in value.items()}
    return value


def _text(value: datetime) -> str:
    if isinstance(value, ExactDate):
        return value.text
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat(timespec="microseconds")
