"""The catalogue of the errors the fake answers with a TurkErrorCode, each defined once.

As moto keeps one ``exceptions.py`` per service, every specific error is one class here: its
family (:class:`~pytest_mturk.errors.RequestError` or
:class:`~pytest_mturk.errors.ParameterValidationError`, defined in :mod:`pytest_mturk.errors`),
its ``TurkErrorCode``, its message template and timestamp style, the ``Parameter`` a
ParameterValidationError names, and where it comes from: public sources and how far they
confirm it. ``CONFIDENCE`` is that of the weakest part (code or wording); ``NOTE`` says which
part is which. Operations raise these classes only; ``scripts/gen_errors.py`` writes the error
table of docs/fidelity.md from :data:`CATALOGUE`.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pytest_mturk.errors import MTurkServiceError, ParameterValidationError, RequestError, Stamp

Confidence = Literal["confirmed", "inferred", "unconfirmed"]

#: The two families (docs/fidelity.md abbreviates them RE and PVE).
RE, PVE = "RequestError", "ParameterValidationError"


def _gh(repo: str, number: int) -> str:
    return f"https://github.com/{repo}/issues/{number}"


def _aws(operation: str) -> str:
    """The operation's page of the MTurk API reference."""
    return (
        "https://docs.aws.amazon.com/AWSMechTurk/latest/AWSMturkAPI/"
        f"ApiReference_{operation}Operation.html"
    )


class Catalogued(MTurkServiceError):
    """An error of the catalogue, and what the catalogue records of it (class attributes, read
    by the docs generator)."""

    FAMILY: ClassVar[str]
    CODE: ClassVar[str]
    TEMPLATE: ClassVar[str]
    STAMP: ClassVar[Stamp]
    #: The member named in ``Parameter``: a name, a ``{field}`` of the template, or None.
    PARAMETER: ClassVar[str | None] = None
    #: Public sources (issue threads with a real response, AWS documentation); none: unconfirmed.
    SOURCE: ClassVar[tuple[str, ...]] = ()
    CONFIDENCE: ClassVar[Confidence]
    NOTE: ClassVar[str] = ""


class _Request(Catalogued, RequestError):
    """A RequestError of the catalogue: ``TEMPLATE`` filled from the entry's arguments (entries
    with arguments declare them in their own ``__init__``)."""

    FAMILY = RE
    STAMP: ClassVar[Stamp] = "ms"

    def __init__(self, **fields: object) -> None:
        super().__init__(self.TEMPLATE.format(**fields), self.CODE, stamp=self.STAMP)


class _Parameter(Catalogued, ParameterValidationError):
    """A ParameterValidationError of the catalogue, its ``Parameter`` from ``PARAMETER``."""

    FAMILY = PVE
    CODE = "AWS.ParameterOutOfRange"
    STAMP: ClassVar[Stamp] = "ms s"

    def __init__(self, **fields: object) -> None:
        parameter = None if self.PARAMETER is None else self.PARAMETER.format(**fields)
        super().__init__(self.TEMPLATE.format(**fields), parameter, self.CODE, stamp=self.STAMP)


class _InvalidValue(_Parameter):
    CODE = "AWS.MechanicalTurk.InvalidParameterValue"
    CONFIDENCE = "unconfirmed"


# ----------------------------------------------------------------------------- values, tokens


class ValueOutOfRange(_Parameter):
    """A number outside its range (Lifetime, MaxAssignments, durations, extension increments)."""

    TEMPLATE = "The value {value} is invalid for {name}. Valid values range from {lo} to {hi}."
    PARAMETER = "{name}"
    SOURCE = (_gh("aws/aws-sdk-ruby", 2065),)
    CONFIDENCE = "confirmed"
    NOTE = "the real sample ends (ms); the fake writes (ms s), as its other PVEs"

    def __init__(self, value: object, name: str, lo: int, hi: int) -> None:
        super().__init__(value=value, name=name, lo=lo, hi=hi)


class BelowMinimum(_Parameter):
    """RetryDelayInSeconds below 0, TestDurationInSeconds below 1 (no upper bound)."""

    TEMPLATE = "The value {value} is invalid for {key}. It must be {minimum} or greater."
    PARAMETER = "{key}"
    CONFIDENCE = "unconfirmed"

    def __init__(self, value: int, key: str, minimum: int) -> None:
        super().__init__(value=value, key=key, minimum=minimum)


class TooLong(_Parameter):
    """Title, Description, Keywords, annotations, feedback, XML over its length limit."""

    TEMPLATE = (
        "The value of {key} is {length} {unit} long, which exceeds the maximum of {limit} {unit}."
    )
    PARAMETER = "{key}"
    CONFIDENCE = "unconfirmed"
    NOTE = "the limits are documented; the wording is the fake's"

    def __init__(self, key: str, length: int, unit: str, limit: int) -> None:
        super().__init__(key=key, length=length, unit=unit, limit=limit)


class BlankValue(_Parameter):
    """An empty or all-space Title, Description, Name, Subject or MessageText."""

    TEMPLATE = 'The value "" is invalid for {key}.'
    PARAMETER = "{key}"
    CONFIDENCE = "unconfirmed"

    def __init__(self, key: str) -> None:
        super().__init__(key=key)


class InvalidAmount(_Parameter):
    """A CurrencyAmount that is not a number (the front end's pattern check comes first)."""

    TEMPLATE = "The value {text} is invalid for {key}."
    PARAMETER = "{key}"
    CONFIDENCE = "unconfirmed"

    def __init__(self, text: str, key: str) -> None:
        super().__init__(text=text, key=key)


class AmountTooSmall(_Parameter):
    """A Reward or BonusAmount below $0.01."""

    TEMPLATE = "The value {text} is invalid for {key}. The amount must be at least ${minimum}."
    PARAMETER = "{key}"
    SOURCE = (_gh("SurveyMan/SurveyMan", 83),)
    CONFIDENCE = "unconfirmed"
    NOTE = "the $0.01 minimum is confirmed; the wording is not"

    def __init__(self, text: str, key: str, minimum: str) -> None:
        super().__init__(text=text, key=key, minimum=minimum)


class AmountTooLarge(_Parameter):
    """A Reward or BonusAmount of $10^15 or more (the pattern allows any number of digits)."""

    TEMPLATE = "The value {text} is invalid for {key}. The amount must be less than ${limit}."
    PARAMETER = "{key}"
    CONFIDENCE = "unconfirmed"
    NOTE = (
        "no limit is documented; the fake's keeps every sum it makes (a billion assignments, "
        "fees, balances) exact"
    )

    def __init__(self, text: str, key: str, limit: str) -> None:
        super().__init__(text=text, key=key, limit=limit)


class InvalidNextToken(_Parameter):
    """A NextToken the fake did not issue, or one of another listing."""

    TEMPLATE = 'The value "{token}" is not valid for the parameter NextToken.'
    PARAMETER = "NextToken"
    CONFIDENCE = "unconfirmed"
    NOTE = 'modelled on the real "is not valid for the parameter" family'

    def __init__(self, token: str) -> None:
        super().__init__(token=token)


class UnknownWorker(_Parameter):
    """A worker id the fake never saw, under ``strict_workers``."""

    TEMPLATE = 'The value "{worker_id}" is not valid for the parameter {parameter}.'
    PARAMETER = "{parameter}"
    SOURCE = (_gh("aws/aws-sdk-java", 2055),)
    CONFIDENCE = "inferred"
    NOTE = "wording and (ms s) confirmed; the TurkErrorCode is not shown in the sample"

    def __init__(self, worker_id: str, parameter: str) -> None:
        super().__init__(worker_id=worker_id, parameter=parameter)


class IdempotencyTokenProcessed(_Request):
    """A UniqueRequestToken used again within 24 hours (and UpdateExpirationForHIT repeated)."""

    CODE = "AWS.MechanicalTurk.InvalidParameterValue"
    TEMPLATE = 'The idempotency token "{token}" has already been processed.'
    SOURCE = (_gh("Dallinger/Dallinger", 3109),)
    CONFIDENCE = "confirmed"

    def __init__(self, token: str) -> None:
        super().__init__(token=token)


class InsufficientFunds(_Request):
    """Production money short of what a call would hold or pay."""

    CODE = "AWS.MechanicalTurk.InsufficientFunds"
    TEMPLATE = (
        "This Requester has insufficient funds in their account to complete this transaction. "
        "Please visit https://requester.mturk.com/prepayments/new to purchase Prepaid HITs."
    )
    SOURCE = (
        _gh("facebookresearch/Mephisto", 342),
        _gh("NRGI/resourcecontracts.org", 538),
    )
    CONFIDENCE = "inferred"
    NOTE = "wording confirmed for the 2017 API; the code is the one the legacy API answered with"


# ----------------------------------------------------------------------------- HITs


class HITDoesNotExist(_Request):
    """A HIT id that names none of the caller's HITs."""

    CODE = "AWS.MechanicalTurk.HITDoesNotExist"
    TEMPLATE = "Hit {hit_id} does not exist."
    SOURCE = (_gh("SurveyMan/SurveyMan", 198), _gh("longouyang/nosub", 11))
    CONFIDENCE = "confirmed"
    NOTE = "the 2017-API sample ends (ms s); the fake writes (ms)"

    def __init__(self, hit_id: str) -> None:
        super().__init__(hit_id=hit_id)


class HITTypeDoesNotExist(_Request):
    """A HITTypeId the caller does not have (or one deleted with its qualification type)."""

    CODE = "AWS.MechanicalTurk.HITTypeDoesNotExist"
    TEMPLATE = "HITType {type_id} does not exist."
    CONFIDENCE = "unconfirmed"
    NOTE = 'modelled on "Hit <id> does not exist."'

    def __init__(self, type_id: str) -> None:
        super().__init__(type_id=type_id)


class InvalidHITState(_Request):
    """A HIT in a state the operation does not take (DeleteHIT, UpdateHITReviewStatus, ...)."""

    CODE = "AWS.MechanicalTurk.InvalidHITState"
    TEMPLATE = (
        "This HIT is currently in the state '{status}'.  "
        "This operation can be called with a status of: {allowed}"
    )
    STAMP = "ms s"
    SOURCE = (_gh("boto/boto3", 2107),)
    CONFIDENCE = "inferred"
    NOTE = "wording (two spaces) and stamp confirmed; the code is inferred"

    def __init__(self, status: str, allowed: str) -> None:
        super().__init__(status=status, allowed=allowed)


class HitAlreadyExists(_Request):
    """CreateHIT* repeating a UniqueRequestToken within 24 hours."""

    CODE = "AWS.MechanicalTurk.HitAlreadyExists"
    TEMPLATE = (
        "There is already a HIT with this unique request token. The existing HIT ID is {hit_id}."
    )
    SOURCE = (_aws("CreateHIT"),)
    CONFIDENCE = "unconfirmed"
    NOTE = "the code and a message naming the HIT are documented; the wording is the fake's"

    def __init__(self, hit_id: str) -> None:
        super().__init__(hit_id=hit_id)


class InvalidMaximumAssignmentsIncrease(_Request):
    """CreateAdditionalAssignmentsForHIT taking a HIT from fewer than 10 assignments to 10+."""

    CODE = "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"
    TEMPLATE = (
        "HITs created with fewer than 10 assignments cannot be extended to have 10 or more "
        "assignments."
    )
    SOURCE = (_aws("CreateAdditionalAssignmentsForHIT"),)
    CONFIDENCE = "unconfirmed"
    NOTE = "the code is documented; the message is the documentation's sentence"


class QuestionOrLayout(_InvalidValue):
    """Neither or both of Question and HITLayoutId."""

    TEMPLATE = (
        "Either a Question parameter or a HITLayoutId parameter must be provided, but not both."
    )
    PARAMETER = "Question"
    SOURCE = (_aws("CreateHIT"),)
    NOTE = "the rule is documented; the wording is the fake's"


class HITLayoutDoesNotExist(_Request):
    """A HITLayoutId never registered with ``fake.register_hit_layout``."""

    CODE = "AWS.MechanicalTurk.HITLayoutDoesNotExist"
    TEMPLATE = "HITLayout {layout_id} does not exist."
    CONFIDENCE = "unconfirmed"
    NOTE = 'the code is the legacy API\'s; the wording is modelled on "Hit <id> does not exist."'

    def __init__(self, layout_id: str) -> None:
        super().__init__(layout_id=layout_id)


class HITLayoutParametersMissing(_InvalidValue):
    """HITLayoutParameters without a value for every ``${Name}`` of the layout."""

    TEMPLATE = "The HITLayout {layout_id} needs a value for the parameter(s): {names}."
    PARAMETER = "HITLayoutParameters"

    def __init__(self, layout_id: str, names: str) -> None:
        super().__init__(layout_id=layout_id, names=names)


class XMLParseError(_Parameter):
    """Question, Test or AnswerKey XML that does not parse or validate."""

    CODE = "AWS.MechanicalTurk.XMLParseError"
    TEMPLATE = (
        "There was an error parsing the XML question or answer data in your request.  Please "
        "make sure the data is well-formed and validates against the appropriate schema. "
        "Details: {details}"
    )
    SOURCE = (_gh("boto/boto", 605),)
    CONFIDENCE = "inferred"
    NOTE = "code and wording seen with the legacy API; the same text is reported for the 2017 one"

    def __init__(self, details: str) -> None:
        super().__init__(details=details)


# ----------------------------------------------------------------------------- assignments


class AssignmentDoesNotExist(_Request):
    """An assignment id of no HIT of the caller's, or work still in flight, returned or
    abandoned."""

    CODE = "AWS.MechanicalTurk.AssignmentDoesNotExist"
    TEMPLATE = "Assignment {assignment_id} does not exist."
    STAMP = "ms s"
    SOURCE = (_gh("facebookresearch/Mephisto", 1081),)
    CONFIDENCE = "confirmed"

    def __init__(self, assignment_id: str) -> None:
        super().__init__(assignment_id=assignment_id)


class InvalidAssignmentState(_Request):
    """An assignment in a state the operation does not take (GetAssignment on work in
    progress, Approve/Reject of reviewed work)."""

    CODE = "AWS.MechanicalTurk.InvalidAssignmentState"
    TEMPLATE = "This operation can be called with a status of: {allowed}"
    SOURCE = (_gh("Dallinger/Dallinger", 1398),)
    CONFIDENCE = "confirmed"

    def __init__(self, allowed: str) -> None:
        super().__init__(allowed=allowed)


class AssignmentInProgress(_Request):
    """ApproveAssignment or RejectAssignment on work a worker has not submitted yet."""

    CODE = InvalidAssignmentState.CODE
    TEMPLATE = "This operation can be called with a status of: null"
    STAMP = "ms s"
    SOURCE = (_gh("facebookresearch/ParlAI", 2957), _gh("NYUCCL/psiTurk", 424))
    CONFIDENCE = "confirmed"


class OverrideAfterDelete(_Request):
    """ApproveAssignment overriding a rejection after DeleteHIT."""

    CODE = InvalidAssignmentState.CODE
    TEMPLATE = "The assignment {assignment_id} cannot be approved because its HIT has been deleted."
    SOURCE = (_aws("ApproveAssignment"),)
    CONFIDENCE = "unconfirmed"
    NOTE = "the rule is documented; the wording is the fake's"

    def __init__(self, assignment_id: str) -> None:
        super().__init__(assignment_id=assignment_id)


class OverrideTooLate(_Request):
    """ApproveAssignment overriding a rejection of work submitted more than 30 days ago."""

    CODE = InvalidAssignmentState.CODE
    TEMPLATE = (
        "The assignment {assignment_id} cannot be approved because it was submitted more than "
        "30 days ago."
    )
    SOURCE = (_aws("ApproveAssignment"),)
    CONFIDENCE = "unconfirmed"
    NOTE = "the rule is documented; the wording is the fake's"

    def __init__(self, assignment_id: str) -> None:
        super().__init__(assignment_id=assignment_id)


class NotTheAssignmentsWorker(_InvalidValue):
    """SendBonus to a worker who did not do the assignment."""

    TEMPLATE = (
        'The value "{worker_id}" is not valid for the parameter WorkerId. '
        "Assignment {assignment_id} was not done by this worker."
    )
    PARAMETER = "WorkerId"
    SOURCE = (_gh("boto/boto3", 2355),)
    NOTE = "the rule is confirmed; the wording is the fake's"

    def __init__(self, worker_id: str, assignment_id: str) -> None:
        super().__init__(worker_id=worker_id, assignment_id=assignment_id)


class BonusFilter(_InvalidValue):
    """ListBonusPayments with neither or both of HITId and AssignmentId."""

    TEMPLATE = "Either the HITId or the AssignmentId parameter must be specified, but not both."
    PARAMETER = "HITId"
    SOURCE = (_aws("ListBonusPayments"),)
    NOTE = "the rule is documented; the wording is the fake's"


# ----------------------------------------------------------------------------- review policies


class _PolicyError(_InvalidValue):
    PARAMETER = "{key}"


class PolicyInWrongSlot(_PolicyError):
    """A review policy other than the one its slot takes."""

    TEMPLATE = "The value {name} is invalid for {slot}. The only policy it takes is {expected}."
    PARAMETER = "PolicyName"

    def __init__(self, name: str, slot: str, expected: str) -> None:
        super().__init__(name=name, slot=slot, expected=expected)


class PolicyParameterWithoutKey(_PolicyError):
    """A policy parameter without a Key."""

    TEMPLATE = "Every parameter of the {policy} policy needs a Key."
    PARAMETER = "Key"

    def __init__(self, policy: str) -> None:
        super().__init__(policy=policy)


class PolicyParameterRepeated(_PolicyError):
    """A policy parameter given twice."""

    TEMPLATE = "The parameter {key} is given more than once."

    def __init__(self, key: str) -> None:
        super().__init__(key=key)


class UnknownPolicyParameter(_PolicyError):
    """A parameter the policy does not have."""

    TEMPLATE = "{key} is not a parameter of the {policy} policy."

    def __init__(self, key: str, policy: str) -> None:
        super().__init__(key=key, policy=policy)


class PolicyParameterNotInteger(_PolicyError):
    """A numeric policy parameter without one integer value."""

    TEMPLATE = "The parameter {key} needs one integer value."

    def __init__(self, key: str) -> None:
        super().__init__(key=key)


class PolicyParameterOutOfRange(_PolicyError):
    """A numeric policy parameter outside its range."""

    TEMPLATE = "The value {value} is invalid for {key}. Valid values range from {lo} to {hi}."

    def __init__(self, value: int, key: str, lo: int, hi: int) -> None:
        super().__init__(value=value, key=key, lo=lo, hi=hi)


class PolicyParameterMissing(_PolicyError):
    """A policy without one of its required parameters."""

    TEMPLATE = "The {policy} policy needs the parameter {key}."

    def __init__(self, policy: str, key: str) -> None:
        super().__init__(policy=policy, key=key)


class AnswerKeyWithoutMapEntries(_PolicyError):
    """ScoreMyKnownAnswers with an AnswerKey parameter that has no MapEntries."""

    TEMPLATE = "The AnswerKey parameter needs MapEntries."
    PARAMETER = "AnswerKey"


class MapEntryWithoutKey(_PolicyError):
    """ScoreMyKnownAnswers with an AnswerKey MapEntry that has no Key."""

    TEMPLATE = "Every MapEntry of the AnswerKey parameter needs a Key."
    PARAMETER = "AnswerKey"


# ----------------------------------------------------------------------------- requirements


class _RequirementShape(_Parameter):
    PARAMETER = "QualificationRequirements"
    CONFIDENCE = "unconfirmed"


class TooManyRequirements(_RequirementShape):
    """More than 10 QualificationRequirements."""

    TEMPLATE = (
        "The value {count} is invalid for QualificationRequirements. "
        "A HIT can have at most 10 QualificationRequirements."
    )

    def __init__(self, count: int) -> None:
        super().__init__(count=count)


class RequirementTypeRepeated(_RequirementShape):
    """Two requirements on one qualification type."""

    TEMPLATE = "QualificationType {type_id} is used in more than one requirement."

    def __init__(self, type_id: str) -> None:
        super().__init__(type_id=type_id)


class IntegerAndLocaleValues(_RequirementShape):
    """A requirement with both IntegerValues and LocaleValues."""

    TEMPLATE = "A requirement can have IntegerValues or LocaleValues, not both."


class IntegerValuesOnLocale(_RequirementShape):
    """IntegerValues on Worker_Locale."""

    TEMPLATE = "IntegerValues cannot be used with the Worker_Locale qualification."


class LocaleValuesOffLocale(_RequirementShape):
    """LocaleValues on a type other than Worker_Locale."""

    TEMPLATE = "LocaleValues can only be used with the Worker_Locale qualification."


class ComparatorTakesNoValues(_RequirementShape):
    """Values given to Exists or DoesNotExist."""

    TEMPLATE = "The comparator {comparator} does not take values."

    def __init__(self, comparator: str) -> None:
        super().__init__(comparator=comparator)


class ComparatorValueCount(_RequirementShape):
    """In / NotIn with no values or too many (15 integers, 30 locales)."""

    TEMPLATE = "The comparator {comparator} takes 1 to {limit} {kind}."

    def __init__(self, comparator: str, limit: int, kind: str) -> None:
        super().__init__(comparator=comparator, limit=limit, kind=kind)


class ComparatorTakesOneValue(_RequirementShape):
    """A comparison comparator without exactly one value."""

    TEMPLATE = "The comparator {comparator} takes exactly one value."

    def __init__(self, comparator: str) -> None:
        super().__init__(comparator=comparator)


class ComparatorNotForLocales(_RequirementShape):
    """An ordering comparator (LessThan, ...) with LocaleValues."""

    TEMPLATE = "The comparator {comparator} cannot be used with LocaleValues."

    def __init__(self, comparator: str) -> None:
        super().__init__(comparator=comparator)


class RequiredToPreviewWithActionsGuarded(_RequirementShape):
    """RequiredToPreview true together with ActionsGuarded."""

    TEMPLATE = "RequiredToPreview cannot be combined with ActionsGuarded."


class InvalidQualificationTypeState(_Request):
    """A requirement on an Inactive qualification type."""

    CODE = "AWS.MechanicalTurk.InvalidQualificationTypeState"
    TEMPLATE = (
        "QualificationType [{type_id}] is {status}.  "
        "This operation can be called with a status of: Active"
    )
    CONFIDENCE = "unconfirmed"
    NOTE = 'the code is the legacy API\'s; the wording follows the real "status of" family'

    def __init__(self, type_id: str, status: str) -> None:
        super().__init__(type_id=type_id, status=status)


# ----------------------------------------------------------------------------- qualifications


class QualificationTypeDoesNotExist(_Request):
    """An unknown or deleted qualification type (type operations and requirements)."""

    CODE = "AWS.MechanicalTurk.QualificationTypeDoesNotExist"
    TEMPLATE = "QualificationType [{type_id}] does not exist."
    SOURCE = (_gh("human-nature-lab/breadboard", 204),)
    CONFIDENCE = "inferred"
    NOTE = "wording confirmed (a requirement); the code is the legacy API's"

    def __init__(self, type_id: str) -> None:
        super().__init__(type_id=type_id)


class QualificationTypeAlreadyExists(_Request):
    """CreateQualificationType with a name the caller already uses."""

    CODE = "AWS.MechanicalTurk.QualificationTypeAlreadyExists"
    TEMPLATE = (
        "You have already created a QualificationType with this name. A QualificationType's "
        "name must be unique among all of the QualificationTypes created by the same user."
    )
    SOURCE = (_gh("Dallinger/Dallinger", 3331),)
    CONFIDENCE = "confirmed"


class QualificationDoesNotExist(_Request):
    """GetQualificationScore on a type or grant that does not exist; revoking what is not
    granted."""

    CODE = "AWS.MechanicalTurk.QualificationDoesNotExist"
    TEMPLATE = "You requested a Qualification that does not exist."
    SOURCE = (_gh("Dallinger/Dallinger", 3331), _gh("boto/boto", 3171))
    CONFIDENCE = "confirmed"


class NotTypeOwner(_Request):
    """An owner-only operation on another requester's (or a system) qualification type."""

    CODE = "AWS.MechanicalTurk.PermissionDenied"
    TEMPLATE = (
        "You do not own QualificationType [{type_id}]. Only the owner of a QualificationType "
        "can perform this operation on it."
    )
    CONFIDENCE = "unconfirmed"
    NOTE = "owner-only is documented; PermissionDenied is a legacy code; the wording is the fake's"

    def __init__(self, type_id: str) -> None:
        super().__init__(type_id=type_id)


class QualificationNotGranted(_Request):
    """GetQualificationScore on a revoked qualification."""

    CODE = "AWS.MechanicalTurk.InvalidQualificationState"
    TEMPLATE = "This operation can be called with a status of: Granted"
    SOURCE = ("https://github.com/Dallinger/Dallinger/blob/master/tests/test_mturk.py",)
    CONFIDENCE = "unconfirmed"
    NOTE = "the text is what Dallinger matches for a revoked qualification; the code is a guess"


class QualificationRequestDoesNotExist(_Request):
    """A QualificationRequestId the caller does not have."""

    CODE = "AWS.MechanicalTurk.QualificationRequestDoesNotExist"
    TEMPLATE = "QualificationRequest [{request_id}] does not exist."
    CONFIDENCE = "unconfirmed"
    NOTE = 'the code is the legacy API\'s; the wording follows "Hit <id> does not exist."'

    def __init__(self, request_id: str) -> None:
        super().__init__(request_id=request_id)


class QualificationRequestAlreadyProcessed(_Request):
    """Accept or Reject of a request already accepted, rejected or closed by a delete."""

    CODE = "AWS.MechanicalTurk.InvalidQualificationRequestState"
    TEMPLATE = (
        "QualificationRequest [{request_id}] has already been processed.  "
        "This operation can be called with a status of: Submitted"
    )
    CONFIDENCE = "unconfirmed"
    NOTE = 'the code is the legacy API\'s; the wording follows the real "status of" family'

    def __init__(self, request_id: str) -> None:
        super().__init__(request_id=request_id)


class _QualificationTestRule(_InvalidValue):
    SOURCE = (_gh("boto/boto3", 2108),)
    NOTE = "a broken Test rule answers with this family and code (sample); the wording is not"


class AutoGrantedWithTest(_QualificationTestRule):
    """A qualification type that would have both a Test and AutoGranted."""

    TEMPLATE = "A QualificationType with a Test cannot be AutoGranted."
    PARAMETER = "AutoGranted"


class MissingTestDuration(_QualificationTestRule):
    """A Test without TestDurationInSeconds."""

    TEMPLATE = "TestDurationInSeconds must be specified when a Test is specified."
    PARAMETER = "TestDurationInSeconds"


class AnswerKeyWithoutTest(_QualificationTestRule):
    """CreateQualificationType with an AnswerKey but no Test."""

    TEMPLATE = "An AnswerKey can only be given together with a Test."
    PARAMETER = "AnswerKey"


class UpdateWithoutTest(_QualificationTestRule):
    """UpdateQualificationType changing AnswerKey or TestDurationInSeconds without the Test."""

    TEMPLATE = (
        "{key} can only be updated together with the Test (send the original questions to "
        "keep them)."
    )
    PARAMETER = "{key}"

    def __init__(self, key: str) -> None:
        super().__init__(key=key)


# ----------------------------------------------------------------------------- notifications, files


class InvalidTransportEndpoint(_Request):
    """A notification Destination that is not a queue URL, topic ARN or e-mail address."""

    CODE = "AWS.MechanicalTurk.InvalidTransportEndpoint"
    TEMPLATE = (
        "The destination {destination!r} is not valid for the {transport} transport: "
        "it must be {what}."
    )
    CONFIDENCE = "unconfirmed"
    NOTE = "the code is the legacy API's; the family and the wording are the fake's"

    def __init__(self, destination: str, transport: str, what: str) -> None:
        super().__init__(destination=destination, transport=transport, what=what)


class InvalidNotificationVersion(_InvalidValue):
    """A notification Version other than 2006-05-05 and 2014-08-15."""

    TEMPLATE = "The value {version} is invalid for Version. Valid values are: {accepted}."
    PARAMETER = "Version"

    def __init__(self, version: str, accepted: str) -> None:
        super().__init__(version=version, accepted=accepted)


class NoEventTypes(_InvalidValue):
    """A notification specification with no EventTypes."""

    TEMPLATE = "The notification specification must list at least one EventType."
    PARAMETER = "EventTypes"


class PingNotAllowed(_InvalidValue):
    """Ping in UpdateNotificationSettings (it is for SendTestEventNotification only)."""

    TEMPLATE = "The Ping event type is only valid for the SendTestEventNotification operation."
    PARAMETER = "EventTypes"
    NOTE = "the rule is documented; the wording is the fake's"


class NotificationOrActive(_InvalidValue):
    """UpdateNotificationSettings with neither Notification nor Active."""

    TEMPLATE = "You must specify either the Notification parameter or the Active parameter."
    PARAMETER = "Notification"
    SOURCE = (_aws("UpdateNotificationSettings"),)
    NOTE = "the rule is documented; the wording is the fake's"


class NoNotificationSpec(_InvalidValue):
    """Active changed on a HIT type that has no notification specification."""

    TEMPLATE = (
        "HIT type {hit_type_id} has no notification specification: provide one in the "
        "Notification parameter to change its Active status."
    )
    PARAMETER = "Notification"
    SOURCE = (_aws("UpdateNotificationSettings"),)
    NOTE = "the rule is documented; the wording is the fake's"

    def __init__(self, hit_type_id: str) -> None:
        super().__init__(hit_type_id=hit_type_id)


class NotAFileUploadQuestion(_InvalidValue):
    """GetFileUploadURL for a question that is not a FileUploadAnswer question."""

    TEMPLATE = "The question {question_id} is not a FileUploadAnswer question of HIT {hit_id}."
    PARAMETER = "QuestionIdentifier"

    def __init__(self, question_id: str, hit_id: str) -> None:
        super().__init__(question_id=question_id, hit_id=hit_id)


class NoUploadedFile(_InvalidValue):
    """GetFileUploadURL for a file that is not there (never uploaded, or the HIT deleted)."""

    TEMPLATE = (
        "There is no uploaded file for the question {question_id} of assignment {assignment_id}."
    )
    PARAMETER = "QuestionIdentifier"

    def __init__(self, question_id: str, assignment_id: str) -> None:
        super().__init__(question_id=question_id, assignment_id=assignment_id)


#: Every error of the catalogue, in the order above.
CATALOGUE: tuple[type[Catalogued], ...] = tuple(
    value
    for name, value in list(globals().items())
    if isinstance(value, type)
    and issubclass(value, Catalogued)
    and value.__module__ == __name__
    and not name.startswith("_")
    and value is not Catalogued
)
