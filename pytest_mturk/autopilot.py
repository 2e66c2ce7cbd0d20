"""Autopilot: simulated workers who take every open assignment and submit answers.

So a suite under ``--mturk-fake`` whose code creates HITs and then waits for results gets
results: answers come from the question itself (valid selections and constrained free text for a
QuestionForm; the form's own fields for an HTMLQuestion), from a mapping, or from a callable.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from pytest_mturk.errors import WorkerActionError
from pytest_mturk.service.access import GUARDED_ACTIONS, access_refusal, held_value, meets
from pytest_mturk.service.model import ACTIVE, ASSIGNABLE, HIT
from pytest_mturk.service.qualification_requests import worker_request
from pytest_mturk.service.render import hit_dict
from pytest_mturk.service.state import Service
from pytest_mturk.service.worker_actions import answer_xml
from pytest_mturk.workers import Worker, Workers, faker_for

AnswerValue = str | Sequence[str]
AnswerSource = (
    Mapping[str, AnswerValue]
    | Callable[[dict[str, Any], "Worker"], "Mapping[str, AnswerValue] | str"]
    | None
)

__all__ = ["Autopilot"]


class Autopilot:
    """Simulated workers doing every open assignment of every live HIT of the fake.

    Made by ``fake.autopilot(workers=3, answers=None, delay=0)``. ``delay`` (seconds or a
    timedelta of fake time) is how long after a HIT appears its work is submitted. ``answers``: a
    mapping used for every HIT, a callable ``(hit, worker) -> mapping or XML`` (``hit`` as GetHIT
    returns it), or None to answer from the question (Faker text for ExternalQuestion HITs).
    ``request_qualifications`` (default True): like real workers, they request a requester's
    qualification a HIT requires and they lack (an AutoGranted one is granted at once; a test
    is taken with answers made from its questions, and scored by its AnswerKey if it has one;
    otherwise the request waits for the requester), once per worker and type. ``workers`` are
    the :class:`~pytest_mturk.Worker` s. ``stop()`` ends it.
    """

    def __init__(
        self,
        service: Service,
        workers: int = 3,
        answers: AnswerSource = None,
        delay: float | timedelta = 0,
        *,
        request_qualifications: bool = True,
        **worker_profile: Any,
    ) -> None:
        if workers < 1:
            raise ValueError("autopilot needs at least one worker")
        self._service = service
        self.answers = answers
        self.request_qualifications = request_qualifications
        self.delay = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
        pool = Workers(service)
        self.workers = [pool.create(**worker_profile) for _ in range(workers)]
        self.active = True
        svc = service
        svc.on_hit_created.append(self._on_created)
        with svc.lock:
            for hit in list(svc.hits_by_id.values()):
                if hit.status == ASSIGNABLE and not hit.expired:
                    self._on_created(hit)

    def __deepcopy__(self, memo: dict[int, Any]) -> Autopilot:
        return self  # shared between a fake and its snapshots: it acts on the current state

    def stop(self) -> None:
        """No more work from these workers (work already scheduled is dropped)."""
        self.active = False
        svc = self._service
        if self._on_created in svc.on_hit_created:
            svc.on_hit_created.remove(self._on_created)

    def _on_created(self, hit: HIT) -> None:
        svc = self._service
        if self.delay <= 0:
            self._work(hit, svc.now())
        else:
            svc.schedule_callback(svc.now() + self.delay, ScheduledWork(self, hit))

    def _work(self, hit: HIT, at: float) -> None:
        if not self.active:
            return
        svc = self._service
        for worker in self.workers:
            if hit.status != ASSIGNABLE or hit.expired or hit.available == 0:
                return
            wid = worker.worker_id
            if wid in hit.by_worker:
                continue
            if self.request_qualifications:
                self._request_missing(hit, wid)
            if access_refusal(svc, hit, wid, "accept") is not None:
                continue
            a = svc.accept(hit, wid, at)
            answers: Any = self.answers
            if callable(answers):
                answers = answers(hit_dict(hit), worker)
            elif (
                answers is None and hit.parsed is not None and hit.parsed.kind == "ExternalQuestion"
            ):
                answers = {"answer": self._text()}
            xml = answer_xml(hit, answers, svc.rng, {})
            svc.submit(a, xml, at)

    def _request_missing(self, hit: HIT, worker_id: str) -> None:
        """Request the requester qualifications guarding ``accept`` that the worker lacks and
        never requested (what a real worker does before accepting)."""
        svc = self._service
        env = hit.world.env
        for requirement in hit.hit_type.requirements:
            if "accept" not in GUARDED_ACTIONS[requirement["ActionsGuarded"]]:
                continue
            qt = env.qualification_types.get(requirement["QualificationTypeId"])
            if qt is None or qt.owner is None or not qt.is_requestable or qt.status != ACTIVE:
                continue
            if (qt.id, worker_id) in qt.owner.last_request_time:
                continue
            if meets(requirement, held_value(svc, env, qt.id, worker_id)):
                continue
            with contextlib.suppress(WorkerActionError):
                worker_request(svc, worker_id, qt.id, None)

    def _text(self) -> str:
        faker = faker_for("en_US")
        faker.seed_instance(self._service.rng.getrandbits(64))
        return str(faker.sentence())


class ScheduledWork:
    """Autopilot work scheduled on the due-time heap (a class, so snapshots copy its HIT)."""

    __slots__ = ("hit", "pilot")

    def __init__(self, pilot: Autopilot, hit: HIT) -> None:
        self.pilot = pilot
        self.hit = hit

    def __call__(self, at: float) -> None:
        self.pilot._work(self.hit, at)
