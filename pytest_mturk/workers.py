"""Simulated workers: Faker-made people who accept, submit, return and abandon work."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from functools import lru_cache

from faker import Faker

from pytest_mturk.service import access, qualification_requests, worker_actions, worker_site
from pytest_mturk.service.model import WorkerProfile
from pytest_mturk.service.state import Service

__all__ = ["WORKER_ID_RULE", "Worker", "Workers", "check_worker_id", "faker_for"]

#: The API's WorkerId (``CustomerId``): pattern ``^A[A-Z0-9]+$``, at most 64 characters
#: (botocore's model). Real ids are 13-14 characters (A + 12-13), which is what the fake makes;
#: client test suites use others (``A1FAKEWORKER0001``), and every id the API takes is taken.
WORKER_ID = re.compile(r"A[A-Z0-9]{1,63}")
WORKER_ID_RULE = "the API's WorkerId pattern ^A[A-Z0-9]+$, at most 64 characters"


def check_worker_id(worker_id: object) -> str:
    """``worker_id`` if the API would take it as a WorkerId, else ValueError saying the rule."""
    if not isinstance(worker_id, str) or not WORKER_ID.fullmatch(worker_id):
        raise ValueError(f"{worker_id!r} is not an MTurk worker id: it must match {WORKER_ID_RULE}")
    return worker_id


# Faker locale for a worker's country (default en_US).
_LOCALES = {
    "US": "en_US",
    "GB": "en_GB",
    "CA": "en_CA",
    "AU": "en_AU",
    "NZ": "en_NZ",
    "IE": "en_IE",
    "IN": "en_IN",
    "PH": "en_PH",
    "DE": "de_DE",
    "FR": "fr_FR",
    "ES": "es_ES",
    "IT": "it_IT",
    "BR": "pt_BR",
    "PT": "pt_PT",
    "MX": "es_MX",
    "NL": "nl_NL",
    "JP": "ja_JP",
    "PL": "pl_PL",
}


def _as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


@lru_cache(maxsize=32)
def faker_for(locale: str) -> Faker:
    """One Faker per locale (seeded per use with ``seed_instance``)."""
    return Faker(locale)


class Worker:
    """A simulated MTurk worker in one fake.

    ``accept`` returns the new assignment id; ``submit`` turns answers (a mapping of
    QuestionIdentifier to a string or a list of strings, or ready QuestionFormAnswers XML) into the
    assignment's Answer; ``return_assignment`` gives the slot back. Abandonment happens when the
    fake clock passes the assignment's deadline. Refusals raise
    :class:`pytest_mturk.WorkerActionError` saying why.
    """

    __slots__ = ("_service", "profile")

    def __init__(self, service: Service, profile: WorkerProfile) -> None:
        self._service = service
        self.profile = profile

    @property
    def worker_id(self) -> str:
        """The worker's id (``A`` and 12-13 capitals and digits, unless given)."""
        return self.profile.worker_id

    @property
    def name(self) -> str:
        """The worker's name (Faker's, in the worker's locale)."""
        return self.profile.name

    @property
    def email(self) -> str:
        """The worker's e-mail address (where NotifyWorkers and qualification mail go)."""
        return self.profile.email

    @property
    def country(self) -> str:
        """The worker's country (ISO 3166-1 alpha-2), what ``Locale`` requirements test."""
        return self.profile.country

    @property
    def subdivision(self) -> str | None:
        """The worker's subdivision (ISO 3166-2, e.g. ``"US-NY"``), or None."""
        return self.profile.subdivision

    def accept(self, hit_id: str) -> str:
        """Accept one assignment of the HIT; returns its AssignmentId."""
        return worker_actions.accept(self._service, self.worker_id, hit_id).id

    def submit(
        self,
        assignment_id: str,
        answers: Mapping[str, str | Sequence[str] | bytes] | str | None = None,
    ) -> None:
        """Submit the assignment with these answers (generated from the question if None).

        ``bytes`` values answer FileUploadAnswer questions.
        """
        worker_actions.submit(self._service, self.worker_id, assignment_id, answers)

    def return_assignment(self, assignment_id: str) -> None:
        """Give the assignment back (the slot returns to the HIT while the HIT is live)."""
        worker_actions.return_assignment(self._service, self.worker_id, assignment_id)

    def do(
        self, hit_id: str, answers: Mapping[str, str | Sequence[str] | bytes] | str | None = None
    ) -> str:
        """Accept and submit in one step; returns the AssignmentId."""
        assignment_id = self.accept(hit_id)
        self.submit(assignment_id, answers)
        return assignment_id

    # -- qualifications (pytest_mturk.service.qualifications) -------------------------------

    def request_qualification(
        self,
        qualification_type_id: str,
        answers: Mapping[str, str | Sequence[str]] | str | None = None,
        *,
        started_at: datetime | None = None,
    ) -> str | None:
        """Request a qualification (taking its test with ``answers`` if it has one).

        Returns the QualificationRequestId when the request waits for the requester, or None
        when it was granted at once (AutoGranted, or a test scored with its AnswerKey).
        ``started_at`` is when the worker began the test (fake time); answers given more than
        TestDurationInSeconds later are refused (reason ``"test_duration"``).
        """
        return qualification_requests.worker_request(
            self._service,
            self.worker_id,
            qualification_type_id,
            answers,
            started_at=None if started_at is None else _as_utc(started_at).timestamp(),
        )

    def can_discover(self, hit_id: str) -> bool:
        """Whether the HIT shows up for this worker in search results."""
        return access.worker_can(self._service, self.worker_id, hit_id, "discover")

    def can_preview(self, hit_id: str) -> bool:
        """Whether this worker may preview the HIT."""
        return access.worker_can(self._service, self.worker_id, hit_id, "preview")

    def can_accept(self, hit_id: str) -> bool:
        """Whether this worker may accept the HIT now."""
        return access.worker_can(self._service, self.worker_id, hit_id, "accept")

    def search_hits(self, query: str | None = None, *, environment: str | None = None) -> list[str]:
        """Ids of the live, assignable HITs this worker can discover (optionally matching
        ``query`` in title, description or keywords; optionally only in ``environment``,
        "sandbox" or "production"), newest first."""
        return access.worker_search(self._service, self.worker_id, query, environment=environment)

    def qualification_value(self, qualification_type_id: str) -> int | None:
        """This worker's value for a qualification type (system types included), or None."""
        return access.worker_value(self._service, self.worker_id, qualification_type_id)

    # -- the worker's browser (pytest_mturk.service.worker_site) ---------------------------

    def open(self, hit_id: str, assignment_id: str | None = None) -> str:
        """The URL the worker's browser loads for the HIT: the ExternalURL (or the fake's own
        HTMLQuestion URL) with assignmentId, hitId, workerId and turkSubmitTo appended.
        ``assignmentId`` is ASSIGNMENT_ID_NOT_AVAILABLE while the worker only previews."""
        return worker_site.open_url(self._service, self.worker_id, hit_id, assignment_id)

    def __repr__(self) -> str:
        return f"<Worker {self.worker_id} {self.name!r} {self.country}>"


class Workers:
    """``fake.workers``: make and find simulated workers (their profiles live in the service,
    so snapshots and dumps carry them)."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def create(
        self,
        worker_id: str | None = None,
        *,
        country: str = "US",
        subdivision: str | None = None,
        locale: str | None = None,
        name: str | None = None,
        email: str | None = None,
        adult: bool = True,
        masters: bool = False,
        approved: int = 0,
        rejected: int = 0,
        submitted: int | None = None,
    ) -> Worker:
        """A new worker with a realistic id (A + 12-13 letters and digits) and a Faker-made
        profile (repeatable under the seed). ``worker_id`` may be any id the API takes
        (:data:`WORKER_ID_RULE`); others are refused with ValueError.

        ``approved`` / ``rejected`` / ``submitted`` are work done before the test began; they feed
        the system qualifications (NumberHITsApproved, PercentAssignmentsApproved).
        """
        svc = self._service
        with svc.lock:
            if worker_id is None:
                worker_id = svc.new_worker_id()
            else:
                check_worker_id(worker_id)
            if worker_id in self._service.profiles:
                raise ValueError(f"worker {worker_id} already exists")
            country = country.upper()
            locale = locale or _LOCALES.get(country, "en_US")
            faker = faker_for(locale)
            faker.seed_instance(svc.rng.getrandbits(64))
            person = name or faker.name()
            profile = WorkerProfile(
                worker_id=worker_id,
                name=person,
                email=email or faker.email(),
                locale=locale,
                country=country,
                subdivision=subdivision,
                adult=adult,
                prior_submitted=approved + rejected if submitted is None else submitted,
                prior_approved=approved,
                prior_rejected=rejected,
                masters=masters,
            )
            svc.known_workers.add(worker_id)
            svc.profiles[worker_id] = profile
            return Worker(self._service, profile)

    def get(self, worker_id: str) -> Worker:
        """The worker with this id; any well-formed id the fake has met is a worker it knows.

        ValueError for an id the API would not take (see :data:`WORKER_ID_RULE`), KeyError for
        one the fake never met."""
        profile = self._service.profiles.get(check_worker_id(worker_id))
        if profile is None:
            if worker_id not in self._service.known_workers:
                raise KeyError(worker_id)
            return self.create(worker_id)
        return Worker(self._service, profile)

    def __iter__(self) -> Iterator[Worker]:
        return (Worker(self._service, p) for p in list(self._service.profiles.values()))

    def __len__(self) -> int:
        return len(self._service.profiles)

    def __contains__(self, worker_id: object) -> bool:
        return worker_id in self._service.profiles
