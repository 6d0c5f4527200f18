"""What validate refuses because Weaviate or weaviate-client would lose, refuse or leak it, and how
it reports files it cannot read: each finding at its file:line:column, every one at once."""
from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner

from schemactl.cli import cli
from schemactl.environments import Environment
from schemactl.jsonschema_export import render
from schemactl.validate import URL_SECRET_HINT, validate_paths

SCHEMA = jsonschema.Draft202012Validator(json.loads(render()))


def findings(tmp_path, text: str | bytes, environment: Environment | None = None) -> list[str]:
    (tmp_path / "c.yaml").write_bytes(text.encode() if isinstance(text, str) else text)
    result = validate_paths([tmp_path / "c.yaml"], environment)
    return [str(f).removeprefix(f"{tmp_path / 'c.yaml'}:") for f in result.findings]


def collection(*properties: str) -> str:
    return "name: Doc\nproperties:\n" + "".join(f"  - {p}\n" for p in properties)


# ---- property names Weaviate stores under another name ---------------------------------------

def test_a_property_name_with_an_uppercase_first_letter_is_refused_with_the_name_weaviate_stores(tmp_path):
    assert findings(tmp_path, collection("{name: title, dataType: text}", "{name: Cap, dataType: text}")) == [
        ("4:12: property name 'Cap' starts with an uppercase letter: Weaviate stores it as 'cap' (it lowercases a "
        "property name's first letter), so the file would never match the collection; write 'cap'")]


def test_an_uppercase_name_whose_lowercase_is_reserved_is_not_suggested(tmp_path):
    [found] = findings(tmp_path, collection("{name: Vector, dataType: text}"))
    assert found.endswith("'vector' is reserved too: choose another name") and "write 'vector'" not in found


def test_a_rename_from_an_uppercase_name_is_refused_too(tmp_path):
    found = findings(tmp_path, collection("{name: title, renamedFrom: Heading, dataType: text}"))
    assert len(found) == 1 and found[0].startswith("3:32: property name 'Heading'") and "write 'heading'" in found[0]


def test_names_weaviate_keeps_as_written_are_accepted(tmp_path):
    # only the first character is lowercased ('_Under' stays), and nested names keep their case
    text = collection("{name: _Under, dataType: text}", "{name: camelCase, dataType: text}",
                      "{name: obj, dataType: object, nestedProperties: [{name: Inner, dataType: text}]}")
    assert findings(tmp_path, text) == []


@pytest.mark.parametrize("name, valid", [("cap", True), ("Cap", False), ("_Under", True), ("under_Score", True)])
def test_the_json_schema_agrees_on_property_names(name, valid):
    assert SCHEMA.is_valid({"name": "Doc", "properties": [{"name": name, "dataType": "text"}]}) is valid


# ---- reserved property names ----------------------------------------------------------------

@pytest.mark.parametrize("prop, message", [
    ("{name: vector, dataType: text}", "'vector' is a reserved property name: weaviate-client refuses to insert"),
    ("{name: id, dataType: text}", "'id' is a reserved property name: Weaviate reserves it"),
    ("{name: _additional, dataType: text}", "'_additional' is a reserved property name: Weaviate reserves it"),
    ("{name: air_temp, dataType: number}", "property name 'air_temp' ends in '_temp', which Weaviate keeps"),
    ("{name: body_searchable, dataType: text}", "ends in '_searchable'"),
    ("{name: o, dataType: object, nestedProperties: [{name: vector, dataType: text}]}",
     "'vector' is a reserved property name: weaviate-client refuses"),
])
def test_names_weaviate_or_weaviate_client_refuse_are_reserved(tmp_path, prop, message):
    found = findings(tmp_path, collection(prop))
    assert len(found) == 1 and message in found[0], found


def test_a_reserved_suffix_is_a_warning_a_collection_made_by_an_older_release_can_keep(tmp_path):
    """Weaviate loads a collection with `air_temp` made before it refused the suffix: its file stays
    valid (in-place changes work); the warning says a new version of it cannot be made."""
    (tmp_path / "c.yaml").write_text(collection("{name: air_temp, dataType: number}"))
    result = validate_paths([tmp_path / "c.yaml"])
    assert result.ok and [f.severity for f in result.findings] == ["warning"]
    assert "any new version of it, fails" in result.findings[0].message


@pytest.mark.parametrize("prop", ["{name: vectors, dataType: text}", "{name: temperature, dataType: number}",
                                  "{name: o, dataType: object, nestedProperties: [{name: id, dataType: text}]}",
                                  "{name: o, dataType: object, nestedProperties: [{name: x_temp, dataType: text}]}"])
def test_names_they_take_are_not_reserved(tmp_path, prop):
    assert findings(tmp_path, collection(prop)) == []


# ---- credentials in URLs --------------------------------------------------------------------

HF = "name: Doc\nproperties:\n  - {name: t, dataType: text}\nvectorizer:\n  module: text2vec-huggingface\n"
SECRET = "S3cretNeverShown"


HINT = ("credentials never go in a file (a saved plan would keep them): give them from the environment or the "
        "command line as request headers (HUGGINGFACE_APIKEY, --header NAME=VALUE)")
USER_INFO = "a user name or password (user@ or user:password@)"


@pytest.mark.parametrize("url, what", [
    (f"http://user:{SECRET}@hf.example.com/models/m", USER_INFO),
    (f"http://{SECRET}@hf.example.com/models/m", USER_INFO),
    (f"https://hf.example.com/models/m?api_key={SECRET}", "a credential (the query parameter 'api_key')"),
    (f"https://hf.example.com/models/m?model=m&Access-Token={SECRET}",
     "a credential (the query parameter 'Access-Token')"),
    (f"https://hf.example.com/models/m?key={SECRET}", "a credential (the query parameter 'key')"),
    (f"https://hf.example.com/models/m?clientSecret={SECRET}", "a credential (the query parameter 'clientSecret')"),
    (f"https://hf.example.com/models/m#access_token={SECRET}", "a credential (the fragment parameter 'access_token')"),
])
def test_credentials_in_a_url_are_refused_where_the_url_is_without_showing_them(tmp_path, url, what):
    assert findings(tmp_path, HF + f"  endpointURL: {url}\n") == [f"6:16: endpointURL: the URL has {what} in it; {HINT}"]


def test_a_url_with_credentials_anywhere_in_the_file_is_refused(tmp_path):
    text = (collection("{name: t, dataType: text, description: 'mirror at https://u:" + SECRET + "@h/x'}")
            + f"generative: {{module: generative-openai, baseURL: 'https://h/v1?token={SECRET}'}}\n")
    found = findings(tmp_path, text)
    assert [f.split(": ")[0] for f in found] == ["3:44", "4:50"]
    assert SECRET not in "".join(found)


def test_urls_without_credentials_are_fine(tmp_path):
    assert findings(tmp_path, HF + "  endpointURL: https://hf.example.com:8443/models/m?keyword=a&page=2#top\n") == []
    # parameters only named near a credential, and an anchor, are no credential
    assert findings(tmp_path, HF + "  endpointURL: https://h/m?max_tokens=512&authMode=none\ndescription: "
                              "'see https://docs.example.com/embeddings#api-key'\n") == []


def test_the_command_line_never_shows_the_secret_and_exits_1(tmp_path):
    (tmp_path / "c.yaml").write_text(HF + f"  endpointURL: http://user:{SECRET}@h/m?api_key={SECRET}\n")
    result = CliRunner().invoke(cli, ["validate", str(tmp_path / "c.yaml")])
    assert result.exit_code == 1
    assert "endpointURL: the URL has a user name or password" in result.stdout
    assert SECRET not in result.output


def test_an_environment_override_with_credentials_in_a_url_is_refused_at_the_override(tmp_path):
    environment = Environment(overrides={"Doc": {"vectorizer": {"endpointURL": f"https://h/m?apikey={SECRET}"}}})
    environment.located(lambda name: ("schemactl.yaml", 9, 7))
    (tmp_path / "c.yaml").write_text(HF + "  endpointURL: https://h/m\n")
    result = validate_paths([tmp_path / "c.yaml"], environment)
    assert [str(f) for f in result.findings] == [
        ("schemactl.yaml:9:7: the environment's override for Doc sets vectorizer.endpointURL to a URL with a "
        f"credential (the query parameter 'apikey') in it; {HINT}")]


@pytest.mark.parametrize("url", [f"ftp://h/m?api_key={SECRET}", f"ftp://user:{SECRET}@h/m"])
def test_a_url_with_credentials_that_breaks_another_rule_too_is_never_shown(tmp_path, url):
    environment = Environment(overrides={"Doc": {"vectorizer": {"endpointURL": url}}})
    (tmp_path / "c.yaml").write_text(HF + f"  endpointURL: {url}\n")
    result = validate_paths([tmp_path / "c.yaml"], environment)
    messages = [f.message for f in result.findings]  # not "endpointURL must be an http(s) URL, got '...'"
    assert len(messages) == 2 and all(URL_SECRET_HINT in m for m in messages), messages
    assert SECRET not in "".join(map(str, result.findings))


# ---- across files: a mistake in one file is reported once -----------------------------------

def test_a_mistake_in_a_referenced_file_does_not_make_the_reference_look_dangling(tmp_path):
    (tmp_path / "author.yaml").write_text("name: Author\ndescripton: x\n")
    (tmp_path / "article.yaml").write_text("name: Article\nproperties:\n  - name: author\n    dataType: Author\n")
    result = validate_paths([tmp_path])
    assert [str(f) for f in result.findings] == [
        f"{tmp_path / 'author.yaml'}:2:1: unknown field 'descripton'; did you mean 'description'?"]


def test_an_override_of_a_collection_whose_file_has_a_mistake_is_not_called_a_typo(tmp_path):
    (tmp_path / "article.yaml").write_text("name: Article\ndescripton: x\n")
    environment = Environment(overrides={"Article": {"replicationConfig": {"factor": 3}},
                                         "Articel": {"replicationConfig": {"factor": 3}}})
    messages = {f.message for f in validate_paths([tmp_path], environment).findings}
    assert messages == {"unknown field 'descripton'; did you mean 'description'?",
                        "the environment overrides Articel, which no file declares (they declare: Article)"}


# ---- files that cannot be read --------------------------------------------------------------

def test_a_dangling_link_is_reported_not_skipped(tmp_path):
    (tmp_path / "ok.yaml").write_text("name: Doc\n")
    (tmp_path / "x.yaml").symlink_to(tmp_path / "gone.yaml")
    result = validate_paths([tmp_path])
    assert [str(f) for f in result.findings] == [
        (f"{tmp_path / 'x.yaml'}:1:1: cannot read file: it is a symbolic link to {tmp_path / 'gone.yaml'}, "
        "which does not exist")]
    assert not result.ok


def test_a_dangling_link_named_on_the_command_line_is_reported_as_a_link(tmp_path):
    (tmp_path / "x.yaml").symlink_to(tmp_path / "gone.yaml")
    result = validate_paths([tmp_path / "x.yaml"])
    assert [f.message for f in result.findings] == [
        f"cannot read file: it is a symbolic link to {tmp_path / 'gone.yaml'}, which does not exist"]


@pytest.mark.parametrize("raw, expected", [
    (b"name: Doc\ndescription: 'caf\xc3\xa9 \xff'\n", "2:20: not UTF-8 text (byte 0xff)"),  # columns count characters
    (b"\xef\xbb\xbfname: Doc\ndescription: \xfe\n", "2:14: not UTF-8 text (byte 0xfe)"),  # a BOM is not counted
    (b"\xe9name: Doc\n", "1:1: not UTF-8 text (byte 0xe9)"),
])
def test_a_byte_that_is_not_utf8_is_reported_where_it_is(tmp_path, raw, expected):
    assert findings(tmp_path, raw) == [f"{expected}; save the file as UTF-8"]


# ---- every problem at once ------------------------------------------------------------------

def test_every_duplicate_key_is_reported(tmp_path):
    text = "name: Doc\ndescription: a\nname: Doc2\nproperties:\n  - {name: t, dataType: text, name: u}\ndescription: b\n"
    assert findings(tmp_path, text) == ["3:1: duplicate key 'name'", "5:31: duplicate key 'name'",
                                        "6:1: duplicate key 'description'"]


def test_a_nan_is_reported_with_the_other_problems_of_the_file(tmp_path):
    text = "name: Doc\nreplicationConfig: {factor: .nan}\ndescripton: x\nvectorIndexConfig: {ef: .NaN}\n"
    assert findings(tmp_path, text) == ["2:29: NaN is not a valid value",
                                        "3:1: unknown field 'descripton'; did you mean 'description'?",
                                        "4:25: NaN is not a valid value"]


def test_a_nan_in_a_required_value_is_reported_once(tmp_path):
    assert findings(tmp_path, "name: .nan\n") == ["1:7: NaN is not a valid value"]


# ---- collection names -----------------------------------------------------------------------

def test_the_invalid_name_message_gives_the_limit_validate_enforces(tmp_path):
    assert findings(tmp_path, "name: My-Doc\n") == [
        ("1:7: invalid collection name 'My-Doc': start with an uppercase letter, then letters, digits or '_' "
        "(at most 249 characters)")]


@pytest.mark.parametrize("length, valid", [(249, True), (250, False), (255, False)])
def test_the_json_schema_refuses_the_names_validate_refuses(tmp_path, length, valid):
    name = "A" + "b" * (length - 1)
    assert SCHEMA.is_valid({"name": name}) is valid
    assert validate_paths([_written(tmp_path, f"name: {name}\n")]).ok is valid


def _written(tmp_path, text: str):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_a_credential_parameter_in_any_url_printed_is_masked():
    from schemactl.redact import redact

    text = 'endpointURL: "http://u:pw-1@h:1/m?api_key=QUERYSECRET88&mode=x#token=FRAGSECRET" -> "http://h/m"'
    shown = redact(text)
    assert "QUERYSECRET88" not in shown and "FRAGSECRET" not in shown and "pw-1" not in shown
    assert "api_key=***&mode=x" in shown and "tokenization=word" in redact("http://h/?tokenization=word")


def test_a_live_collection_whose_settings_hold_url_credentials_cannot_be_represented():
    """A collection made by hand with credentials in its endpointURL: pulled, its file would hold
    them, and a plan would save them (its old value): named as one schemactl cannot represent."""
    from schemactl.rest_json import Unrepresentable, from_rest

    body = {"class": "Sec", "vectorizer": "text2vec-huggingface", "moduleConfig": {"text2vec-huggingface": {
        "endpointURL": "http://u:PULLSECRET@127.0.0.1:1/models/m?api_key=PULLSECRET2"}}, "properties": []}
    with pytest.raises(Unrepresentable) as refused:
        from_rest(body)
    assert "moduleConfig.text2vec-huggingface.endpointURL is a URL with a user name or password" in str(refused.value)
    assert "PULLSECRET" not in str(refused.value)


@pytest.mark.parametrize("module, says", [
    ("text2vec-openai", "pass --header X-OpenAI-Api-Key=..."),
    ("text2vec-huggingface\n  model: a/b", "set HUGGINGFACE_APIKEY (sent as X-HuggingFace-Api-Key)"),
    ("text2vec-aws\n  region: us-east-1\n  service: bedrock\n  model: m", "the request header text2vec-aws reads its key"),
])
def test_a_key_in_a_file_names_the_header_its_module_reads_it_from(tmp_path, module, says):
    path = tmp_path / "o.yaml"
    path.write_text(f"name: O\nproperties:\n  - name: t\n    dataType: text\nvectorizer:\n  module: {module}\n"
                    "  apiKey: sk-not-shown\n")
    [finding] = [f for f in validate_paths([path]).findings if "apiKey" in f.message]
    assert says in finding.message and "sk-not-shown" not in finding.message


def test_renaming_a_reference_property_is_refused_offline(tmp_path):
    """Before: validate passed it and only plan refused it."""
    (tmp_path / "a.yaml").write_text("name: Author\nproperties:\n  - name: n\n    dataType: text\n"
                                     "vectorizer:\n  module: none\n")
    (tmp_path / "b.yaml").write_text("name: Art\nproperties:\n  - name: writer\n    renamedFrom: author\n"
                                     "    dataType: [Author]\nvectorizer:\n  module: none\n")
    [finding] = validate_paths([tmp_path]).findings
    assert (finding.line, finding.column) == (4, 18) and "a reference property cannot be renamed yet" in finding.message


def test_a_reference_to_the_old_name_of_a_renamed_collection_says_which_name_to_write(tmp_path):
    """Before: "references collection 'Writer', which no file defines", with no word of the file
    that renames Writer to Author."""
    (tmp_path / "author.yaml").write_text("name: Author\nrenamedFrom: Writer\nproperties: []\n")
    (tmp_path / "book.yaml").write_text("name: Book\nproperties:\n  - name: writtenBy\n    dataType: [Writer]\n")
    [finding] = validate_paths([tmp_path]).findings
    assert finding.message == ("'writtenBy' references collection 'Writer', which no file defines; Author is "
                               "renamed from it: write 'Author'")
