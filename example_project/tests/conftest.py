"""Shared fixtures: the pipeline's own client and settings, the sample batch, trained workers.

The client is the one the program makes (``labelling.config.mturk_client``: the sandbox endpoint,
standard retries), so every test exercises the real configuration. Under ``--mturk-fake`` it is
answered by the fake; the fake's fixtures (``mturk``, ``mturk_clock``...) appear only in tests
that must act as a worker or move time.
"""

from __future__ import annotations

import pytest
from labelling import config, items, publish
from labelling.qualifications import TRAINING_ANSWERS


@pytest.fixture
def settings():
    return config.Settings()


@pytest.fixture
def client(settings):
    return config.mturk_client(settings)


@pytest.fixture
def sample():
    return items.sample_items()


@pytest.fixture
def gold(sample):
    return items.gold_labels(sample)


@pytest.fixture
def batch(client, sample, settings):
    """The sample CSV posted as batch "pets-1": 3 HITs of 4 photos, 3 assignments each."""
    return publish.publish(client, "pets-1", sample, settings)


@pytest.fixture
def trained(mturk, batch):
    """A factory of workers who passed our training test: ``trained(3, country="GB")``."""

    def make(n=1, **profile):
        workers = [mturk.workers.create(**profile) for _ in range(n)]
        for worker in workers:
            assert worker.request_qualification(batch.training_type_id, TRAINING_ANSWERS) is None
        return workers

    return make
