"""A small downstream program that runs image-labelling jobs on Amazon Mechanical Turk.

It knows nothing about pytest-mturk: it talks to MTurk through boto3, exactly as it would in
production. Its tests run against the fake with ``pytest --mturk-fake``.
"""
