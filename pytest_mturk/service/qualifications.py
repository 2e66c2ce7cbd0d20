"""Qualification types, grants, requests and tests; requirement evaluation. (To be written.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest_mturk.service.state import Service


def worker_request(
    svc: Service,
    worker_id: str,
    type_id: str,
    answers: Mapping[str, str | Sequence[str]] | str | None,
) -> str | None:
    raise NotImplementedError


def worker_can(svc: Service, worker_id: str, hit_id: str, action: str) -> bool:
    raise NotImplementedError


def worker_search(svc: Service, worker_id: str, query: str | None) -> list[str]:
    raise NotImplementedError


def worker_value(svc: Service, worker_id: str, type_id: str) -> int | None:
    raise NotImplementedError
