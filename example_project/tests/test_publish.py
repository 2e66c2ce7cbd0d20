"""Posting a batch: what MTurk ends up holding. Plain boto3, as against the sandbox."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from labelling import collect, config, publish, qualifications
from labelling.cli import main

from tests.crowd import page_items


def test_sandbox_balance_from_the_command_line(capsys):
    assert main(["balance"]) == 0
    assert capsys.readouterr().out.strip() == "10000.00"


def test_a_batch_is_one_html_question_hit_per_page(client, batch, settings):
    assert len(batch.hit_ids) == 3
    for index, hit_id in enumerate(batch.hit_ids):
        hit = client.get_hit(HITId=hit_id)["HIT"]
        assert hit["HITTypeId"] == batch.hit_type_id
        assert hit["RequesterAnnotation"] == f"labelling:pets-1:{index}"
        assert hit["HITStatus"] == "Assignable"
        assert hit["MaxAssignments"] == 3 and hit["Reward"] == "0.12"
        assert hit["Question"].startswith("<HTMLQuestion")
        assert "/mturk/externalSubmit" in hit["Question"]
        assert len(page_items(hit["Question"])) == 4
    status = collect.batch_status(client, "pets-1")
    assert (status.hits, status.available, status.pending, status.finished) == (3, 9, 0, False)


def test_the_hits_require_locale_approval_rate_and_training(client, batch, settings):
    hit = client.get_hit(HITId=batch.hit_ids[0])["HIT"]
    by_type = {r["QualificationTypeId"]: r for r in hit["QualificationRequirements"]}
    locale = by_type[qualifications.LOCALE]
    assert locale["Comparator"] == "In"
    assert [value["Country"] for value in locale["LocaleValues"]] == ["US", "GB", "CA", "AU"]
    assert by_type[qualifications.PERCENT_APPROVED]["IntegerValues"] == [95]
    assert by_type[batch.training_type_id]["IntegerValues"] == [75]
    training = client.get_qualification_type(QualificationTypeId=batch.training_type_id)
    assert training["QualificationType"]["IsRequestable"] is True
    assert training["QualificationType"]["Name"] == qualifications.TRAINING_NAME


def test_publishing_a_batch_again_posts_nothing_new(client, batch, sample, settings):
    again = publish.publish(client, "pets-1", sample, settings)
    assert again == batch  # the same HIT type, training qualification and HITs
    assert client.list_hits()["NumResults"] == 3
    listed = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)
    assert listed["NumResults"] == 1


@pytest.mark.mturk(balance="1.50")
def test_production_refuses_a_batch_the_balance_cannot_pay_for(monkeypatch, sample):
    monkeypatch.setenv("LABELLING_MTURK_ENV", "production")
    settings = config.Settings.from_env()
    production = config.mturk_client(settings)
    # 9 assignments x (reward 0.12 + fee 0.02 + bonus up to 0.06 + fee 0.01)
    assert publish.batch_cost(settings, 3) == Decimal("1.89")
    with pytest.raises(publish.InsufficientBalance, match=r"\$1\.89.*\$1\.50"):
        publish.publish(production, "pets-1", sample, settings)
    assert production.list_hits()["NumResults"] == 0

    smaller = replace(settings, assignments_per_hit=2)
    batch = publish.publish(production, "pets-1", sample, smaller)  # 6 x 0.21 = 1.26
    assert len(batch.hit_ids) == 3
    # MTurk holds each assignment's reward and fee when the HIT is created: 1.50 - 6 x 0.14.
    assert production.get_account_balance()["AvailableBalance"] == "0.66"
    # The sandbox is another world: it has none of production's HITs.
    assert config.mturk_client(config.Settings()).list_hits()["NumResults"] == 0
