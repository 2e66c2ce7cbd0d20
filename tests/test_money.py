"""Money: the sandbox's fixed balance, the production ledger, fees and insufficient funds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pytest_mturk import MTurkFake
from tests.conftest import error_of, hit_args

INSUFFICIENT = (
    "This Requester has insufficient funds in their account to complete this transaction. "
    "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs."
)


def balance(client: Any) -> Decimal:
    return Decimal(client.get_account_balance()["AvailableBalance"])


def test_sandbox_balance_never_moves(client: Any, fake: MTurkFake) -> None:
    hit = client.create_hit(**hit_args(Reward="5.00", MaxAssignments=20))["HIT"]
    a = fake.workers.create().do(hit["HITId"])
    client.approve_assignment(AssignmentId=a)
    response = client.get_account_balance()
    assert response["AvailableBalance"] == "10000.00"
    assert "OnHoldBalance" not in response


def test_worlds_never_share_hits(client: Any, prod_client: Any) -> None:
    client.create_hit(**hit_args())
    assert prod_client.list_hits()["NumResults"] == 0
    assert client.list_hits()["NumResults"] == 1


def test_other_endpoints_are_their_own_sandbox_world(fake: MTurkFake, client: Any) -> None:
    import boto3

    local = boto3.session.Session(
        aws_access_key_id="AKIAPYTESTMTURKTEST1", aws_secret_access_key="secret"
    ).client("mturk", region_name="us-east-1", endpoint_url="http://localhost:9999")
    local.create_hit(**hit_args())
    assert local.get_account_balance()["AvailableBalance"] == "10000.00"
    assert client.list_hits()["NumResults"] == 0


def test_production_balance_option_and_reservation(prod_client: Any) -> None:
    with MTurkFake(balance="100.00") as fake:
        assert balance(prod_client) == Decimal("100.00")
        hit = prod_client.create_hit(**hit_args(Reward="1.00", MaxAssignments=3))["HIT"]
        assert balance(prod_client) == Decimal("96.40")  # 3 x (1.00 + 0.20 fee) held
        w1, w2 = fake.workers.create(), fake.workers.create()
        a1, a2 = w1.do(hit["HITId"]), w2.do(hit["HITId"])
        prod_client.approve_assignment(AssignmentId=a1)
        assert balance(prod_client) == Decimal("96.40")  # the hold became a payment
        prod_client.reject_assignment(AssignmentId=a2, RequesterFeedback="no")
        assert balance(prod_client) == Decimal("97.60")  # rejection costs nothing
        prod_client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
        assert balance(prod_client) == Decimal("98.80")  # the unused slot is released
        fake.assert_paid(w1.worker_id, "1.00")
        fake.assert_not_paid(w2.worker_id)
        assert fake.payments[0].fee == Decimal("0.20")


def test_decimal_balance_option(prod_client: Any) -> None:
    with MTurkFake(balance=Decimal("12.3")):
        assert prod_client.get_account_balance()["AvailableBalance"] == "12.30"


@pytest.mark.parametrize(
    ("reward", "assignments", "fee"),
    [
        ("0.10", 1, "0.02"),
        ("0.10", 10, "0.04"),  # +20 % at 10 or more assignments
        ("0.01", 1, "0.01"),  # minimum fee
        ("0.05", 1, "0.01"),  # 0.01 exactly
        ("0.13", 1, "0.03"),  # 0.026 rounds half up
        ("1.00", 9, "0.20"),
    ],
)
def test_fees(prod_client: Any, reward: str, assignments: int, fee: str) -> None:
    with MTurkFake(balance="1000.00") as fake:
        hit = prod_client.create_hit(**hit_args(Reward=reward, MaxAssignments=assignments))["HIT"]
        cost = assignments * (Decimal(reward) + Decimal(fee))
        assert balance(prod_client) == Decimal("1000.00") - cost
        a = fake.workers.create().do(hit["HITId"])
        prod_client.approve_assignment(AssignmentId=a)
        assert fake.payments[-1].fee == Decimal(fee)


def test_bonus_fee_and_debit(prod_client: Any) -> None:
    with MTurkFake(balance="10.00") as fake:
        hit = prod_client.create_hit(**hit_args(Reward="1.00"))["HIT"]
        w = fake.workers.create()
        a = w.do(hit["HITId"])
        prod_client.approve_assignment(AssignmentId=a)
        prod_client.send_bonus(WorkerId=w.worker_id, BonusAmount="0.01", AssignmentId=a, Reason="r")
        prod_client.send_bonus(WorkerId=w.worker_id, BonusAmount="2.00", AssignmentId=a, Reason="r")
        # 10.00 - 1.20 - (0.01 + 0.01 fee) - (2.00 + 0.40 fee)
        assert balance(prod_client) == Decimal("6.38")


def test_insufficient_funds_real_message_and_nothing_changes(prod_client: Any) -> None:
    with MTurkFake(balance="1.00"):
        with pytest.raises(prod_client.exceptions.RequestError) as exc:
            prod_client.create_hit(**hit_args(Reward="1.00"))
        code, message, turk = error_of(exc)
        assert message.startswith(INSUFFICIENT)
        assert turk == "AWS.MechanicalTurk.InsufficientFunds"
        assert prod_client.list_hits()["NumResults"] == 0
        assert balance(prod_client) == Decimal("1.00")


def test_insufficient_funds_for_more_assignments_and_bonuses(prod_client: Any) -> None:
    with MTurkFake(balance="2.40") as fake:
        hit = prod_client.create_hit(**hit_args(Reward="1.00"))["HIT"]
        with pytest.raises(prod_client.exceptions.RequestError):
            prod_client.create_additional_assignments_for_hit(
                HITId=hit["HITId"], NumberOfAdditionalAssignments=2
            )
        w = fake.workers.create()
        a = w.do(hit["HITId"])
        prod_client.approve_assignment(AssignmentId=a)
        with pytest.raises(prod_client.exceptions.RequestError) as exc:
            prod_client.send_bonus(
                WorkerId=w.worker_id, BonusAmount="1.01", AssignmentId=a, Reason="r"
            )
        assert error_of(exc)[1].startswith(INSUFFICIENT)
        assert fake.payments[-1].kind == "reward"


def test_assert_paid_failure_shows_what_was_paid(client: Any, fake: MTurkFake) -> None:
    hit = client.create_hit(**hit_args(Reward="0.50"))["HIT"]
    w = fake.workers.create()
    client.approve_assignment(AssignmentId=w.do(hit["HITId"]))
    with pytest.raises(AssertionError) as exc:
        fake.assert_paid(w.worker_id, "0.75")
    text = str(exc.value)
    assert "expected rewards of $0.75" in text and "$0.50" in text and w.worker_id in text
    with pytest.raises(AssertionError):
        fake.assert_not_paid(w.worker_id)
    with pytest.raises(AssertionError):
        fake.assert_bonus_paid(w.worker_id, "0.01")
