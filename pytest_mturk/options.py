"""Options of one fake, as given to ``MTurkFake(...)``, ``mock_mturk(...)`` or the marker."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["FakeOptions"]


@dataclass(slots=True)
class FakeOptions:
    """Settings of one fake.

    * ``seed``: makes every id, request id and Faker value repeatable.
    * ``balance``: the production prepaid balance (sandbox always shows 10000.00).
    * ``strict_workers``: refuse worker ids the fake has not seen, as the real service refuses
      ids unknown to its environment.
    * ``keep_available_after_expiry``: keep unclaimed slots in NumberOfAssignmentsAvailable after
      a HIT expires (what Mephisto relies on); ``False`` zeroes them (the developer guide's
      reading). See docs/fidelity.md.
    * ``strict_credentials``: accept only access key ids shaped like IAM's (``^[A-Z0-9]{16,128}$``).
    * ``autopilot``: a number of simulated workers (or ``fake.autopilot`` keyword arguments) who
      do every open assignment.
    """

    seed: int | None = None
    balance: Decimal = field(default_factory=lambda: Decimal("10000.00"))
    strict_workers: bool = False
    keep_available_after_expiry: bool = True
    strict_credentials: bool = False
    autopilot: int | dict[str, Any] | None = None

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> FakeOptions:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(
                f"unknown pytest-mturk option(s): {', '.join(unknown)} "
                f"(known: {', '.join(sorted(names))})"
            )
        opts = cls(**kwargs)
        try:
            opts.balance = Decimal(str(opts.balance)).quantize(Decimal("0.01"))
        except InvalidOperation as exc:
            raise ValueError(
                f"balance must be a Decimal or a string like '100.00', got {opts.balance!r}"
            ) from exc
        return opts
