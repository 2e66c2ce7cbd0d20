"""The CSV and the page layout: no MTurk involved."""

from __future__ import annotations

import pytest
from labelling import items
from labelling.answers import parse_answers


def test_the_sample_csv_has_nine_photos_to_label_and_three_gold(sample):
    assert len(sample) == 12
    assert items.gold_labels(sample) == {"gold-cat": "cat", "gold-dog": "dog", "gold-bird": "bird"}
    assert items.read_items(items.sample_items_path()) == sample


def test_every_page_has_exactly_one_gold_photo(sample):
    pages = items.pages(sample, per_page=4)
    assert [len(page) for page in pages] == [4, 4, 4]
    assert [sum(item.is_gold for item in page) for page in pages] == [1, 1, 1]
    labelled = [item.item_id for page in pages for item in page if not item.is_gold]
    assert labelled == [f"img-00{n}" for n in range(1, 10)]


def test_a_gold_label_outside_the_label_set_is_refused():
    lines = ["item_id,image_url,gold_label", "x,https://images.example.org/x.jpg,hamster"]
    with pytest.raises(items.ItemsError, match="hamster"):
        items.parse_items(lines)


def test_question_form_answers_are_parsed():
    document = """<?xml version="1.0" encoding="UTF-8"?>
<QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">
<Answer><QuestionIdentifier>label-img-001</QuestionIdentifier><FreeText>cat</FreeText></Answer>
<Answer><QuestionIdentifier>tags</QuestionIdentifier>
<SelectionIdentifier>fluffy</SelectionIdentifier><SelectionIdentifier>cute</SelectionIdentifier></Answer>
<Answer><QuestionIdentifier>photo</QuestionIdentifier><UploadedFileKey>k/1</UploadedFileKey></Answer>
</QuestionFormAnswers>"""
    assert parse_answers(document) == {
        "label-img-001": "cat",
        "tags": ["fluffy", "cute"],
        "photo": "k/1",
    }
