"""Settings and clients: one place that says which MTurk the program talks to, and how.

The endpoint is explicit, as in Dallinger, psiTurk and Mephisto: the sandbox unless the
environment says production (``LABELLING_MTURK_ENV=production``) or names another endpoint
(``LABELLING_MTURK_ENDPOINT``). Clients retry throttling and service faults with botocore's
``standard`` retry mode (exponential backoff with jitter, throttling codes included).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import boto3
from botocore.config import Config

SANDBOX_ENDPOINT = "https://mturk-requester-sandbox.us-east-1.amazonaws.com"
PRODUCTION_ENDPOINT = "https://mturk-requester.us-east-1.amazonaws.com"
#: The worker site a HIT's form posts to, per environment (the page's own script picks the one
#: MTurk names in ``turkSubmitTo``; this is the fallback written into the form).
WORKER_SITES = {
    SANDBOX_ENDPOINT: "https://workersandbox.mturk.com",
    PRODUCTION_ENDPOINT: "https://www.mturk.com",
}


@dataclass(frozen=True)
class Settings:
    """How a batch is posted and paid. Money is in US dollars, as strings (as MTurk takes it)."""

    endpoint_url: str = SANDBOX_ENDPOINT
    region: str = "us-east-1"
    #: Paid for each approved assignment (one page of ``items_per_hit`` images).
    reward: str = "0.12"
    #: Paid per image on which the worker agreed with the majority of the other workers.
    agreement_bonus: str = "0.02"
    items_per_hit: int = 4
    assignments_per_hit: int = 3
    lifetime_seconds: int = 3 * 24 * 3600
    assignment_duration_seconds: int = 20 * 60
    auto_approval_delay_seconds: int = 3 * 24 * 3600
    #: Who may work: these countries, at least this approval rate, and our training test passed.
    locales: tuple[str, ...] = ("US", "GB", "CA", "AU")
    min_approval_rate: int = 95
    min_training_score: int = 75
    #: SQS queue for assignment events (None: no notifications).
    queue_url: str | None = None
    #: Attempts per call, the first one included (botocore's ``total_max_attempts``; its
    #: ``max_attempts`` would count the retries only).
    max_attempts: int = 6

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        endpoint = env.get("LABELLING_MTURK_ENDPOINT")
        if not endpoint:
            production = env.get("LABELLING_MTURK_ENV", "sandbox").lower() == "production"
            endpoint = PRODUCTION_ENDPOINT if production else SANDBOX_ENDPOINT
        settings = cls(endpoint_url=endpoint, queue_url=env.get("LABELLING_QUEUE_URL") or None)
        if env.get("LABELLING_REWARD"):
            settings = replace(settings, reward=env["LABELLING_REWARD"])
        return settings

    @property
    def is_sandbox(self) -> bool:
        return self.endpoint_url != PRODUCTION_ENDPOINT

    @property
    def worker_site(self) -> str:
        return WORKER_SITES.get(self.endpoint_url, WORKER_SITES[SANDBOX_ENDPOINT])

    def retry_config(self) -> Config:
        return Config(
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            connect_timeout=10,
            read_timeout=30,
            user_agent_extra="labelling/0.2",
        )


def mturk_client(settings: Settings | None = None) -> Any:
    """A boto3 MTurk requester client for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    return boto3.client(
        "mturk",
        region_name=settings.region,
        endpoint_url=settings.endpoint_url,
        config=settings.retry_config(),
    )


def sqs_client(settings: Settings | None = None) -> Any:
    """A boto3 SQS client in the region of ``settings.queue_url`` (us-east-1 by default)."""
    settings = settings or Settings.from_env()
    region = settings.region
    if settings.queue_url and settings.queue_url.startswith("https://sqs."):
        region = settings.queue_url.split(".")[1]
    return boto3.client("sqs", region_name=region, config=settings.retry_config())
