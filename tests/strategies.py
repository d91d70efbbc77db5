"""Hypothesis strategies for every model of :mod:`verwijsindex.model`, for any test file.

Each strategy draws only valid values: ``subjects()`` are Subjects the constructor accepts.
``bsn_texts()`` writes valid BSNs the ways people type them (with the separators stdnum
accepts and, for a BSN starting with 0, as eight digits).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from verwijsindex.model import (
    _A_NUMBER,
    Address,
    Bsn,
    Contact,
    Gender,
    Link,
    LinkStatus,
    LogAction,
    LogEntry,
    Match,
    MatchKind,
    Notification,
    NotificationKind,
    Organisation,
    Professional,
    Subject,
    WithdrawalReason,
    parse_bsn,
)

__all__ = [
    "SEPARATORS",
    "ZONES",
    "addresses",
    "aware_datetimes",
    "bsn_digits",
    "bsn_spellings",
    "bsn_texts",
    "bsns",
    "contacts",
    "emails",
    "identifiers",
    "links",
    "log_entries",
    "matches",
    "municipality_codes",
    "notifications",
    "one_line_texts",
    "organisations",
    "phones",
    "postcodes",
    "professionals",
    "subjects",
    "timezones",
]

ZONES = (
    "Europe/Amsterdam",
    "UTC",
    "America/New_York",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
)
"""ZoneInfo keys with DST, half- and quarter-hour offsets and offsets beyond ±12 hours."""

SEPARATORS = (
    " ",
    "-",
    ".",
    "\xa0",  # no-break space
    "\u2009",  # thin space
    "\u3000",  # ideographic space
    "\u2010",  # hyphen
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2212",  # minus sign
    "\uff0d",  # fullwidth hyphen-minus
    "\u00b7",  # middle dot
    "\u2022",  # bullet
    "\uff0e",  # fullwidth full stop
)
"""Separators that ``stdnum.util.clean`` maps to a space, dash or dot, all of which
:func:`~verwijsindex.model.parse_bsn` removes."""

_WHITESPACE = (" ", "\t", "\n", "\r", "\xa0", "\u3000")


# --- BSN --------------------------------------------------------------------------------------


def _with_check_digit(first: list[int]) -> str | None:
    check = sum((9 - i) * digit for i, digit in enumerate(first)) % 11
    if check == 10 or (check == 0 and not any(first)):
        return None  # 10 is not a digit; 000000000 is not a BSN
    return "".join(map(str, first)) + str(check)


def bsn_digits() -> st.SearchStrategy[str]:
    """Nine digits that pass the elfproef, never ``000000000``."""
    eight = st.lists(st.integers(0, 9), min_size=8, max_size=8)
    return eight.map(_with_check_digit).filter(lambda value: value is not None)  # type: ignore[return-value]


def bsns() -> st.SearchStrategy[Bsn]:
    """Valid :class:`Bsn` values."""
    return bsn_digits().map(parse_bsn)


def bsn_spellings(bsn: Bsn | str) -> st.SearchStrategy[str]:
    """The ways *bsn* may be written: separators anywhere, surrounding whitespace, and
    the eight-digit form when the first digit is 0."""
    value = bsn.value if isinstance(bsn, Bsn) else bsn
    forms = [value, value[1:]] if value.startswith("0") else [value]
    separators = st.text(st.sampled_from(SEPARATORS), max_size=2)
    padding = st.text(st.sampled_from(_WHITESPACE), max_size=3)

    @st.composite
    def spelled(draw: st.DrawFn) -> str:
        digits = draw(st.sampled_from(forms))
        text = draw(separators)
        for digit in digits:
            text += digit + draw(separators)
        return draw(padding) + text + draw(padding)

    return spelled()


def bsn_texts() -> st.SearchStrategy[str]:
    """Valid BSNs as people write them (see :func:`bsn_spellings`)."""
    return bsn_digits().flatmap(bsn_spellings)


# --- time -------------------------------------------------------------------------------------


def days() -> st.SearchStrategy[date]:
    """The dates a model accepts: 1900 up to and including 2999."""
    return st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))


def timezones() -> st.SearchStrategy[tzinfo]:
    """UTC, fixed offsets (to the minute, within ±23:59) and ZoneInfo zones."""
    offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    zones = st.sampled_from(ZONES).map(ZoneInfo)
    return st.one_of(st.just(UTC), offsets, zones)


def aware_datetimes(
    min_value: datetime = datetime(1900, 1, 1),
    max_value: datetime = datetime(2200, 12, 31),
) -> st.SearchStrategy[datetime]:
    """Aware datetimes in :func:`timezones`, including DST gaps and folds."""
    return st.datetimes(min_value=min_value, max_value=max_value, timezones=timezones())


# --- text and codes ---------------------------------------------------------------------------


def one_line_texts(max_size: int) -> st.SearchStrategy[str]:
    """Non-blank text without control characters, as the models' names and places."""
    characters = st.characters(
        exclude_categories=["Cs"],
        exclude_characters="".join(map(chr, [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029])),
    )
    return st.text(characters, min_size=1, max_size=max_size).filter(str.strip)


def identifiers() -> st.SearchStrategy[str]:
    """Identifiers as the models accept them (letters, digits, ``._:-``)."""
    return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}", fullmatch=True)


def emails() -> st.SearchStrategy[str]:
    atom = r"[A-Za-z0-9%+_\-]{1,10}"
    label = r"[a-z0-9](?:[a-z0-9\-]{0,18}[a-z0-9])?"
    return st.from_regex(rf"{atom}(?:\.{atom}){{0,2}}@{label}\.[a-z]{{2,6}}", fullmatch=True)


def phones() -> st.SearchStrategy[str]:
    return st.from_regex(r"\+?[0-9][0-9 ()\-]{5,19}", fullmatch=True)


def postcodes() -> st.SearchStrategy[str]:
    """Dutch postcodes in their canonical form, ``6211 CK`` (never SA, SD or SS)."""
    letters = st.from_regex(r"[A-Z]{2}", fullmatch=True).filter(
        lambda pair: pair not in {"SA", "SD", "SS"}
    )
    return st.builds(lambda n, pair: f"{n} {pair}", st.integers(1000, 9999), letters)


def municipality_codes() -> st.SearchStrategy[str]:
    return st.from_regex(r"[0-9]{4}", fullmatch=True).filter(lambda code: code != "0000")


# --- models -----------------------------------------------------------------------------------


def addresses() -> st.SearchStrategy[Address]:
    return st.builds(
        Address,
        street=one_line_texts(120),
        house_number=one_line_texts(16),
        postcode=postcodes(),
        city=one_line_texts(80),
        municipality_code=municipality_codes(),
    )


def _without_number(address: Address) -> bool:
    """A youth's address holds no number a BSN could be (decision 113)."""
    return not any(
        _A_NUMBER.search(t) for t in (address.street, address.house_number, address.city)
    )


def subjects() -> st.SearchStrategy[Subject]:
    return st.builds(
        Subject,
        bsn=bsns(),
        name=one_line_texts(200).filter(lambda name: not _A_NUMBER.search(name)),
        gender=st.sampled_from(Gender),
        birth_date=days(),
        address=addresses().filter(_without_number),
        parents=st.lists(bsns(), max_size=3).map(tuple),
        died_on=st.none() | days(),
    )


def organisations() -> st.SearchStrategy[Organisation]:
    return st.builds(
        Organisation,
        id=identifiers(),
        name=one_line_texts(200),
        municipality_code=municipality_codes(),
        email=emails(),
        phone=st.none() | phones(),
    )


def professionals() -> st.SearchStrategy[Professional]:
    return st.builds(
        Professional,
        id=identifiers(),
        name=one_line_texts(200),
        organisation=organisations(),
        email=emails(),
        phone=st.none() | phones(),
    )


def contacts() -> st.SearchStrategy[Contact]:
    return professionals().map(Contact.of)


def links() -> st.SearchStrategy[Link]:
    return st.builds(
        Link,
        id=identifiers(),
        subject=one_line_texts(128),
        professional=identifiers(),
        organisation=identifiers(),
        created_at=aware_datetimes(),
        ends_on=days(),
        status=st.sampled_from(LinkStatus),
        archived_on=st.none() | days(),
        withdrawal_reason=st.none() | st.sampled_from(WithdrawalReason),
    )


def matches() -> st.SearchStrategy[Match]:
    return st.builds(
        Match,
        id=identifiers(),
        subject=one_line_texts(128),
        links=st.lists(identifiers(), min_size=2, max_size=5).map(tuple),
        professionals=st.lists(identifiers(), min_size=1, max_size=5).map(tuple),
        kind=st.sampled_from(MatchKind),
        created_at=aware_datetimes(),
        updated_at=aware_datetimes(),
        lead=st.none() | identifiers(),
        coordinated=st.booleans(),
    )


def notifications() -> st.SearchStrategy[Notification]:
    return st.builds(
        Notification,
        id=identifiers(),
        kind=st.sampled_from(NotificationKind),
        recipient=one_line_texts(200),
        created_at=aware_datetimes(),
        match_id=st.none() | identifiers(),
        contacts=st.lists(contacts(), max_size=3).map(tuple),
    )


def log_entries() -> st.SearchStrategy[LogEntry]:
    hashes = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)
    return st.builds(
        LogEntry,
        id=identifiers(),
        lane=st.integers(0, 2**31 - 1),
        seq=st.integers(0, 2**63 - 1),
        at=aware_datetimes(),
        actor=identifiers(),
        action=st.sampled_from(LogAction),
        subject_ref=st.none() | st.text(),
        link_id=st.none() | identifiers(),
        match_id=st.none() | identifiers(),
        count=st.none() | st.integers(0, 10**6),
        prev_hash=st.just("") | hashes,
        hash=hashes,
    )
