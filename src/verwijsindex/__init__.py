"""verwijsindex: the Dutch referral index for at-risk youth (verwijsindex risicojongeren).

A professional registers *that* they are involved with a young person under 23, never
*why*; when two or more are involved with the same youth, the index makes a match and
puts them in touch (Jeugdwet chapter 7.1).

>>> import verwijsindex
>>> verwijsindex.parse_bsn("111222333")
Bsn('******333')
>>> verwijsindex.is_valid_bsn("123")
False
"""

from __future__ import annotations

import logging
from importlib import metadata as _metadata

from verwijsindex._collector import paused as collector_paused
from verwijsindex.errors import (
    AccessDeniedError,
    AgeLimitError,
    ConfigurationError,
    ForbiddenFieldError,
    InvalidBsnError,
    InvalidPeriodError,
    InvalidRecordError,
    NaiveDatetimeError,
    NotFoundError,
    StorageError,
    UnknownMunicipalityError,
    ValidationError,
    VerwijsindexError,
)
from verwijsindex.importing import ImportRecord, ImportReport
from verwijsindex.index import VerwijsIndex
from verwijsindex.links import Registration
from verwijsindex.maintenance import SweepReport
from verwijsindex.matching import MatchRule, Rules
from verwijsindex.model import (
    Address,
    Bsn,
    Contact,
    Gender,
    Link,
    LinkStatus,
    Match,
    MatchKind,
    Notification,
    NotificationKind,
    Organisation,
    Professional,
    Recipient,
    Subject,
    WithdrawalReason,
    format_bsn,
    is_valid_bsn,
    parse_bsn,
)
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.storage import Store, open_store

try:
    __version__ = _metadata.version("verwijsindex")
except _metadata.PackageNotFoundError:  # pragma: no cover - a source tree never installed
    __version__ = "0+unknown"
"""The installed version, from the package metadata; pyproject.toml is its one source."""

logging.getLogger("verwijsindex").addHandler(logging.NullHandler())
"""The library logs under ``verwijsindex`` (children per area: ``.sweep``, ``.import``,
``.rekey``, ``.rights``, ``.links``, ``.outbox``, ``.delivery``), INFO for totals and
DEBUG for each registration and match, with pseudonymous ids only; the application adds
the handlers."""

__all__ = [
    "AccessDeniedError",
    "Address",
    "AgeLimitError",
    "Bsn",
    "ConfigurationError",
    "Contact",
    "ForbiddenFieldError",
    "Gender",
    "ImportRecord",
    "ImportReport",
    "InvalidBsnError",
    "InvalidPeriodError",
    "InvalidRecordError",
    "Link",
    "LinkStatus",
    "Match",
    "MatchKind",
    "MatchRule",
    "NaiveDatetimeError",
    "NotFoundError",
    "Notification",
    "NotificationKind",
    "Organisation",
    "Professional",
    "PseudonymKey",
    "Recipient",
    "Registration",
    "Rules",
    "StorageError",
    "Store",
    "Subject",
    "SweepReport",
    "UnknownMunicipalityError",
    "ValidationError",
    "VerwijsIndex",
    "VerwijsindexError",
    "WithdrawalReason",
    "collector_paused",
    "format_bsn",
    "is_valid_bsn",
    "open_store",
    "parse_bsn",
]
