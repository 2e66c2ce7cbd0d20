"""labelling: an image-labelling pipeline on Amazon Mechanical Turk, in plain boto3.

Read images from a CSV (:mod:`labelling.items`), post them as HTMLQuestion HITs behind a locale,
approval-rate and training-test requirement (:mod:`labelling.publish`,
:mod:`labelling.qualifications`, :mod:`labelling.task`), collect the answers
(:mod:`labelling.collect`), check gold photos, approve or reject and pay agreement bonuses
(:mod:`labelling.review`), react to assignment events from SQS (:mod:`labelling.events`), and
take finished batches down (:mod:`labelling.cleanup`). ``python -m labelling.cli`` runs it.

It knows nothing of any fake: it talks to the MTurk endpoint its configuration names
(:mod:`labelling.config`).
"""

__version__ = "0.2.0"
