"""The copy's pure decisions: when objects count as equal, and when to fence, go on, or refuse."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from schemactl.apply.data_copy import FOLLOW_PASSES, CopyJob, Following, content_digest, next_step, retry_waits

JOB = CopyJob("Doc_v1", "Doc_v2", None, ("title", "rank"), ("author",), reuse=("default",))


def obj(title="a", rank=1, author=("u1",), vector=(0.5, 0.25)):
    refs = {"author": SimpleNamespace(objects=[SimpleNamespace(uuid=u) for u in author])} if author else None
    return SimpleNamespace(properties={"title": title, "rank": rank}, references=refs,
                           vector={"default": list(vector)} if vector else {})


def test_the_same_content_has_the_same_digest_whatever_the_order_of_links():
    assert content_digest(obj(author=("u1", "u2")), JOB) == content_digest(obj(author=("u2", "u1")), JOB)


@pytest.mark.parametrize("changed", [{"title": "b"}, {"rank": 2}, {"author": ("u3",)}, {"author": ()},
                                     {"vector": (0.5, 0.26)}])
def test_any_copied_difference_changes_the_digest(changed):
    assert content_digest(obj(**changed), JOB) != content_digest(obj(), JOB)


def test_a_vector_that_is_re_embedded_is_not_part_of_the_content():
    reembed = CopyJob("Doc_v1", "Doc_v2", None, ("title", "rank"), ("author",), reembed=("default",))
    assert content_digest(obj(vector=(1.0, 0.0)), reembed) == content_digest(obj(vector=(0.0, 1.0)), reembed)


def test_an_int_copied_into_a_number_property_is_equal():
    assert content_digest(obj(rank=3), JOB) == content_digest(obj(rank=3.0), JOB)


def following(left: int, compare: float = 0.2, copy_rate: float = 1000.0, passes: int = 2) -> Following:
    return Following(passes=passes, left=left, compare_seconds=compare, repaired=int(copy_rate), repair_seconds=1.0)


def test_few_differences_left_are_finished_behind_the_fence():
    assert next_step(following(10), previous=400, max_pause=10) == "fence"


def test_differences_still_shrinking_get_another_pass():
    assert next_step(following(300), previous=2000, max_pause=10) == "repair"


def test_a_steady_trickle_that_fits_the_pause_is_fenced():
    assert next_step(following(300), previous=310, max_pause=10) == "fence"


def test_a_steady_trickle_that_does_not_fit_the_pause_is_refused():
    assert next_step(following(30_000), previous=30_500, max_pause=10) == "refuse"


def test_comparing_alone_longer_than_the_pause_is_refused_once_rates_are_measured():
    assert next_step(following(0, compare=12), previous=None, max_pause=10) == "repair"
    assert next_step(following(0, compare=12), previous=5, max_pause=10) == "refuse"


def test_passes_are_bounded():
    assert next_step(following(20_000, passes=FOLLOW_PASSES), previous=40_000, max_pause=10) == "refuse"
    assert next_step(following(500, passes=FOLLOW_PASSES), previous=1000, max_pause=10) == "fence"


def test_refused_objects_are_retried_three_times_with_a_doubling_backoff():
    assert retry_waits(["embedding endpoint returned 500"]) == (0.5, 1.0, 2.0)


def test_a_module_out_of_its_request_budget_is_waited_for_past_the_minute():
    waits = retry_waits(["Every object failed: request rate limit exceeded and will not refresh in time"])
    assert sum(waits) > 61 and waits[0] >= 5


def test_pages_read_ahead_arrive_in_order_and_a_failure_reaches_the_reader():
    from schemactl.apply.data_copy import _read_ahead

    assert list(_read_ahead(iter([[1], [2], [3]]))) == [[1], [2], [3]]

    def failing():
        yield [1]
        raise RuntimeError("server gone")

    reader = _read_ahead(failing())
    assert next(reader) == [1]
    with pytest.raises(RuntimeError, match="server gone"):
        next(reader)


def test_a_reader_that_stops_early_releases_the_read_ahead_thread():
    import threading
    import time

    from schemactl.apply.data_copy import _read_ahead

    def new_read_ahead() -> list[threading.Thread]:  # a reader of another test may still be stopping
        return [t for t in threading.enumerate() if t.name == "schemactl-read-ahead" and t not in before]

    before = set(threading.enumerate())
    reader = _read_ahead(iter([[n] for n in range(100)]), depth=1)
    assert next(reader) == [0]
    assert new_read_ahead()
    reader.close()
    deadline = time.monotonic() + 2
    while new_read_ahead() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not new_read_ahead()


def test_a_multi_vector_is_part_of_the_content():
    multi = CopyJob("Doc_v1", "Doc_v2", None, ("title", "rank"), (), reuse=("colbert",), named_vectors=True)
    one = SimpleNamespace(properties={"title": "a"}, references=None, vector={"colbert": [[0.5, 0.25], [1.0, 0.0]]})
    other = SimpleNamespace(properties={"title": "a"}, references=None, vector={"colbert": [[0.5, 0.25, 1.0, 0.0]]})
    assert content_digest(one, multi) != content_digest(other, multi)


def test_objects_written_again_and_still_without_a_vector_are_no_longer_differences():
    """Weaviate embeds nothing for an object whose text is empty: once a write the server took
    leaves it without a vector, waiting for one would never end."""
    from schemactl.apply.data_copy import Differences

    diff = Differences(without_vector=["a", "b"], stale=["c"])
    for uuid in ("a", "b", "c"):
        diff.hold(uuid, object(), b"d")
    assert diff.accept_unembedded({"a", "c"}) == ["a"]  # b was not written again; c differs in content
    assert diff.without_vector == ["b"] and set(diff.held) == {"b", "c"} and diff.count == 2


def test_a_date_read_to_the_nanosecond_is_written_and_compared_as_read():
    """weaviate-client reads a date into a datetime (microseconds): its parser is wrapped so that
    the digits beyond are kept, written back as the server gave them, and compared."""
    from weaviate.collections.queries import base_executor

    from schemactl.apply.data_copy import _canonical, _writable
    from schemactl.apply.exact_dates import ExactDate
    from schemactl.conversions import conversion

    parse = base_executor._datetime_from_weaviate_str  # what the client calls for every date it reads
    exact = parse("2101-06-15T12:00:00.123456789-08:00")
    assert isinstance(exact, ExactDate) and _writable([exact]) == ["2101-06-15T12:00:00.123456789-08:00"]
    mixed = [parse("0001-01-01T00:00:00Z"), exact]  # the client tells a list's type by its first value
    assert _writable(mixed) == ["0001-01-01T00:00:00.000000+00:00", "2101-06-15T12:00:00.123456789-08:00"]
    assert _canonical(exact) == "2101-06-15T20:00:00.123456789Z"
    assert conversion("date", "text").convert(exact) == "2101-06-15T20:00:00.123456789Z"  # a retype keeps them too
    assert _canonical(parse("2101-06-15T20:00:00.123456Z")) == "2101-06-15T20:00:00.123456000Z" != _canonical(exact)
    year_zero = parse("0000-06-15T10:00:00Z")  # the client reads it as 0001-01-01, which the copy wrote
    assert _writable(year_zero) == "0000-06-15T10:00:00Z" and _canonical(year_zero) != _canonical(parse(
        "0000-09-09T10:00:00Z"))
    plain = parse("2101-06-15T20:00:00.123456000Z")  # nothing beyond the microsecond: a datetime as before
    assert type(plain) is not ExactDate and _canonical(plain) == _canonical(parse("2101-06-15T20:00:00.123456Z"))


def test_a_refusal_says_writes_outran_the_copy_only_when_they_did():
    """Before: "changes faster than the copy can follow" beside rates showing the copy 4.5× faster
    than the writes (it was each full comparison that made the final pass too long)."""
    from schemactl.apply.data_copy import outpaced

    kept_up = following(70, compare=7.0, copy_rate=76.0)
    kept_up.write_rate = 17.0
    outrun = following(5000, copy_rate=50.0)
    outrun.write_rate = 400.0
    assert outpaced(kept_up) == "changes too fast for the final pass to fit in the write pause"
    assert outpaced(outrun) == "changes faster than the copy can follow"


def test_a_write_pause_longer_than_the_bound_is_said_to_be():
    """Before: "writes … were paused for 218.6 s" with --max-write-pause 60 and nothing else (a slow
    server had made the fenced pass far longer than its estimate)."""
    from types import SimpleNamespace

    from schemactl.apply.recreate import _paused

    bound = SimpleNamespace(max_write_pause=60.0)
    assert _paused(4.2, bound) == "4.2 s"
    assert _paused(218.6, bound) == ("218.6 s (more than --max-write-pause 60 s: the server was slower than the "
                                     "estimate the fence was decided on)")
