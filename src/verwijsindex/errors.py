"""The errors of verwijsindex (foutmeldingen): one root, one tree.

Every error the library raises derives from :class:`VerwijsindexError`, and also from
the builtin that fits it, so ``except ValueError`` keeps working for callers who do not
know this library::

    VerwijsindexError
    ├── ValidationError (ValueError)            bad input; nothing was written
    │   ├── InvalidBsnError                     not a valid burgerservicenummer
    │   ├── AgeLimitError                       the youth is 23 or older
    │   ├── DeceasedSubjectError                the youth has died
    │   ├── ForbiddenFieldError                 a reason, risk, note or other free text
    │   ├── NaiveDatetimeError                  a datetime without a timezone
    │   ├── InvalidPeriodError                  an end date in the past or past the maximum
    │   ├── InvalidRecordError                  a malformed dict or value
    │   ├── InvalidNoticeError                  a population-register notice that cannot be true
    │   └── NotEligibleError                    this requester may not file this request
    ├── NotFoundError (LookupError)
    │   ├── UnknownMunicipalityError            no such municipality in the regions
    │   ├── UnknownOrganisationError            the organisation did not sign the agreement
    │   └── UnknownProfessionalError            no such professional
    ├── AccessDeniedError (PermissionError)     outside the actor's role; logged
    ├── ConfigurationError (ValueError)         e.g. no pseudonym key given
    │   ├── KeyMismatchError                    the key does not fit the store's records
    │   └── RuleMismatchError                   the match rule is not the store's
    └── StorageError (RuntimeError)             a store failed; the driver error is the cause
        ├── CorruptRecordError                  a stored record does not parse
        ├── NoIndexError                        opened with create=False, and no index is there
        ├── SchemaVersionError                  the store's schema is not one this library can use
        ├── ScrubIncompleteError                deleted data may still be in the files
        └── TamperedLogbookError                the logbook or its references were altered

Messages never contain a BSN; context lives on attributes:

>>> from verwijsindex.errors import ForbiddenFieldError, VerwijsindexError
>>> err = ForbiddenFieldError(field="reden")
>>> str(err)
"field 'reden' may not be stored: the verwijsindex records that a professional is involved, ..."
>>> err.field
'reden'
>>> isinstance(err, ValueError) and isinstance(err, VerwijsindexError)
True
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

__all__ = [
    "AccessDeniedError",
    "AgeLimitError",
    "ConfigurationError",
    "CorruptRecordError",
    "DeceasedSubjectError",
    "ForbiddenFieldError",
    "InvalidBsnError",
    "InvalidNoticeError",
    "InvalidPeriodError",
    "InvalidRecordError",
    "KeyMismatchError",
    "NaiveDatetimeError",
    "NoIndexError",
    "NotEligibleError",
    "NotFoundError",
    "RuleMismatchError",
    "SchemaVersionError",
    "ScrubIncompleteError",
    "StorageError",
    "TamperedLogbookError",
    "UndeliverableError",
    "UnknownMunicipalityError",
    "UnknownOrganisationError",
    "UnknownProfessionalError",
    "ValidationError",
    "VerwijsindexError",
    "masked",
    "masked_name",
]


MAX_MESSAGE: int = 300
"""No message is this long or longer: a message names a field, never the value given."""

_DIGITS = re.compile(r"\d(?:[\W_]*\d){7,}")
"""Eight or more digits with nothing but punctuation, spaces or underscores between them:
a BSN, perhaps, however it was written apart."""
_ANY_DIGIT = re.compile(r"\d")


def masked(value: object, limit: int = 64) -> str | None:
    """*value* as text fit for an error's attribute: at most *limit* characters, and every
    run of eight or more digits (a BSN, perhaps), whatever stands between them but
    letters, masked but for its last three characters.

    >>> masked("id 1112.22.333 here")
    'id ********333 here'
    >>> masked("id 111_222/333 here")
    'id ********333 here'
    >>> masked("x" * 100)[-4:], len(masked("x" * 100))
    ('x...', 64)
    """
    if value is None:
        return None
    text = value if isinstance(value, str) else type(value).__name__
    text = _DIGITS.sub(lambda m: "*" * (len(m.group()) - 3) + m.group()[-3:], text)
    return _fit(text, limit)


def masked_name(name: object, limit: int = 64) -> str:
    """A name the caller chose (a keyword, a key of a record) as an error may show it:
    every digit masked, so that no part of a BSN written into a name shows, at most
    *limit* characters; a name that is not text by its type.

    >>> masked_name("reden_111_222_333")
    'reden_***_***_***'
    >>> masked_name(7)
    '<int>'
    """
    text = _ANY_DIGIT.sub("*", name) if isinstance(name, str) else f"<{type(name).__name__}>"
    return _fit(text, limit)


def _fit(text: str, limit: int) -> str:
    text = text.encode("utf-8", "replace").decode("utf-8")  # no lone surrogate survives
    return text if len(text) <= limit else text[: limit - 3] + "..."


class VerwijsindexError(Exception):
    """The root of every error this library raises."""

    message: ClassVar[str] = "verwijsindex error"

    def __init__(self, message: str | None = None) -> None:
        text = message if message is not None else self.message
        if len(text) >= MAX_MESSAGE:  # a safety net: messages are written short
            text = text[: MAX_MESSAGE - 4] + "..."
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.message


class ValidationError(VerwijsindexError, ValueError):
    """Input that the library refuses; nothing was written."""

    message = "invalid input"


class InvalidBsnError(ValidationError):
    """Not a valid burgerservicenummer (BSN). The number itself is never in the message."""

    message = "not a valid BSN"

    def __init__(self, message: str | None = None, *, problem: str | None = None) -> None:
        self.problem = problem
        if message is None and problem is not None:
            message = f"{self.message}: {problem}"
        super().__init__(message)


class AgeLimitError(ValidationError):
    """The youth is 23 or older (JW 7.1.1.1): the verwijsindex is for those under 23."""

    message = "the verwijsindex only registers youths under 23"

    def __init__(
        self, message: str | None = None, *, age: int | None = None, field: str | None = None
    ) -> None:
        self.age = age
        if message is None and age is not None:
            shown = f"age on the day: {age}" if field is None else f"{field}: age {age} on the day"
            message = f"{self.message} ({shown})"
        super().__init__(message)


class DeceasedSubjectError(ValidationError):
    """The youth has died (JW 7.1.4.5(2)(c)): no link can be made."""

    message = "the youth has died (died_on); no link can be made"


class ForbiddenFieldError(ValidationError):
    """A field that would record *why*: a reason, risk, diagnosis, note or free text."""

    message = "this field may not be stored"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.field = None if field is None else masked_name(field)
        if message is None and field is not None:
            message = (
                f"field {self.field!r} may not be stored: the verwijsindex records that a "
                "professional is involved, never why"
            )
        super().__init__(message)


class NaiveDatetimeError(ValidationError):
    """A datetime without a timezone; every datetime must be aware."""

    message = "datetime must be timezone-aware"


class InvalidPeriodError(ValidationError):
    """An end date before the start or beyond the maximum active period."""

    message = "invalid active period"


class InvalidRecordError(ValidationError):
    """A malformed value or dict: a wrong type, an unknown key or a missing field."""

    message = "malformed record"


class InvalidNoticeError(ValidationError):
    """A notice from the population register that cannot be true (a death after today or
    before the birth, a move to an unknown municipality): refused, nothing changed.
    ``field`` names the part of the notice that is wrong."""

    message = "this notice cannot be true"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class NotEligibleError(ValidationError):
    """This requester may not file a data-subject request for this youth (JW 7.1.5.1(2))."""

    message = "this requester may not file the request"


class NotFoundError(VerwijsindexError, LookupError):
    """Something looked up by id does not exist (or is not visible to the actor)."""

    message = "not found"

    def __init__(
        self, message: str | None = None, *, kind: str | None = None, id: str | None = None
    ) -> None:
        self.kind = kind
        self.id = masked(id)
        if message is None and kind is not None:
            message = f"no {kind} with that id" if id is not None else f"no such {kind}"
        super().__init__(message)


class UnknownMunicipalityError(NotFoundError):
    """No municipality by that name or CBS code in the loaded regions."""

    message = "unknown municipality"

    def __init__(self, message: str | None = None, *, query: str | None = None) -> None:
        self.query = masked(query)
        if message is None:
            message = "unknown municipality: none has that name or CBS code"
        super().__init__(message)


class UnknownOrganisationError(NotFoundError):
    """The organisation has not signed the regional agreement with this index."""

    message = "unknown organisation"


class UnknownProfessionalError(NotFoundError):
    """No professional with that id is known to the index."""

    message = "unknown professional"


class AccessDeniedError(VerwijsindexError, PermissionError):
    """The actor tried something outside their role. Nothing changed; the attempt is logged."""

    message = "access denied"


class ConfigurationError(VerwijsindexError, ValueError):
    """The library was set up wrongly, e.g. without a pseudonym key."""

    message = "invalid configuration"


class KeyMismatchError(ConfigurationError):
    """The pseudonym key given does not fit the store: its check value for a key id differs
    (the right id with the wrong secret), or the store holds records made under a key id
    the keyring does not hold. Raised before anything is read or written; ``key_ids``
    names the ids concerned, never a secret."""

    message = "the pseudonym key does not fit this store"

    def __init__(
        self, message: str | None = None, *, key_ids: tuple[str, ...] | None = None
    ) -> None:
        self.key_ids = key_ids or ()
        super().__init__(message)


class RuleMismatchError(ConfigurationError):
    """The index's match rule is not the one the store's youths were judged by: a worker
    set up with another rule would form and dissolve matches the others would not
    (decision 119). ``VerwijsIndex.change_match_rule`` changes the store's rule."""

    message = "the match rule does not fit the store"


class StorageError(VerwijsindexError, RuntimeError):
    """A store failed. The driver's own exception is chained as ``__cause__``.

    When a bulk import fails part-way, ``report`` holds the
    :class:`~verwijsindex.importing.ImportReport` of what was committed before."""

    message = "storage error"
    report: Any = None


class CorruptRecordError(StorageError):
    """A record read from storage does not parse into the library's models."""

    message = "a stored record is malformed"


class SchemaVersionError(StorageError):
    """The store's schema version is not one this library can use."""

    message = "unsupported schema version"


class NoIndexError(StorageError):
    """The store was opened with ``create=False`` and holds no index: nothing was made."""

    message = "the store holds no index"


class ScrubIncompleteError(StorageError):
    """Deleted data was removed from the records, but the store could not yet make the
    files forget it (a reader held the write-ahead log). The next scrub retries."""

    message = "deleted data may still be readable from the database files"


class TamperedLogbookError(StorageError):
    """The logbook's hash chain, its heads or its references to a youth were altered."""

    message = "the logbook does not verify"


class UndeliverableError(VerwijsindexError, RuntimeError):
    """A message that no try will deliver now: its mail server refused every recipient, or
    cannot take the address. A :class:`~verwijsindex.delivery.Notifier` raises it;
    :func:`~verwijsindex.delivery.deliver` tries that notification no more in the run and
    goes on with the others (it stays in the outbox)."""

    message = "the message cannot be delivered to its recipients"
