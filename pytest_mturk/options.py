"""Options of one fake, as given to ``MTurkFake(...)``, ``mock_mturk(...)`` or the marker."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["CREDENTIAL_POLICIES", "FakeOptions"]

#: ``credentials=``: supply the fake's credentials to code that has none, or require real ones.
CREDENTIAL_POLICIES = ("supply", "require")


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
    * ``credentials``: ``"supply"`` (the default) gives code that has no AWS credentials the
      fake's own while the fake runs; ``"require"`` supplies none, so code without credentials
      gets botocore's ``NoCredentialsError`` exactly as in real life.
    * ``freeze_time``: one timeline: the process's time (``datetime.now()``, ``time.time()``) is
      frozen at the fake's while the fake runs, and ``fake.clock.advance``/``move_to`` move both
      (an active freezegun or time-machine freeze of the test's is used, not doubled).
    * ``fast_sleep``: ``time.sleep`` in the thread that starts the fake advances the fake clock
      instead of waiting (other threads opt in with ``fake.clock.fast_sleep_in(thread)``).
    * ``real_retry_sleep``: botocore really sleeps its retry backoff between attempts the fake
      answered (by default the backoff advances the fake clock instead).
    """

    seed: int | None = None
    balance: Decimal = field(default_factory=lambda: Decimal("10000.00"))
    strict_workers: bool = False
    keep_available_after_expiry: bool = True
    strict_credentials: bool = False
    autopilot: int | dict[str, Any] | None = None
    credentials: str = "supply"
    freeze_time: bool = False
    fast_sleep: bool = False
    real_retry_sleep: bool = False

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> FakeOptions:
        """The options given as keyword arguments, checked: an unknown name is a ``TypeError``
        listing the known ones, a bad value a ``TypeError`` or ``ValueError`` saying why;
        ``balance`` becomes a Decimal with two places."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(
                f"unknown pytest-mturk option(s): {', '.join(unknown)} "
                f"(known: {', '.join(sorted(names))})"
            )
        opts = cls(**kwargs)
        for name in ("freeze_time", "fast_sleep", "real_retry_sleep"):
            if not isinstance(getattr(opts, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(opts, name)!r}")
        if opts.credentials not in CREDENTIAL_POLICIES:
            raise ValueError(
                f"credentials must be one of {', '.join(map(repr, CREDENTIAL_POLICIES))}, "
                f"got {opts.credentials!r}"
            )
        try:
            opts.balance = Decimal(str(opts.balance)).quantize(Decimal("0.01"))
        except InvalidOperation as exc:
            raise ValueError(
                f"balance must be a Decimal or a string like '100.00', got {opts.balance!r}"
            ) from exc
        return opts
