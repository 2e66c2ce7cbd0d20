"""Tests for pytest_mturk.questions: question, answer and answer-key XML, and generated answers."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from pytest_mturk.questions import (
    ANSWER_KEY_NS,
    ANSWERS_NS,
    EXTERNAL_QUESTION_NS,
    HTML_QUESTION_NS,
    QUESTION_FORM_NS_2005,
    QUESTION_FORM_NS_2017,
    AnswerError,
    FormField,
    ParsedQuestion,
    PercentageMapping,
    QuestionXMLError,
    RangeMapping,
    ScaleMapping,
    build_answers_xml,
    generate_answers,
    html_form_fields,
    parse_answer_key,
    parse_answers_xml,
    parse_qualification_test,
    parse_question,
    validate_answer_key_against_test,
    validate_answers_xml,
)

DECL = '<?xml version="1.0" encoding="ASCII"?>'


# --------------------------------------------------------------------------------------------
# builders


def selection_q(
    qid: str,
    ids: list[str],
    *,
    required: bool | None = None,
    min_count: int | None = None,
    max_count: int | None = None,
    style: str | None = None,
    other: bool = False,
) -> str:
    parts = [f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier>"]
    if required is not None:
        parts.append(f"<IsRequired>{str(required).lower()}</IsRequired>")
    parts.append("<QuestionContent><Text>Pick</Text></QuestionContent>")
    parts.append("<AnswerSpecification><SelectionAnswer>")
    if min_count is not None:
        parts.append(f"<MinSelectionCount>{min_count}</MinSelectionCount>")
    if max_count is not None:
        parts.append(f"<MaxSelectionCount>{max_count}</MaxSelectionCount>")
    if style is not None:
        parts.append(f"<StyleSuggestion>{style}</StyleSuggestion>")
    parts.append("<Selections>")
    for sid in ids:
        parts.append(
            f"<Selection><SelectionIdentifier>{sid}</SelectionIdentifier>"
            f"<Text>{sid.upper()}</Text></Selection>"
        )
    if other:
        parts.append("<OtherSelection/>")
    parts.append("</Selections></SelectionAnswer></AnswerSpecification></Question>")
    return "".join(parts)


def free_text_q(qid: str, constraints: str = "") -> str:
    body = f"<Constraints>{constraints}</Constraints>" if constraints else ""
    return (
        f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier>"
        "<QuestionContent><Text>Say</Text></QuestionContent>"
        f"<AnswerSpecification><FreeTextAnswer>{body}</FreeTextAnswer></AnswerSpecification>"
        "</Question>"
    )


def upload_q(qid: str, low: int | None = None, high: int | None = None) -> str:
    sizes = ""
    if high is not None:
        sizes += f"<MaxFileSizeInBytes>{high}</MaxFileSizeInBytes>"
    if low is not None:
        sizes += f"<MinFileSizeInBytes>{low}</MinFileSizeInBytes>"
    return (
        f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier>"
        "<QuestionContent><Text>Upload</Text></QuestionContent>"
        f"<AnswerSpecification><FileUploadAnswer>{sizes}</FileUploadAnswer></AnswerSpecification>"
        "</Question>"
    )


def form(*questions: str, ns: str = QUESTION_FORM_NS_2017, overview: bool = False) -> str:
    head = "<Overview><Text>Read this</Text></Overview>" if overview else ""
    return f'<QuestionForm xmlns="{ns}">{head}{"".join(questions)}</QuestionForm>'


def external(url: str = "https://example.org/task", height: str = "600") -> str:
    return (
        f'<ExternalQuestion xmlns="{EXTERNAL_QUESTION_NS}"><ExternalURL>{url}</ExternalURL>'
        f"<FrameHeight>{height}</FrameHeight></ExternalQuestion>"
    )


def html_question(body: str, height: str = "0") -> str:
    return (
        f'<HTMLQuestion xmlns="{HTML_QUESTION_NS}"><HTMLContent><![CDATA[{body}]]></HTMLContent>'
        f"<FrameHeight>{height}</FrameHeight></HTMLQuestion>"
    )


def details(xml: str) -> str:
    with pytest.raises(QuestionXMLError) as info:
        parse_question(xml)
    assert str(info.value) == info.value.details
    return info.value.details


SIMPLE_FORM = form(selection_q("q1", ["a", "b"], required=True), free_text_q("comment"))


# --------------------------------------------------------------------------------------------
# parse_question: QuestionForm


def test_namespaces_are_the_schema_urls() -> None:
    base = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
    actual = [
        QUESTION_FORM_NS_2017,
        QUESTION_FORM_NS_2005,
        EXTERNAL_QUESTION_NS,
        HTML_QUESTION_NS,
        ANSWERS_NS,
        ANSWER_KEY_NS,
    ]
    assert actual == [
        base + "2017-11-06/QuestionForm.xsd",
        base + "2005-10-01/QuestionForm.xsd",
        base + "2006-07-14/ExternalQuestion.xsd",
        base + "2011-11-11/HTMLQuestion.xsd",
        base + "2005-10-01/QuestionFormAnswers.xsd",
        base + "2005-10-01/AnswerKey.xsd",
    ]


def test_reference_minimal_question_form() -> None:
    parsed = parse_question(form(selection_q("q1", ["a", "b"], required=True, style="radiobutton")))
    assert parsed.kind == "QuestionForm"
    assert parsed.external_url is None and parsed.html is None and parsed.frame_height is None
    (q,) = parsed.questions
    assert q.identifier == "q1"
    assert q.answer_kind == "Selection"
    assert q.is_required is True
    assert q.selections == ("a", "b")
    assert (q.min_selections, q.max_selections) == (1, 1)
    assert q.other_selection is False
    assert q.free_text is None


@pytest.mark.parametrize("ns", [QUESTION_FORM_NS_2005, QUESTION_FORM_NS_2017])
def test_both_question_form_namespaces_accepted(ns: str) -> None:
    parsed = parse_question(form(free_text_q("x"), ns=ns, overview=True))
    assert [q.identifier for q in parsed.questions] == ["x"]


def test_selection_defaults_follow_is_required() -> None:
    parsed = parse_question(
        form(selection_q("req", ["a"], required=True), selection_q("opt", ["a"]))
    )
    req, opt = parsed.questions
    assert (req.is_required, req.min_selections, req.max_selections) == (True, 1, 1)
    assert (opt.is_required, opt.min_selections, opt.max_selections) == (False, 0, 1)


@pytest.mark.parametrize("style", ["checkbox", "list"])
def test_multi_select_style_defaults_max_to_number_of_selections(style: str) -> None:
    parsed = parse_question(form(selection_q("q", ["a", "b", "c"], style=style)))
    assert parsed.questions[0].max_selections == 3


def test_explicit_selection_counts_and_other_selection() -> None:
    xml = form(selection_q("q", ["a", "b", "c"], min_count=2, max_count=3, other=True))
    q = parse_question(xml).questions[0]
    assert (q.min_selections, q.max_selections, q.other_selection) == (2, 3, True)


def test_min_greater_than_max_is_rejected() -> None:
    text = details(form(selection_q("q", ["a", "b"], min_count=2, max_count=1)))
    assert "MinSelectionCount (2)" in text and "'q'" in text


def test_free_text_constraints() -> None:
    constraints = (
        '<IsNumeric minValue="1" maxValue="10"/><Length minLength="1" maxLength="2"/>'
        '<AnswerFormatRegex regex="\\d+" errorText="digits"/>'
    )
    q = parse_question(form(free_text_q("n", constraints), free_text_q("plain"))).questions
    c = q[0].free_text
    assert c is not None
    assert (c.is_numeric, c.min_value, c.max_value) == (True, 1, 10)
    assert (c.min_length, c.max_length, c.regex) == (1, 2, "\\d+")
    plain = q[1].free_text
    assert plain is not None and not plain.is_numeric and plain.regex is None
    assert plain.min_value is None and plain.max_length is None


def test_regex_case_insensitive_flag_is_kept() -> None:
    q = parse_question(form(free_text_q("r", '<AnswerFormatRegex regex="ab" flags="i"/>')))
    assert q.questions[0].free_text is not None
    assert q.questions[0].free_text.regex == "(?i)ab"


def test_file_upload_sizes_and_defaults() -> None:
    parsed = parse_question(form(upload_q("f", 10, 2000), upload_q("g")))
    f, g = parsed.questions
    assert (f.answer_kind, f.file_min_bytes, f.file_max_bytes) == ("FileUpload", 10, 2000)
    assert (g.file_min_bytes, g.file_max_bytes) == (0, 2_000_000_000)
    assert "MinFileSizeInBytes (5)" in details(form(upload_q("h", 5, 1)))


def test_parse_question_is_cached() -> None:
    xml = form(free_text_q("cached-one"))
    first = parse_question(xml)
    assert parse_question(xml) is first
    assert parse_question(xml + " ") is not first  # another string, parsed again
    assert parse_question(xml + " ") == first


def test_parse_question_results_are_frozen() -> None:
    parsed = parse_question(SIMPLE_FORM)
    with pytest.raises(AttributeError):
        parsed.kind = "HTMLQuestion"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# parse_question: errors


@pytest.mark.parametrize(
    ("xml", "element"),
    [
        ("<QuestionForm><Question/></QuestionForm>", "QuestionForm"),
        (f'<QuestionForm xmlns="{EXTERNAL_QUESTION_NS}"/>', "QuestionForm"),
        (f'<Foo xmlns="{QUESTION_FORM_NS_2017}"/>', "Foo"),
        (f'<ExternalQuestion xmlns="{HTML_QUESTION_NS}"/>', "ExternalQuestion"),
        (f'<AnswerKey xmlns="{ANSWER_KEY_NS}"/>', "AnswerKey"),
    ],
)
def test_wrong_root_or_namespace(xml: str, element: str) -> None:
    assert details(xml) == f"cvc-elt.1: Cannot find the declaration of element '{element}'."


def test_malformed_xml_gives_parser_message() -> None:
    assert details("<QuestionForm><a></QuestionForm>").startswith("Opening and ending tag mismatch")
    assert "Document is empty" in details("")
    assert "Start tag expected" in details("not xml")


def test_doctype_and_entities_are_refused() -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + form(
        free_text_q("&e;")
    )
    assert "DOCTYPE is disallowed" in details(evil)
    assert "Entity 'nope' not defined" in details(form(free_text_q("&nope;")))


def test_question_form_needs_a_question() -> None:
    assert "The content of element 'QuestionForm' is not complete" in details(form())
    only_overview = details(form(overview=True))
    assert "not complete" in only_overview and ":Question}" in only_overview


def test_missing_question_identifier() -> None:
    xml = form(free_text_q("x").replace("<QuestionIdentifier>x</QuestionIdentifier>", ""))
    text = details(xml)
    assert text.startswith(
        "cvc-complex-type.2.4.a: Invalid content was found starting with element 'QuestionContent'."
    )
    assert f'"{QUESTION_FORM_NS_2017}":QuestionIdentifier' in text


def test_missing_question_content_and_answer_specification() -> None:
    no_content = free_text_q("x").replace("<QuestionContent><Text>Say</Text></QuestionContent>", "")
    assert "'AnswerSpecification'" in details(form(no_content))
    no_spec = "<Question><QuestionIdentifier>x</QuestionIdentifier><QuestionContent/></Question>"
    assert details(form(no_spec)).startswith(
        "cvc-complex-type.2.4.b: The content of element 'Question' is not complete."
    )


def test_empty_question_identifier() -> None:
    assert "must not be empty" in details(form(free_text_q("  ")))


def test_duplicate_question_identifier() -> None:
    assert "'dup'" in details(form(free_text_q("dup"), free_text_q("dup")))


def test_answer_specification_needs_exactly_one_answer() -> None:
    two = free_text_q("x").replace(
        "</FreeTextAnswer>", "</FreeTextAnswer><FreeTextAnswer></FreeTextAnswer>"
    )
    assert "2.4.d" in details(form(two)) and "'FreeTextAnswer'" in details(form(two))
    none = free_text_q("x").replace("<FreeTextAnswer></FreeTextAnswer>", "")
    assert "'AnswerSpecification' is not complete" in details(form(none))


def test_unknown_child_element_in_question() -> None:
    xml = form(free_text_q("x").replace("<QuestionContent>", "<Bogus/><QuestionContent>"))
    assert "starting with element 'Bogus'" in details(xml)


def test_children_in_another_namespace_are_rejected() -> None:
    xml = form(free_text_q("x")).replace("<Question>", '<Question xmlns="urn:other">', 1)
    assert "starting with element 'Question'" in details(xml)


def test_selection_needs_identifier_and_selections() -> None:
    no_id = selection_q("q", ["a"]).replace("<SelectionIdentifier>a</SelectionIdentifier>", "")
    assert "'Text'" in details(form(no_id))
    empty = selection_q("q", [])
    assert "'Selections' is not complete" in details(form(empty))
    only_other = parse_question(form(selection_q("q", [], other=True))).questions[0]
    assert only_other.selections == () and only_other.other_selection


def test_bad_integers_and_booleans() -> None:
    assert details(form(selection_q("q", ["a"], min_count="x"))) == (  # type: ignore[arg-type]
        "cvc-datatype-valid.1.2.1: 'x' is not a valid value for 'integer'."
    )
    bad_bool = free_text_q("q").replace(
        "<QuestionContent>", "<IsRequired>yes</IsRequired><QuestionContent>"
    )
    assert "'yes' is not a valid value for 'boolean'" in details(form(bad_bool))
    numeric = '<IsNumeric minValue="one"/>'
    assert "'one' is not a valid value for 'integer'" in details(form(free_text_q("q", numeric)))


def test_regex_constraint_needs_regex_attribute() -> None:
    assert "'regex'" in details(form(free_text_q("q", "<AnswerFormatRegex/>")))


# --------------------------------------------------------------------------------------------
# ExternalQuestion and HTMLQuestion


def test_external_question() -> None:
    parsed = parse_question(external("https://example.org/task?x=1", " 600 "))
    assert parsed == ParsedQuestion(
        "ExternalQuestion", (), "https://example.org/task?x=1", 600, None
    )


@pytest.mark.parametrize("url", ["http://example.org/task", "ftp://x/y", "example.org", "https://"])
def test_external_url_must_be_https(url: str) -> None:
    assert details(external(url)) == "ExternalURL must be an https URL."


@pytest.mark.parametrize(
    ("height", "message"),
    [
        ("tall", "'tall' is not a valid value for 'integer'"),
        ("-1", "cvc-minInclusive-valid: Value '-1'"),
        ("", "'' is not a valid value for 'integer'"),
    ],
)
def test_frame_height_must_be_a_non_negative_integer(height: str, message: str) -> None:
    assert message in details(external(height=height))
    assert message in details(html_question("<p>x</p>", height=height))


def test_external_question_requires_both_elements() -> None:
    xml = external().replace("<ExternalURL>https://example.org/task</ExternalURL>", "")
    assert "'FrameHeight'" in details(xml) and ":ExternalURL" in details(xml)


def test_html_question() -> None:
    body = "<!DOCTYPE html><html><body><form><input name='answer'/></form></body></html>"
    parsed = parse_question(html_question(body, "450"))
    assert (parsed.kind, parsed.frame_height, parsed.html) == ("HTMLQuestion", 450, body)
    assert parsed.questions == ()


def test_html_question_needs_content() -> None:
    assert details(html_question("   ")) == "HTMLContent must not be empty."


# --------------------------------------------------------------------------------------------
# parse_qualification_test


def test_qualification_test_must_be_a_question_form() -> None:
    assert parse_qualification_test(SIMPLE_FORM).kind == "QuestionForm"
    assert parse_qualification_test(SIMPLE_FORM) is parse_qualification_test(SIMPLE_FORM)
    for xml in (external(), html_question("<p>x</p>")):
        with pytest.raises(QuestionXMLError, match=r"cvc-elt\.1: Cannot find the declaration"):
            parse_qualification_test(xml)
    with pytest.raises(QuestionXMLError, match="'dup'"):
        parse_qualification_test(form(free_text_q("dup"), free_text_q("dup")))


# --------------------------------------------------------------------------------------------
# html_form_fields

PLAIN_HTML = """<!DOCTYPE html><html><body>
<form method="post" action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" name="assignmentId" value="">
  <input type="hidden" name="hitId"><input name="workerId"><input name="turkSubmitTo">
  <input type="hidden" name="token" value="t1">
  <input name="name" required>
  <input type="number" name="age">
  <input type="email" name="mail">
  <input type="date" name="when">
  <input type="radio" name="color" value="red">
  <input type="radio" name="color" value="blue" required>
  <input type="checkbox" name="topics" value="a"><input type="checkbox" name="topics" value="b">
  <input type="checkbox" name="agree">
  <select name="size"><option value="S">Small</option><option>M</option></select>
  <textarea name="notes"></textarea>
  <input type="text" name="off" disabled>
  <input type="submit" name="go" value="Submit"><button name="btn">x</button>
  <input value="no name">
</form></body></html>"""


def test_html_form_fields_plain_form() -> None:
    fields = html_form_fields(PLAIN_HTML)
    assert fields == (
        FormField("token", "hidden", (), False),
        FormField("name", "text", (), True),
        FormField("age", "number", (), False),
        FormField("mail", "email", (), False),
        FormField("when", "other", (), False),
        FormField("color", "radio", ("red", "blue"), True),
        FormField("topics", "checkbox", ("a", "b"), False),
        FormField("agree", "checkbox", ("on",), False),
        FormField("size", "select", ("S", "M"), False),
        FormField("notes", "textarea", (), False),
    )
    assert html_form_fields(PLAIN_HTML) is fields


CROWD_HTML = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form answer-format="flatten-objects">
  <crowd-input name="title" required></crowd-input>
  <crowd-input name="count" type="number"></crowd-input>
  <crowd-text-area name="essay"></crowd-text-area>
  <crowd-radio-group name="mood">
    <crowd-radio-button name="happy" value="happy">Happy</crowd-radio-button>
    <crowd-radio-button name="sad" value="sad">Sad</crowd-radio-button>
  </crowd-radio-group>
  <crowd-radio-group>
    <crowd-radio-button name="yes">Yes</crowd-radio-button>
    <crowd-radio-button name="no">No</crowd-radio-button>
  </crowd-radio-group>
  <crowd-checkbox name="sure">Sure?</crowd-checkbox>
  <crowd-classifier name="sentiment" categories="['Positive', 'Negative', 'Neutral']"
      header="How does it feel?"></crowd-classifier>
  <crowd-classifier name="json" categories='["x", "y"]'></crowd-classifier>
  <crowd-slider name="level" min="0" max="10"></crowd-slider>
  <crowd-button form-action="submit">Submit</crowd-button>
</crowd-form>"""


def test_html_form_fields_crowd_elements() -> None:
    fields = {f.name: f for f in html_form_fields(CROWD_HTML)}
    assert list(fields) == [
        "title",
        "count",
        "essay",
        "mood",
        "yes|no",
        "sure",
        "sentiment",
        "json",
        "level",
    ]
    assert fields["title"] == FormField("title", "text", (), True)
    assert fields["count"].kind == "number"
    assert fields["essay"].kind == "textarea"
    assert fields["mood"] == FormField("mood", "radio", ("happy", "sad"), False)
    assert fields["yes|no"].options == ("yes", "no")
    assert fields["sure"] == FormField("sure", "checkbox", ("on",), False)
    assert fields["sentiment"] == FormField(
        "sentiment", "radio", ("Positive", "Negative", "Neutral"), False
    )
    assert fields["json"].options == ("x", "y")
    assert fields["level"].kind == "other"


def test_html_form_fields_of_empty_or_fieldless_html() -> None:
    assert html_form_fields("") == ()
    assert html_form_fields("<p>Nothing to answer</p>") == ()


# --------------------------------------------------------------------------------------------
# build_answers_xml


def test_build_answers_xml_shape_and_stdlib_parse() -> None:
    question = parse_question(SIMPLE_FORM)
    xml = build_answers_xml({"q1": "b", "comment": "fine & <ok>"}, question)
    assert xml.startswith(DECL + "<QuestionFormAnswers xmlns=")
    assert "\n" not in xml
    root = ET.fromstring(xml)
    ns = {"a": ANSWERS_NS}
    assert root.tag == f"{{{ANSWERS_NS}}}QuestionFormAnswers"
    answers = root.findall("a:Answer", ns)
    assert [a.findtext("a:QuestionIdentifier", namespaces=ns) for a in answers] == [
        "q1",
        "comment",
    ]
    assert answers[0].findtext("a:SelectionIdentifier", namespaces=ns) == "b"
    assert answers[0].find("a:FreeText", ns) is None
    assert answers[1].findtext("a:FreeText", namespaces=ns) == "fine & <ok>"


def test_build_answers_xml_keeps_mapping_order() -> None:
    question = parse_question(SIMPLE_FORM)
    xml = build_answers_xml({"comment": "x", "q1": "a"}, question)
    assert xml.index("comment") < xml.index("q1")


def test_round_trip_through_parse_answers_xml() -> None:
    xml_form = form(
        selection_q("multi", ["a", "b", "c"], style="checkbox"),
        selection_q("other", ["a"], other=True),
        free_text_q("text"),
        upload_q("file"),
    )
    question = parse_question(xml_form)
    xml = build_answers_xml(
        {"multi": ["a", "c"], "other": ["a", "my own"], "text": "  spaced  ", "file": b"12345"},
        question,
        upload_keys={"file": "uploads/key-1"},
    )
    assert "<UploadedFileSizeInBytes>5</UploadedFileSizeInBytes>" in xml
    assert parse_answers_xml(xml) == {
        "multi": ["a", "c"],
        "other": ["a", "my own"],
        "text": "  spaced  ",
        "file": "uploads/key-1",
    }


def test_single_string_other_selection_text() -> None:
    question = parse_question(form(selection_q("q", ["a", "b"], other=True)))
    xml = build_answers_xml({"q": "something else"}, question)
    assert "<OtherSelectionText>something else</OtherSelectionText>" in xml
    assert "SelectionIdentifier" not in xml
    assert parse_answers_xml(xml) == {"q": ["something else"]}


def test_unknown_question_identifier() -> None:
    question = parse_question(form(free_text_q("q1"), free_text_q("q2")))
    with pytest.raises(AnswerError) as info:
        build_answers_xml({"q1": "x", "q9": "y"}, question)
    assert str(info.value) == '"q9" is not a question of this HIT (its questions: q1, q2)'


def test_unknown_selection_without_other_selection() -> None:
    question = parse_question(SIMPLE_FORM)
    with pytest.raises(AnswerError, match='"z" is not a selection of question "q1"'):
        build_answers_xml({"q1": "z"}, question)
    with pytest.raises(AnswerError, match='"z" is not a selection'):
        build_answers_xml({"q1": ["a", "z"]}, question)


def test_only_one_other_selection_text() -> None:
    question = parse_question(form(selection_q("q", ["a"], other=True)))
    with pytest.raises(AnswerError, match='one "other" text'):
        build_answers_xml({"q": ["x", "y"]}, question)


def test_wrong_value_types_for_question_form() -> None:
    question = parse_question(form(free_text_q("t"), upload_q("f"), selection_q("s", ["a"])))
    with pytest.raises(AnswerError, match="free-text"):
        build_answers_xml({"t": ["a", "b"]}, question)
    with pytest.raises(AnswerError, match="file upload"):
        build_answers_xml({"f": "a string"}, question, upload_keys={"f": "k"})
    with pytest.raises(AnswerError, match="no upload key"):
        build_answers_xml({"f": b"data"}, question)
    with pytest.raises(AnswerError, match="not a file upload"):
        build_answers_xml({"t": b"data"}, question)


def test_external_and_html_answers_are_free_text_with_pipe_joined_lists() -> None:
    for question in (parse_question(external()), parse_question(html_question("<p/>")), None):
        xml = build_answers_xml({"anything": "x", "boxes": ["a", "b"]}, question)
        assert "<FreeText>x</FreeText>" in xml
        assert "<FreeText>a|b</FreeText>" in xml
        assert "SelectionIdentifier" not in xml
        assert parse_answers_xml(xml) == {"anything": "x", "boxes": "a|b"}
        with pytest.raises(AnswerError, match="bytes"):
            build_answers_xml({"f": b"x"}, question)


def test_build_rejects_bad_identifiers_and_unwritable_text() -> None:
    with pytest.raises(AnswerError, match="non-empty"):
        build_answers_xml({"": "x"})
    with pytest.raises(AnswerError, match="cannot be written"):
        build_answers_xml({"q": "bell\x07"})


def test_build_empty_answers() -> None:
    xml = build_answers_xml({})
    assert ET.fromstring(xml).tag == f"{{{ANSWERS_NS}}}QuestionFormAnswers"
    assert parse_answers_xml(xml) == {}


# --------------------------------------------------------------------------------------------
# validate_answers_xml and parse_answers_xml


def answers_doc(body: str, ns: str = ANSWERS_NS) -> str:
    return f'<QuestionFormAnswers xmlns="{ns}">{body}</QuestionFormAnswers>'


def test_validate_answers_xml_adds_declaration() -> None:
    doc = answers_doc(
        "<Answer><QuestionIdentifier>q1</QuestionIdentifier><FreeText>x</FreeText></Answer>"
    )
    assert validate_answers_xml(doc) == DECL + doc
    assert validate_answers_xml(DECL + doc) == DECL + doc
    other_decl = '<?xml version="1.0"?>' + doc
    assert validate_answers_xml(other_decl) == other_decl


def test_validate_answers_xml_checks_identifiers_against_the_form() -> None:
    question = parse_question(SIMPLE_FORM)
    ok = answers_doc(
        "<Answer><QuestionIdentifier>q1</QuestionIdentifier>"
        "<SelectionIdentifier>a</SelectionIdentifier></Answer>"
    )
    assert validate_answers_xml(ok, question) == DECL + ok
    bad = answers_doc("<Answer><QuestionIdentifier>nope</QuestionIdentifier></Answer>")
    with pytest.raises(AnswerError, match='"nope" is not a question of this HIT'):
        validate_answers_xml(bad, question)
    assert validate_answers_xml(bad, parse_question(external())) == DECL + bad


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<QuestionFormAnswers>", "not a valid QuestionFormAnswers"),
        (answers_doc("", ns="urn:x"), "Cannot find the declaration of element"),
        ("<Other/>", "Cannot find the declaration of element 'Other'"),
        (answers_doc("<Answer><FreeText>x</FreeText></Answer>"), "'FreeText'"),
        (answers_doc("<Answer/>"), "'Answer' is not complete"),
        (answers_doc("<Oops/>"), "'Oops'"),
        (answers_doc("<Answer><QuestionIdentifier> </QuestionIdentifier></Answer>"), "empty"),
        (
            answers_doc(
                "<Answer><QuestionIdentifier>a</QuestionIdentifier></Answer>"
                "<Answer><QuestionIdentifier>a</QuestionIdentifier></Answer>"
            ),
            "more than once",
        ),
    ],
)
def test_validate_answers_xml_errors(xml: str, message: str) -> None:
    with pytest.raises(AnswerError, match=re.escape(message)):
        validate_answers_xml(xml)


def test_parse_answers_xml_reads_every_answer_form() -> None:
    doc = DECL + answers_doc(
        "<Answer><QuestionIdentifier>t</QuestionIdentifier><FreeText>hello</FreeText></Answer>"
        "<Answer><QuestionIdentifier>s</QuestionIdentifier>"
        "<SelectionIdentifier>a</SelectionIdentifier><SelectionIdentifier>b</SelectionIdentifier>"
        "<OtherSelectionText>c</OtherSelectionText></Answer>"
        "<Answer><QuestionIdentifier>u</QuestionIdentifier>"
        "<UploadedFileSizeInBytes>3</UploadedFileSizeInBytes>"
        "<UploadedFileKey>key</UploadedFileKey></Answer>"
        "<Answer><QuestionIdentifier>none</QuestionIdentifier></Answer>"
    )
    assert parse_answers_xml(doc) == {"t": "hello", "s": ["a", "b", "c"], "u": "key", "none": []}
    with pytest.raises(AnswerError):
        parse_answers_xml("<broken")


# --------------------------------------------------------------------------------------------
# AnswerKey


def key_question(qid: str, options: list[tuple[list[str], int]], default: int | None = None) -> str:
    body = "".join(
        "<AnswerOption>"
        + "".join(f"<SelectionIdentifier>{s}</SelectionIdentifier>" for s in sels)
        + f"<AnswerScore>{score}</AnswerScore></AnswerOption>"
        for sels, score in options
    )
    if default is not None:
        body += f"<DefaultScore>{default}</DefaultScore>"
    return f"<Question><QuestionIdentifier>{qid}</QuestionIdentifier>{body}</Question>"


def answer_key(*questions: str, mapping: str = "") -> str:
    tail = f"<QualificationValueMapping>{mapping}</QualificationValueMapping>" if mapping else ""
    return f'<AnswerKey xmlns="{ANSWER_KEY_NS}">{"".join(questions)}{tail}</AnswerKey>'


TWO_QUESTIONS = (key_question("q1", [(["a"], 5)]), key_question("q2", [(["b"], 10)]))


def test_percentage_mapping_worked_example_33() -> None:
    key = parse_answer_key(
        answer_key(
            *TWO_QUESTIONS,
            mapping="<PercentageMapping><MaximumSummedScore>15</MaximumSummedScore></PercentageMapping>",
        )
    )
    assert key.mapping == PercentageMapping(15)
    assert key.score({"q1": "a", "q2": "a"}) == 33
    assert key.score({"q1": ["a"], "q2": ["b"]}) == 100
    assert key.score({}) == 0


def test_percentage_rounds_half_up() -> None:
    key = parse_answer_key(
        answer_key(
            key_question("q", [(["a"], 1)]),
            mapping="<PercentageMapping><MaximumSummedScore>8</MaximumSummedScore></PercentageMapping>",
        )
    )
    assert key.score({"q": "a"}) == 13  # 12.5 -> 13, not banker's 12


def test_no_mapping_gives_the_total_and_default_scores() -> None:
    key = parse_answer_key(
        answer_key(key_question("q1", [(["a"], 5)], default=-2), key_question("q2", [(["b"], 10)]))
    )
    assert key.mapping is None
    assert key.score({"q1": "a", "q2": "b"}) == 15
    assert key.score({"q1": "x", "q2": "b"}) == 8
    assert key.score({"q2": "c"}) == -2


def test_answer_option_matches_exact_selection_set_only() -> None:
    key = parse_answer_key(answer_key(key_question("q", [(["a", "b"], 7), (["a"], 2)], default=-1)))
    assert key.score({"q": ["b", "a"]}) == 7
    assert key.score({"q": "a"}) == 2
    assert key.score({"q": ["a", "b", "c"]}) == -1
    assert key.score({"q": ["b"]}) == -1


def test_scale_mapping() -> None:
    key = parse_answer_key(
        answer_key(
            *TWO_QUESTIONS,
            mapping="<ScaleMapping><SummedScoreMultiplier>1.5</SummedScoreMultiplier></ScaleMapping>",
        )
    )
    assert key.mapping == ScaleMapping(Decimal("1.5"))
    assert key.score({"q1": "a", "q2": "b"}) == 23  # 22.5 rounds half up
    assert key.score({"q1": "a"}) == 8  # 7.5 -> 8
    assert key.score({"q2": "b"}) == 15


def test_range_mapping() -> None:
    ranges = (
        "<RangeMapping>"
        "<SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound>"
        "<InclusiveUpperBound>5</InclusiveUpperBound><QualificationValue>1</QualificationValue>"
        "</SummedScoreRange>"
        "<SummedScoreRange><InclusiveLowerBound>5</InclusiveLowerBound>"
        "<InclusiveUpperBound>10</InclusiveUpperBound><QualificationValue>2</QualificationValue>"
        "</SummedScoreRange>"
        "<OutOfRangeQualificationValue>99</OutOfRangeQualificationValue></RangeMapping>"
    )
    key = parse_answer_key(answer_key(*TWO_QUESTIONS, mapping=ranges))
    assert isinstance(key.mapping, RangeMapping)
    assert key.mapping.out_of_range_value == 99
    assert key.score({}) == 1
    assert key.score({"q1": "a"}) == 1  # 5 is in both ranges: the first wins
    assert key.score({"q2": "b"}) == 2
    assert key.score({"q1": "a", "q2": "b"}) == 99


PERCENT_0 = "<PercentageMapping><MaximumSummedScore>0</MaximumSummedScore></PercentageMapping>"
SCALE_ABC = "<ScaleMapping><SummedScoreMultiplier>abc</SummedScoreMultiplier></ScaleMapping>"
RANGE_EMPTY = (
    "<RangeMapping><OutOfRangeQualificationValue>1</OutOfRangeQualificationValue></RangeMapping>"
)
KEY_Q = key_question("q", [(["a"], 1)])


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<AnswerKey", "Couldn't find end of Start Tag"),
        ('<AnswerKey xmlns="urn:wrong"/>', "cvc-elt.1: Cannot find the declaration of element"),
        (f'<QuestionForm xmlns="{ANSWER_KEY_NS}"/>', "element 'QuestionForm'"),
        (
            answer_key("<Question><QuestionIdentifier>q</QuestionIdentifier></Question>"),
            "'Question' is not complete",
        ),
        (answer_key(key_question("q", [([], 1)])), "'AnswerScore'"),
        (answer_key(KEY_Q.replace(">1<", ">x<")), "'x' is not a valid value"),
        (answer_key(KEY_Q, KEY_Q), "more than once"),
        (answer_key(mapping=PERCENT_0), "minInclusive '1'"),
        (answer_key(mapping=SCALE_ABC), "'decimal'"),
        (answer_key(mapping=RANGE_EMPTY), "'OutOfRangeQualificationValue'"),
        (answer_key(mapping="<Unknown/>"), "'Unknown'"),
        (
            f'<AnswerKey xmlns="{ANSWER_KEY_NS}"><QualificationValueMapping/></AnswerKey>',
            "'QualificationValueMapping' is not complete",
        ),
    ],
)
def test_parse_answer_key_errors(xml: str, message: str) -> None:
    with pytest.raises(QuestionXMLError) as info:
        parse_answer_key(xml)
    assert message in info.value.details


def test_validate_answer_key_against_test() -> None:
    test = parse_qualification_test(form(selection_q("q1", ["a", "b"]), free_text_q("q2")))
    validate_answer_key_against_test(parse_answer_key(answer_key(*TWO_QUESTIONS)), test)
    missing = parse_answer_key(answer_key(key_question("q9", [(["a"], 1)])))
    with pytest.raises(QuestionXMLError, match="'q9' does not match any Question"):
        validate_answer_key_against_test(missing, test)
    bad_selection = parse_answer_key(answer_key(key_question("q1", [(["z"], 1)])))
    with pytest.raises(QuestionXMLError, match="'z' is not a Selection of Question 'q1'"):
        validate_answer_key_against_test(bad_selection, test)


def test_score_of_parsed_worker_answers() -> None:
    test = parse_qualification_test(
        form(selection_q("q1", ["a", "b"]), selection_q("q2", ["a", "b"]))
    )
    key = parse_answer_key(
        answer_key(
            *TWO_QUESTIONS,
            mapping="<PercentageMapping><MaximumSummedScore>15</MaximumSummedScore></PercentageMapping>",
        )
    )
    xml = build_answers_xml({"q1": "a", "q2": "a"}, test)
    assert key.score(parse_answers_xml(xml)) == 33


# --------------------------------------------------------------------------------------------
# generate_answers


def test_generate_answers_for_question_form_respects_constraints() -> None:
    question = parse_question(
        form(
            selection_q("one", ["a", "b", "c"], required=True),
            selection_q("many", ["a", "b", "c", "d"], min_count=2, max_count=3),
            selection_q("other_only", [], other=True),
            free_text_q("num", '<IsNumeric minValue="5" maxValue="7"/>'),
            free_text_q("len", '<Length minLength="12" maxLength="15"/>'),
            free_text_q("short", '<Length maxLength="2"/>'),
            free_text_q("zip", '<AnswerFormatRegex regex="[0-9]{2,3}"/>'),
            free_text_q("plain"),
            upload_q("file"),
        )
    )
    for seed in range(30):
        answers = generate_answers(question, random.Random(seed))
        assert set(answers) == {"one", "many", "other_only", "num", "len", "short", "zip", "plain"}
        assert answers["one"] in ("a", "b", "c")
        many = answers["many"]
        assert isinstance(many, list) and 2 <= len(many) <= 3 and set(many) <= set("abcd")
        assert len(set(many)) == len(many)
        assert isinstance(answers["other_only"], str) and answers["other_only"]  # other text
        assert answers["num"] in ("5", "6", "7")
        assert 12 <= len(answers["len"]) <= 15
        assert 1 <= len(answers["short"]) <= 2
        assert re.fullmatch("[0-9]{2,3}", str(answers["zip"]))
        assert isinstance(answers["plain"], str) and answers["plain"]
        xml = build_answers_xml(answers, question)  # every generated answer is acceptable
        assert "<OtherSelectionText>" in xml


def test_generate_answers_uses_text_callback_and_is_deterministic() -> None:
    question = parse_question(
        form(free_text_q("t"), selection_q("s", list("abcdef"), style="checkbox"))
    )
    first = generate_answers(question, random.Random(42), text=lambda: "from faker")
    assert first["t"] == "from faker"
    assert first == generate_answers(question, random.Random(42), text=lambda: "from faker")
    runs = {str(generate_answers(question, random.Random(seed))) for seed in range(20)}
    assert len(runs) > 1  # the seed matters


def test_generate_answers_for_html_question() -> None:
    question = parse_question(html_question(PLAIN_HTML))
    answers = generate_answers(question, random.Random(3), text=lambda: "typed")
    assert set(answers) == {
        "name",
        "age",
        "mail",
        "when",
        "color",
        "topics",
        "agree",
        "size",
        "notes",
    }
    assert answers["name"] == answers["notes"] == answers["when"] == "typed"
    assert answers["color"] in ("red", "blue")
    assert answers["topics"] in ("a", "b")
    assert answers["agree"] == "on"
    assert answers["size"] in ("S", "M")
    assert str(answers["age"]).isdigit()
    assert re.fullmatch(r"[a-z]+\d+@example\.com", str(answers["mail"]))
    assert answers == generate_answers(question, random.Random(3), text=lambda: "typed")


def test_generate_answers_for_crowd_html_without_text_callback() -> None:
    answers = generate_answers(parse_question(html_question(CROWD_HTML)), random.Random(0))
    assert answers["sentiment"] in ("Positive", "Negative", "Neutral")
    assert answers["mood"] in ("happy", "sad")
    assert isinstance(answers["title"], str) and answers["title"].isalpha()


def test_generate_answers_for_external_question_is_empty() -> None:
    assert generate_answers(parse_question(external()), random.Random(0)) == {}
