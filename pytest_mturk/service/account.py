"""The account: GetAccountBalance."""

from __future__ import annotations

from typing import Any

from pytest_mturk.service.model import World
from pytest_mturk.service.state import Params, Service, money_text, operation


@operation("GetAccountBalance")
def get_account_balance(svc: Service, world: World, params: Params) -> dict[str, Any]:
    # Sandbox: always "10000.00". Real 2017 responses omit OnHoldBalance (the API reference's
    # GetAccountBalance sample; Dallinger's canned response).
    return {"AvailableBalance": money_text(world.available_balance())}
