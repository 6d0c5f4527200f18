"""How a property's values are converted when its data type changes: one table of scalar
conversions, and three rules that derive every array conversion from it.

Values arrive as weaviate-client v4 returns them over gRPC (text: str, int: int, number: float,
boolean: bool, date: aware datetime, uuid: uuid.UUID, arrays: lists; a missing value is None) and
leave in the same shapes for the new type, which is what `insert_many` accepts: dates parsed from
text are in UTC, uuids are uuid.UUID. Pure: no client, no server.

A conversion is "widening" when it succeeds for every value, "parsing" when a value may be
refused (`NotConvertible`, with a reason naming the value). None stays None for every conversion.
"""
from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

Kind = Literal["widening", "parsing"]
Step = Callable[[Any], Any]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
ARRAY = "[]"
# The scalar types that have conversions, and the Python types their values arrive as. A number
# may arrive as an int (JSON has one number type); a bool is never taken for an int or a number.
ARRIVES_AS: Mapping[str, tuple[type, ...]] = MappingProxyType({
    "text": (str,), "int": (int,), "number": (float, int), "boolean": (bool,), "date": (datetime,),
    "uuid": (uuid.UUID,),
})


class NotConvertible(ValueError):
    """A value the conversion refuses; the message says which value and why."""


def describe(value: Any) -> str:
    """A value, briefly, for error messages: strings quoted, anything longer than 40 characters cut."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:39] + "…")
    text = value.isoformat() if isinstance(value, datetime) else str(value) if isinstance(value, uuid.UUID) \
        else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


# -- renderings (widening) ----------------------------------------------------------------------

def _number_text(value: float) -> str:
    """As Go's encoding/json prints a float64, which is how Weaviate's REST API shows numbers:
    shortest round-trip digits, positional from 1e-6 up to 1e21, exponent outside (1e-7, 1e+21)."""
    value = float(value)
    if not math.isfinite(value):  # Weaviate stores none; Go's JSON refuses them too
        raise NotConvertible(f"{describe(value)} is not a finite number")
    if value == 0 or 1e-6 <= abs(value) < 1e21:
        return format(Decimal(repr(value)).normalize(), "f")  # 3.0 -> "3", -0.0 -> "-0"
    return re.sub(r"e-0(\d)", r"e-\1", repr(value))  # Go drops the exponent's leading zero: 1e-07 -> 1e-7


def _date_text(value: datetime) -> str:
    """RFC 3339 in UTC as Weaviate's REST API shows dates: "2024-01-02T03:04:05Z", fractional
    seconds only when nonzero and without trailing zeros."""
    # the client returns datetime.min, naive, for year 0; it treats naive datetimes as UTC
    utc = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    exact = re.search(r"\.(\d+)", getattr(value, "text", "") or "")  # read to the nanosecond (apply/exact_dates.py)
    digits = exact.group(1) if exact else f"{utc.microsecond:06d}"
    fraction = f".{digits}".rstrip("0").rstrip(".")
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}{fraction}Z"


def _uuid_text(value: uuid.UUID) -> str:
    return str(value)


def _boolean_text(value: bool) -> str:
    return "true" if value else "false"


# -- parsings -----------------------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_RFC3339 = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
                      r"([Zz]|[+-][0-9]{2}:[0-9]{2})?")


def _in_int64(number: int, value: Any) -> int:
    if not INT64_MIN <= number <= INT64_MAX:
        raise NotConvertible(f"{describe(value)} is outside the int64 range")
    return number


def _text_int(value: str) -> int:
    """Weaviate keeps an integer as a double (and the copy writes it as one): beyond 2**53, only
    those a double holds exactly convert; the others are refused, not rounded."""
    # a regex, not int(): int() also takes "1_000" and non-ASCII digits
    if not _INTEGER.fullmatch(value.strip()):
        raise NotConvertible(f"{describe(value)} is not an integer")
    number = _in_int64(int(value), value)
    if int(float(number)) != number:
        raise NotConvertible(f"{describe(value)} does not fit an integer exactly as Weaviate keeps it (a double: "
                             f"it would become {float(number):.17g})")
    return number


def _text_number(value: str) -> float:
    # a regex, not float(): float() also takes "nan", "inf", "1_0" and non-ASCII digits
    if not _DECIMAL.fullmatch(value.strip()):
        raise NotConvertible(f"{describe(value)} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise NotConvertible(f"{describe(value)} is outside the float64 range")
    return number


def _text_boolean(value: str) -> bool:
    word = value.strip().lower()
    if word not in ("true", "false"):
        raise NotConvertible(f"{describe(value)} is not true or false")
    return word == "true"


def _text_date(value: str) -> datetime:
    """RFC 3339 with a zone (as Weaviate accepts dates), in UTC; digits past microseconds are
    dropped, as weaviate-client drops them when it reads a date."""
    match = _RFC3339.fullmatch(value.strip())
    if not match:
        raise NotConvertible(f"{describe(value)} is not an RFC 3339 date-time like 2024-01-02T03:04:05Z")
    *fields, fraction, zone = match.groups()
    if zone is None:
        raise NotConvertible(f"{describe(value)} has no time zone (end it with Z or an offset like +02:00)")
    try:
        hours, minutes = (0, 0) if zone in "Zz" else (int(zone[1:3]), int(zone[4:6]))
        if hours > 23 or minutes > 59:
            raise ValueError(f"offset {zone} is out of range")
        offset = (-1 if zone[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes)
        year, month, day, hour, minute, second = map(int, fields)
        microsecond = int((fraction or "")[:6].ljust(6, "0"))
        local = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=timezone(offset))
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError) as error:  # month 13, offset 24:00, before year 1 in UTC...
        raise NotConvertible(f"{describe(value)} is not a valid date-time ({error})") from None


def _text_uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())  # also "{...}", "urn:uuid:..." and 32 hex digits
    except ValueError:
        raise NotConvertible(f"{describe(value)} is not a UUID") from None


def _number_int(value: float) -> int:
    if not math.isfinite(value) or not float(value).is_integer():
        raise NotConvertible(f"{describe(value)} is not a whole number")
    return _in_int64(int(value), value)


def _int_number(value: int) -> float:
    """Exact only up to 2**53: a larger int that a double cannot hold is refused, not rounded."""
    converted = float(value)
    if int(converted) != value:
        raise NotConvertible(f"{describe(value)} does not fit a number exactly (it would become {converted:.17g})")
    return converted


# (source, target) -> (kind, function), scalars only: arrays follow from it (see `conversion`).
CONVERSIONS: Mapping[tuple[str, str], tuple[Kind, Step]] = MappingProxyType({
    ("int", "number"): ("parsing", _int_number),  # parsing: the plan checks every value
    ("int", "text"): ("widening", str),
    ("number", "text"): ("widening", _number_text),
    ("boolean", "text"): ("widening", _boolean_text),
    ("date", "text"): ("widening", _date_text),
    ("uuid", "text"): ("widening", _uuid_text),
    ("text", "int"): ("parsing", _text_int),
    ("text", "number"): ("parsing", _text_number),
    ("text", "boolean"): ("parsing", _text_boolean),
    ("text", "date"): ("parsing", _text_date),
    ("text", "uuid"): ("parsing", _text_uuid),
    ("number", "int"): ("parsing", _number_int),
})


@dataclass(frozen=True)
class Conversion:
    """How the values of one property change type, e.g. text -> int[]; `convert` applies it."""

    source: str
    target: str
    kind: Kind
    step: Step = field(repr=False, compare=False)  # a value that is not None -> the converted value

    def convert(self, value: Any) -> Any:
        """The value for the new type; None stays None. Raises NotConvertible for a value it refuses,
        TypeError for one that is not of the source type at all (a caller's mistake)."""
        return None if value is None else self.step(value)


def _scalar_step(source: str, target: str) -> tuple[Kind, Step] | None:
    """One value of `source` (a scalar type) to `target`, checking it arrived as `source` does."""
    found: tuple[Kind, Step] | None = ("widening", _same) if source == target else CONVERSIONS.get((source, target))
    if found is None:
        return None
    kind, function = found
    expected = ARRIVES_AS[source]

    def step(value: Any) -> Any:
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
            # the value does not match the data type it was read for: a caller's mistake, not the data's
            raise TypeError(f"a {source} value cannot be {describe(value)} ({type(value).__name__})")
        return function(value)

    return kind, step


def _same(value: Any) -> Any:
    return value


def _split(data_type: str) -> tuple[str, bool]:
    """("int", True) for "int[]"."""
    return (data_type[:-len(ARRAY)], True) if data_type.endswith(ARRAY) else (data_type, False)


def conversion(source: str, target: str) -> Conversion | None:
    """The conversion from one data type to another, None when there is none (`unsupported_reason`
    says why). The same type, any type, gives an identity conversion of kind "widening"."""
    if source == target:
        return Conversion(source, target, "widening", _same)
    (source_scalar, from_array), (target_scalar, to_array) = _split(source), _split(target)
    if source_scalar not in ARRIVES_AS or target_scalar not in ARRIVES_AS:
        return None
    found = _scalar_step(source_scalar, target_scalar)
    if found is None:
        return None
    kind, step = found
    if not from_array:  # A -> B[]: one value, wrapped
        return Conversion(source, target, kind, (lambda value: [step(value)]) if to_array else step)
    if to_array:  # A[] -> B[]: value by value
        return Conversion(source, target, kind, lambda values: _each(step, values))
    return Conversion(source, target, "parsing", lambda values: _only(step, values, target))  # A[] -> B


def _array(values: Any) -> list[Any]:
    if not isinstance(values, list):
        raise TypeError(f"an array value cannot be {describe(values)} ({type(values).__name__})")
    return values


def _each(step: Step, values: list[Any]) -> list[Any]:
    converted = []
    for index, value in enumerate(_array(values)):
        try:
            converted.append(step(value))
        except NotConvertible as error:
            raise NotConvertible(f"value {index + 1} of {len(values)}: {error}") from None
    return converted


def _only(step: Step, values: list[Any], target: str) -> Any:
    """An array into a scalar: nothing for an empty one, its value for one of one, refused beyond."""
    if len(_array(values)) > 1:
        raise NotConvertible(f"{describe(values)} holds {len(values)} values; {target} holds one")
    return step(values[0]) if values else None


def unsupported_reason(source: str, target: str) -> str:
    """Why `conversion(source, target)` is None, in words for the user; a ValueError if it is not."""
    if conversion(source, target) is not None:
        raise ValueError(f"{source} -> {target} is supported")
    reason = f"schemactl has no conversion from {source} to {target}"
    without = [t for t in (source, target) if _split(t)[0] not in ARRIVES_AS]  # types no conversion touches
    if any(t[:1].isupper() for t in without):
        return reason + ": a cross-reference holds links to objects, not values"
    if without:
        return reason + f": {without[0]} values are never converted"
    return reason
