"""How requests reach the service: each transport turns its own kind of request into a call of
:func:`pytest_mturk.protocol.handle` on a :class:`~pytest_mturk.protocol.Backend`.

* :mod:`~pytest_mturk.transport.hook` / :mod:`~pytest_mturk.transport.botocore_glue`: botocore's
  ``before-send.mturk`` event, in process.
* :mod:`~pytest_mturk.transport.server`: HTTP, for subprocesses and other SDKs.
* :mod:`~pytest_mturk.transport.web`: the plain-HTTP edges (externalSubmit, HTMLQuestion pages,
  upload URLs) for ``requests``.
* :mod:`~pytest_mturk.transport.moto`: outbound: notifications into moto's SQS and SNS.
* :mod:`~pytest_mturk.transport.environment`: the process environment while a fake is on.
"""
