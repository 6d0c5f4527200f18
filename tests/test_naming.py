"""The names of a collection's physical versions."""
from schemactl.naming import declared_name, logical_of, next_version, version_of, versions_of


def test_a_version_name_gives_its_logical_name_and_number():
    assert version_of("Author_v12") == ("Author", 12)
    assert version_of("My_Docs_v3") == ("My_Docs", 3)
    assert [version_of(n) for n in ("Author", "author_v1", "Author_v", "Author_vx")] == [None] * 4
    assert (logical_of("Author_v2"), logical_of("Legacy")) == ("Author", "Legacy")


def test_the_next_version_follows_the_highest_there_is():
    assert next_version("Doc", set()) == "Doc_v1"
    assert next_version("Doc", {"Doc_v1", "Doc_v9", "Doc_v10", "Docs_v40", "Other_v50"}) == "Doc_v11"


def test_versions_are_listed_oldest_first_and_only_below_a_number_when_asked():
    names = ["Doc_v10", "Doc_v2", "Docs_v1", "Doc", "Doc_v1"]
    assert versions_of("Doc", names) == ["Doc_v1", "Doc_v2", "Doc_v10"]
    assert versions_of("Doc", names, below=10) == ["Doc_v1", "Doc_v2"]


def test_versions_are_listed_by_number_not_as_text():
    from schemactl.plan import make_plan

    plan = make_plan((), target="http://x", desired_hash="d", live_fingerprint="l",
                     retained=("Article_v10", "Article_v2", "Author_v1", "Article_v1"))
    assert plan.retained == ("Article_v1", "Article_v2", "Article_v10", "Author_v1")


def test_a_live_reference_target_is_read_as_the_file_names_it():
    """A link a stopped apply left on an old version, or on a collection renamed twice since, is
    read as the file's target (so its links follow); one the file does not name stays itself."""
    renamed = {"Writer": "Author", "Author": "Person"}
    assert declared_name("Author_v2", ("Person", "Book"), renamed) == "Person"
    assert declared_name("Writer_v1", ("Person",), renamed) == "Person"
    assert declared_name("Book_v3", ("Person", "Book"), renamed) == "Book"
    assert declared_name("Book_v3", ("Person",), renamed) == "Book"
    assert declared_name("Author", ("Author",), renamed) == "Author"  # named as it is: not followed
    assert declared_name("A", ("C",), {"A": "B", "B": "A"}) in {"A", "B"}  # a loop ends
