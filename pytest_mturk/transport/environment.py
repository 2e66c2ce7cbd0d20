"""The process environment while a fake is on: credentials botocore can find, no probing of the
instance-metadata address, a default region, and boto3's default session dropped so the next
``boto3.client`` sees all of it."""

from __future__ import annotations

import os
import sys

__all__ = [
    "FAKE_ACCESS_KEY",
    "FAKE_SECRET_KEY",
    "EnvironmentPatch",
    "has_own_credentials",
    "reset_boto3_default_session",
]

#: The access key the fake supplies when the user has no AWS credentials of their own.
FAKE_ACCESS_KEY = "AKIAPYTESTMTURK00000"
FAKE_SECRET_KEY = "pytest-mturk-fake-secret-access-key"


def has_own_credentials() -> bool:
    """Whether the user configured AWS credentials botocore would find without the fake."""
    env = os.environ
    if env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE"):
        return True
    if env.get("AWS_WEB_IDENTITY_TOKEN_FILE") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return True
    if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"):
        return True
    shared = env.get("AWS_SHARED_CREDENTIALS_FILE", os.path.join("~", ".aws", "credentials"))
    return os.path.exists(os.path.expanduser(shared))


class EnvironmentPatch:
    """Fake credentials (unless the user has their own), no metadata probing, a default region.

    ``apply()`` sets them and ``restore()`` puts every variable back as it was.
    """

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def apply(self) -> None:
        if not has_own_credentials():
            self._set("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY)
            self._set("AWS_SECRET_ACCESS_KEY", FAKE_SECRET_KEY)
            self._set("AWS_SESSION_TOKEN", None)
        # Never probe the instance-metadata address for credentials or region.
        self._set("AWS_EC2_METADATA_DISABLED", "true")
        if not os.environ.get("AWS_DEFAULT_REGION") and not os.environ.get("AWS_REGION"):
            self._set("AWS_DEFAULT_REGION", "us-east-1")

    def _set(self, key: str, value: str | None) -> None:
        if key not in self._saved:
            self._saved[key] = os.environ.get(key)
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()


def reset_boto3_default_session() -> None:
    """Drop boto3's default session so the next ``boto3.client`` resolves credentials afresh."""
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        setattr(boto3, "DEFAULT_SESSION", None)  # noqa: B010 (a module found at run time)
