"""Test helpers that stand in for the people on the other side: workers and their browsers.

Nothing here touches the pipeline's code; the tests use it to answer our HITs the way real
workers would (honestly, carelessly, or through the HTML form in a browser).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

#: What the sample photos really show (the gold ones included).
TRUTH = {
    "img-001": "cat",
    "img-002": "dog",
    "img-003": "cat",
    "img-004": "bird",
    "img-005": "other",
    "img-006": "dog",
    "img-007": "cat",
    "img-008": "dog",
    "img-009": "bird",
    "gold-cat": "cat",
    "gold-dog": "dog",
    "gold-bird": "bird",
}

_FIELD = re.compile(r'name="label-([^"]+)"')


def page_items(question: str) -> list[str]:
    """The item ids on a page, from the HIT's Question."""
    return list(dict.fromkeys(_FIELD.findall(question)))


def honest(question: str, **wrong: str) -> dict[str, str]:
    """Form answers labelling every photo right, except ``item_id=label`` overrides
    (``-`` in an item id is written ``_``)."""
    overrides = {item.replace("_", "-"): label for item, label in wrong.items()}
    return {f"label-{item}": overrides.get(item, TRUTH[item]) for item in page_items(question)}


def careless(question: str) -> dict[str, str]:
    """Form answers from a worker who clicks "cat" for everything."""
    return {f"label-{item}": "cat" for item in page_items(question)}


def crowd(
    careless_workers: Collection[str] = (),
) -> Callable[[dict[str, Any], Any], dict[str, str]]:
    """Answers for autopilot workers: honest, except the ``careless_workers`` (ids)."""

    def answer(hit: dict[str, Any], worker: Any) -> dict[str, str]:
        if worker.worker_id in careless_workers:
            return careless(hit["Question"])
        return honest(hit["Question"])

    return answer


# ----------------------------------------------------------------------------- the browser


@dataclass
class Form:
    """Our page's form, as a browser holds it after running the page's script."""

    action: str
    fields: dict[str, str]  # hidden inputs
    choices: dict[str, list[str]]  # radio group -> values
    submit_disabled: bool
    session: requests.Session = field(repr=False)

    def submit(self, labels: Mapping[str, str]) -> requests.Response:
        unanswered = set(self.choices) - set(labels)
        if unanswered:  # the radios are `required`: the browser would not send the form
            raise AssertionError(f"the browser refuses to submit: {sorted(unanswered)} unanswered")
        for name, value in labels.items():
            assert value in self.choices[name], f"{value!r} is not an option of {name}"
        return self.session.post(self.action, data={**self.fields, **labels}, timeout=10)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.choices: dict[str, list[str]] = {}
        self.submit_ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio":
            self.choices.setdefault(a["name"], []).append(a["value"])
        elif tag == "input" and a.get("type") == "submit":
            self.submit_ids.append(a.get("id", ""))


class Browser:
    """A worker's browser: opens the HIT's page and submits its form, over HTTP."""

    def __init__(self, worker: Any) -> None:
        self.worker = worker
        self.session = requests.Session()

    def open(self, hit_id: str, assignment_id: str | None = None) -> Form:
        url = self.worker.open(hit_id, assignment_id)
        page = self.session.get(url, timeout=10)
        page.raise_for_status()
        parser = _FormParser()
        parser.feed(page.text)
        # What the page's script does with the query string MTurk appends to the URL.
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assignment = query.get("assignmentId", "ASSIGNMENT_ID_NOT_AVAILABLE")
        parser.fields["assignmentId"] = assignment
        action = parser.action
        if "turkSubmitTo" in query:
            action = query["turkSubmitTo"] + "/mturk/externalSubmit"
        return Form(
            action=action,
            fields=parser.fields,
            choices=parser.choices,
            submit_disabled=assignment == "ASSIGNMENT_ID_NOT_AVAILABLE",
            session=self.session,
        )
