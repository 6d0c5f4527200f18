"""Value conversions for a property whose data type changes: the scalar table, the array rules,
and what is refused, with no server."""
from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemactl.conversions import (ARRIVES_AS, CONVERSIONS, INT64_MAX, INT64_MIN, Conversion, NotConvertible,
                                   conversion, describe, unsupported_reason)

SCALARS = ("text", "int", "number", "boolean", "date", "uuid")
ALL_TYPES = (*SCALARS, *(f"{t}[]" for t in SCALARS), "geoCoordinates", "phoneNumber", "blob", "object",
             "object[]", "Author")
U = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
UTC = timezone.utc
PLUS2 = timezone(timedelta(hours=2))
# what insert_many is given for each type: exactly these Python types (a bool is no int)
LEAVES_AS = {"text": str, "int": int, "number": float, "boolean": bool, "date": datetime, "uuid": uuid.UUID}


def convert(source: str, target: str, value):
    found = conversion(source, target)
    assert found is not None, unsupported_reason(source, target)
    return found.convert(value)


def same(result, expected) -> bool:
    """Equal, of the same type, and (for dates) at the same instant in UTC."""
    if isinstance(expected, list):
        return isinstance(result, list) and len(result) == len(expected) and all(map(same, result, expected))
    if isinstance(expected, datetime):
        return isinstance(result, datetime) and result.utcoffset() == timedelta(0) and result == expected
    return type(result) is type(expected) and result == expected and str(result) == str(expected)


# -- the scalar table ---------------------------------------------------------------------------

ROWS = [
    ("int", "number", 1195, 1195.0),
    ("int", "number", 0, 0.0),
    ("int", "number", INT64_MIN, float(INT64_MIN)),
    ("int", "text", 1195, "1195"),
    ("int", "text", -7, "-7"),
    ("int", "text", INT64_MAX, "9223372036854775807"),
    ("number", "text", 3.5, "3.5"),
    ("number", "text", 0.1, "0.1"),
    ("number", "text", -2.25, "-2.25"),
    ("number", "text", 3, "3"),  # a number that arrived as an int
    ("boolean", "text", True, "true"),
    ("boolean", "text", False, "false"),
    ("date", "text", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05Z"),
    ("date", "text", datetime(2024, 1, 2, 3, 4, 5, tzinfo=PLUS2), "2024-01-02T01:04:05Z"),
    ("date", "text", datetime(2024, 1, 2, 3, 4, 5, 120000, tzinfo=UTC), "2024-01-02T03:04:05.12Z"),
    ("date", "text", datetime(2024, 1, 2, 3, 4, 5, 1, tzinfo=UTC), "2024-01-02T03:04:05.000001Z"),
    ("date", "text", datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
    ("date", "text", datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05Z"),  # naive: UTC, as the client does
    ("uuid", "text", U, "0f8fad5b-d9cb-469f-a165-70867728950e"),
    ("uuid", "text", uuid.UUID("0F8FAD5BD9CB469FA16570867728950E"), "0f8fad5b-d9cb-469f-a165-70867728950e"),
    ("text", "int", "1195", 1195),
    ("text", "int", " -42 \n", -42),
    ("text", "int", "+7", 7),
    ("text", "int", "007", 7),
    ("text", "int", "9223372036854774784", 9223372036854774784),  # the largest a double holds below 2**63
    ("text", "int", "-9223372036854775808", INT64_MIN),
    ("text", "number", "3.5", 3.5),
    ("text", "number", " -1e3 ", -1000.0),
    ("text", "number", ".5", 0.5),
    ("text", "number", "5.", 5.0),
    ("text", "number", "12", 12.0),
    ("text", "number", "1.7976931348623157e308", 1.7976931348623157e308),
    ("text", "boolean", "true", True),
    ("text", "boolean", "FALSE", False),
    ("text", "boolean", " True ", True),
    ("text", "date", "2024-01-02T03:04:05Z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("text", "date", "2024-01-02T03:04:05+02:00", datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)),
    ("text", "date", "2024-01-02T03:04:05-05:30", datetime(2024, 1, 2, 8, 34, 5, tzinfo=UTC)),
    ("text", "date", "2024-01-02t03:04:05z", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ("text", "date", "2024-01-02T03:04:05.5Z", datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
    # nanoseconds are cut to microseconds, as weaviate-client cuts them when it reads a date
    ("text", "date", "2024-01-02T03:04:05.123456789Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
    ("text", "date", "2024-02-29T23:59:59Z", datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)),
    ("text", "uuid", "0f8fad5b-d9cb-469f-a165-70867728950e", U),
    ("text", "uuid", "0F8FAD5B-D9CB-469F-A165-70867728950E", U),
    ("text", "uuid", "{0f8fad5b-d9cb-469f-a165-70867728950e}", U),
    ("text", "uuid", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", U),
    ("text", "uuid", "0f8fad5bd9cb469fa16570867728950e", U),
    ("number", "int", 3.0, 3),
    ("number", "int", -0.0, 0),
    ("number", "int", -9223372036854775808.0, INT64_MIN),
    ("number", "int", 9007199254740993, 9007199254740993),  # a number that arrived as an int
]


@pytest.mark.parametrize("source, target, value, expected", ROWS)
def test_a_table_row_converts_its_values(source, target, value, expected):
    assert same(convert(source, target, value), expected)


def test_every_table_row_is_exercised_above():
    assert {(s, t) for s, t, _, _ in ROWS} == set(CONVERSIONS)


def test_the_table_holds_only_scalars_with_a_known_kind():
    for (source, target), (kind, _) in CONVERSIONS.items():
        assert source in ARRIVES_AS and target in ARRIVES_AS and source != target
        assert kind in ("widening", "parsing")
        assert conversion(source, target) == Conversion(source, target, kind, lambda v: v)


@pytest.mark.parametrize("value, text", [
    (3.0, "3"), (3.5, "3.5"), (-0.0, "-0"), (0.0, "0"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (-1e21, "-1e+21"), (1e-6, "0.000001"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (1.5e300, "1.5e+300"),
    (5e-324, "5e-324"), (123456.789, "123456.789"), (2.0**63, "9223372036854776000"),
])
def test_numbers_are_printed_as_go_and_json_print_them(value, text):
    assert convert("number", "text", value) == text


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_to_text_and_back_is_the_same_float(value):
    back = convert("text", "number", convert("number", "text", value))
    assert back == value and math.copysign(1, back) == math.copysign(1, value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.integers(-(2**53), 2**53), st.integers(-(2**10), 2**10 - 1).map(lambda n: n * 2**53)))
def test_int_to_text_and_back_is_the_same_int(value):
    """Every int Weaviate can hold (it keeps them as doubles)."""
    assert convert("text", "int", convert("int", "text", value)) == value


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.sampled_from([UTC, PLUS2, timezone(timedelta(hours=-9, minutes=-30))])))
def test_date_to_text_and_back_is_the_same_instant(value):
    text = convert("date", "text", value)
    assert text.endswith("Z")
    assert same(convert("text", "date", text), value)


@pytest.mark.parametrize("text", ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123Z", "1970-01-01T00:00:00Z",
                                  "9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z"])
def test_a_date_as_weaviate_prints_it_survives_text_to_date_to_text(text):
    assert convert("date", "text", convert("text", "date", text)) == text


def test_a_date_with_an_offset_comes_back_as_text_in_utc():
    assert convert("date", "text", convert("text", "date", "2024-01-02T00:30:00.250+01:00")) == \
        "2024-01-01T23:30:00.25Z"


@pytest.mark.parametrize("text", ["0f8fad5bd9cb469fa16570867728950e", "{0F8FAD5B-D9CB-469F-A165-70867728950E}"])
def test_a_uuid_in_any_form_comes_back_canonical(text):
    assert convert("uuid", "text", convert("text", "uuid", text)) == "0f8fad5b-d9cb-469f-a165-70867728950e"


# -- refusals -----------------------------------------------------------------------------------

FAILURES = [
    ("int", "number", 2**53 + 1, "does not fit a number exactly (it would become 9007199254740992)"),
    ("text", "int", "12a", "is not an integer"),
    ("text", "int", "9007199254740993", "does not fit an integer exactly as Weaviate keeps it"),  # was rounded
    ("text", "int", "9223372036854775807", "does not fit an integer exactly"),  # became 2**63: refused halfway
    ("text", "int", "", "is not an integer"),
    ("text", "int", "1.0", "is not an integer"),
    ("text", "int", "1_000", "is not an integer"),
    ("text", "int", "١٢", "is not an integer"),  # Arabic-Indic digits int() would take
    ("text", "int", "9223372036854775808", "is outside the int64 range"),
    ("text", "int", "-9223372036854775809", "is outside the int64 range"),
    ("text", "number", "abc", "is not a number"),
    ("text", "number", "nan", "is not a number"),
    ("text", "number", "NaN", "is not a number"),
    ("text", "number", "inf", "is not a number"),
    ("text", "number", "-Infinity", "is not a number"),
    ("text", "number", "1_0", "is not a number"),
    ("text", "number", "0x10", "is not a number"),
    ("text", "number", "1e999", "is outside the float64 range"),
    ("text", "boolean", "yes", "is not true or false"),
    ("text", "boolean", "1", "is not true or false"),
    ("text", "boolean", "", "is not true or false"),
    ("text", "date", "2024-01-02T03:04:05", "has no time zone"),
    ("text", "date", "2024-01-02", "is not an RFC 3339 date-time"),
    ("text", "date", "2024-01-02 03:04:05Z", "is not an RFC 3339 date-time"),
    ("text", "date", "yesterday", "is not an RFC 3339 date-time"),
    ("text", "date", "2024-13-02T03:04:05Z", "is not a valid date-time"),
    ("text", "date", "2023-02-29T03:04:05Z", "is not a valid date-time"),
    ("text", "date", "2024-01-02T24:00:00Z", "is not a valid date-time"),
    ("text", "date", "2024-01-02T03:04:05+24:00", "is not a valid date-time"),
    ("text", "date", "2024-01-02T03:04:05+01:60", "is not a valid date-time"),
    ("text", "date", "0001-01-01T00:00:00+01:00", "is not a valid date-time"),  # before year 1 in UTC
    ("text", "uuid", "abc", "is not a UUID"),
    ("text", "uuid", "0f8fad5b-d9cb-469f-a165-70867728950", "is not a UUID"),
    ("number", "int", 3.5, "is not a whole number"),
    ("number", "int", -0.001, "is not a whole number"),
    ("number", "int", 9223372036854775808.0, "is outside the int64 range"),
    ("number", "int", -1e19, "is outside the int64 range"),
    ("number", "int", math.inf, "is not a whole number"),
    ("number", "int", math.nan, "is not a whole number"),
    ("number", "text", math.inf, "is not a finite number"),
]


@pytest.mark.parametrize("source, target, value, reason", FAILURES)
def test_a_value_that_does_not_parse_is_refused_by_name(source, target, value, reason):
    with pytest.raises(NotConvertible) as refused:
        convert(source, target, value)
    assert str(refused.value).startswith(f"{describe(value)} {reason}")


def test_every_parsing_row_has_a_refusal_above():
    parsing = {pair for pair, (kind, _) in CONVERSIONS.items() if kind == "parsing"}
    assert parsing <= {(s, t) for s, t, _, _ in FAILURES}


def test_a_refusal_is_a_value_error():
    assert issubclass(NotConvertible, ValueError)


@pytest.mark.parametrize("source, target, value", [
    ("int", "text", True), ("number", "text", False), ("int", "number", "3"), ("text", "int", 3),
    ("date", "text", "2024-01-02T03:04:05Z"), ("uuid", "text", str(U)), ("text", "int", ["1"]),
    ("text[]", "int[]", "12"), ("text[]", "int", "12"), ("int[]", "text[]", [1, None]),
])
def test_a_value_of_the_wrong_python_type_is_a_caller_mistake_not_a_refusal(source, target, value):
    with pytest.raises(TypeError):
        convert(source, target, value)


# -- arrays -------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, target, value, expected, kind", [
    ("int", "int[]", 5, [5], "widening"),
    ("text", "text[]", "a", ["a"], "widening"),
    ("int", "number[]", 5, [5.0], "parsing"),
    ("date", "text[]", datetime(2024, 1, 2, tzinfo=UTC), ["2024-01-02T00:00:00Z"], "widening"),
    ("text", "int[]", "5", [5], "parsing"),
    ("text", "uuid[]", str(U), [U], "parsing"),
])
def test_a_scalar_goes_into_an_array_of_one(source, target, value, expected, kind):
    assert conversion(source, target).kind == kind
    assert same(convert(source, target, value), expected)


@pytest.mark.parametrize("source, target, value, expected, kind", [
    ("int[]", "number[]", [1, -2], [1.0, -2.0], "parsing"),
    ("boolean[]", "text[]", [True, False], ["true", "false"], "widening"),
    ("uuid[]", "text[]", [U], [str(U)], "widening"),
    ("text[]", "int[]", ["1", " 2"], [1, 2], "parsing"),
    ("text[]", "date[]", ["2024-01-02T03:04:05+02:00"], [datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)], "parsing"),
    ("number[]", "int[]", [1.0, 2.0], [1, 2], "parsing"),
    ("text[]", "boolean[]", [], [], "parsing"),
])
def test_an_array_converts_value_by_value(source, target, value, expected, kind):
    assert conversion(source, target).kind == kind
    assert same(convert(source, target, value), expected)


def test_a_refused_array_value_says_where_it_is_and_what_it_is():
    with pytest.raises(NotConvertible, match=r"^value 2 of 3: '12a' is not an integer$"):
        convert("text[]", "int[]", ["1", "12a", "3"])


@pytest.mark.parametrize("source, target", [("int[]", "int"), ("text[]", "int"), ("int[]", "text"),
                                            ("number[]", "int"), ("uuid[]", "uuid")])
def test_an_array_into_a_scalar_is_parsing(source, target):
    assert conversion(source, target).kind == "parsing"


@pytest.mark.parametrize("source, target, value, expected", [
    ("int[]", "int", [], None), ("int[]", "int", [7], 7), ("text[]", "int", ["7"], 7),
    ("int[]", "text", [7], "7"), ("uuid[]", "uuid", [U], U), ("text[]", "text", [], None),
])
def test_an_array_of_at_most_one_value_goes_into_a_scalar(source, target, value, expected):
    assert same(convert(source, target, value), expected) if expected is not None else \
        convert(source, target, value) is None


@pytest.mark.parametrize("source, target, value", [("int[]", "int", [1, 2]), ("text[]", "text", ["a", "b", "c"]),
                                                   ("text[]", "int", ["1", "2"])])
def test_an_array_of_more_values_does_not_go_into_a_scalar(source, target, value):
    with pytest.raises(NotConvertible, match=rf"holds {len(value)} values; {target} holds one$"):
        convert(source, target, value)


def test_an_array_into_a_scalar_still_parses_its_one_value():
    with pytest.raises(NotConvertible, match="'x' is not an integer"):
        convert("text[]", "int", ["x"])


# -- every pair of types ------------------------------------------------------------------------

PAIRS = [(s, t) for s in ALL_TYPES for t in ALL_TYPES]


@pytest.mark.parametrize("source, target", PAIRS)
def test_none_stays_none(source, target):
    found = conversion(source, target)
    if found is not None:
        assert found.convert(None) is None


@pytest.mark.parametrize("source, target", PAIRS)
def test_a_pair_is_either_converted_or_refused_with_a_reason(source, target):
    if conversion(source, target) is None:
        reason = unsupported_reason(source, target)
        assert reason.startswith(f"schemactl has no conversion from {source} to {target}")
    else:
        with pytest.raises(ValueError, match="is supported"):
            unsupported_reason(source, target)


@pytest.mark.parametrize("data_type", ALL_TYPES)
def test_the_same_type_is_an_identity_that_widens(data_type):
    found = conversion(data_type, data_type)
    assert found is not None and found.kind == "widening"
    value = [object()]
    assert found.convert(value) is value


def test_which_pairs_convert_follows_from_the_table_and_the_array_rules():
    scalar = set(CONVERSIONS) | {(t, t) for t in SCALARS}
    expected = {(s + a, t + b) for s, t in scalar for a in ("", "[]") for b in ("", "[]")} | \
        {(t, t) for t in ALL_TYPES}
    assert {(s, t) for s, t in PAIRS if conversion(s, t) is not None} == expected


@pytest.mark.parametrize("source, target, words", [
    ("date", "int", "schemactl has no conversion from date to int"),
    ("boolean", "int", "schemactl has no conversion from boolean to int"),
    ("date[]", "number", "schemactl has no conversion from date[] to number"),
    ("text", "geoCoordinates", "schemactl has no conversion from text to geoCoordinates: geoCoordinates values"),
    ("object", "text", "schemactl has no conversion from object to text: object values"),
    ("text", "Author", "schemactl has no conversion from text to Author: a cross-reference"),
    ("Author", "Book", "schemactl has no conversion from Author to Book: a cross-reference"),
])
def test_an_unsupported_pair_is_explained(source, target, words):
    assert conversion(source, target) is None
    assert unsupported_reason(source, target).startswith(words)


TEXT_FOR = {"text": "a", "int": "12", "number": "1.5", "boolean": "true", "date": "2024-01-02T03:04:05Z",
            "uuid": str(U)}
SAMPLE = {"int": 12, "number": 3.0, "boolean": True, "date": datetime(2024, 1, 2, tzinfo=PLUS2), "uuid": U}


@pytest.mark.parametrize("source, target", [p for p in PAIRS if conversion(*p) is not None and p[0] != p[1]])
def test_converted_values_have_the_python_type_the_client_sends_for_the_new_type(source, target):
    source_scalar, target_scalar = source.removesuffix("[]"), target.removesuffix("[]")
    one = TEXT_FOR[target_scalar] if source_scalar == "text" else SAMPLE[source_scalar]
    result = convert(source, target, [one] if source.endswith("[]") else one)
    values = result if target.endswith("[]") else [result]
    assert isinstance(result, list) == target.endswith("[]") and len(values) == 1
    assert type(values[0]) is LEAVES_AS[target_scalar]
    if target_scalar == "date":
        assert values[0].utcoffset() is not None


# -- describe -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [
    ("12a", "'12a'"), ("", "''"), (3.5, "3.5"), (True, "True"), (None, "None"), (U, str(U)),
    (datetime(2024, 1, 2, tzinfo=UTC), "2024-01-02T00:00:00+00:00"), ([1, 2], "[1, 2]"),
])
def test_describe_renders_a_value_briefly(value, text):
    assert describe(value) == text


def test_describe_cuts_long_values():
    assert describe("x" * 100) == repr("x" * 39 + "…")
    assert describe("x" * 40) == repr("x" * 40)
    assert describe(list(range(100))).endswith("…") and len(describe(list(range(100)))) == 40
