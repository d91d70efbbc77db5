"""CBS municipality codes (gemeentecodes): the one function set for ``0935`` and its spellings.

As python-stdnum gives each number a ``compact``, ``validate``, ``is_valid`` and
``format``, this module does for the four-digit code Statistics Netherlands gives each
municipality. A code may be written ``935``, ``"0935"``, ``"GM0935"`` or ``"gm 0935"``;
its canonical form is four digits.

>>> compact("GM935"), compact(935), compact("0000"), compact("Maastricht")
('0935', '0935', None, None)
>>> validate(" gm0935 ")
'0935'
>>> format("935")
'GM0935'
>>> validate("Maastricht")
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: not a CBS municipality code such as '0935'
>>> is_valid(True), is_valid("12345"), is_valid("١٢٣٤")
(False, False, False)
"""

from __future__ import annotations

from verwijsindex.errors import InvalidRecordError

__all__ = ["compact", "format", "is_valid", "validate"]


def compact(value: object) -> str | None:
    """The four-digit form of *value*, or ``None`` when it is no CBS code. Never raises."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and len(value) <= 16:
        digits = value.strip().upper().removeprefix("GM").strip()
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 4):
            return None
        number = int(digits)
    else:
        return None
    return f"{number:04d}" if 1 <= number <= 9999 else None


def validate(value: object, field: str | None = None) -> str:
    """The four-digit form of *value*, or :class:`InvalidRecordError` naming *field* (never
    the value)."""
    code = compact(value)
    if code is None:
        where = f"{field} must be " if field else "not "
        raise InvalidRecordError(f"{where}a CBS municipality code such as '0935'")
    return code


def is_valid(value: object) -> bool:
    """Whether *value* is a CBS municipality code in any spelling :func:`compact` reads."""
    return compact(value) is not None


def format(value: object) -> str:
    """The code as the CBS writes it in its tables: ``GM0935``."""
    return f"GM{validate(value)}"
