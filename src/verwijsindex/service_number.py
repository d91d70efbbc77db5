"""The verwijsindexservicenummer (BJW 7.3.1): the number of a youth who has no BSN.

A youth without a burgerservicenummer is registered by surname, birth date and gender. The
index derives a number from them and uses it wherever it would use a BSN. Two professionals
of different organisations must derive the same number for the same youth, however each
spells the surname: case, diacritics, spacing, punctuation and the Dutch prefixes
(voorvoegsels, tussenvoegsels) do not count.

>>> from datetime import date
>>> born = date(2012, 5, 1)
>>> service_number("Van der Berg", born, "V")
ServiceNumber('************87fa')
>>> service_number("Berg, van der", born, "V") == service_number("vanderBerg", born, "V")
True
>>> service_number("Çelik", born, "M") == service_number("CELIK", born, "M")
True

Same-sex twins born on one day share a number. A professional who knows of a twin adds an
ordinal (1, 2, ...), which is part of the derivation:

>>> first = service_number("Berg", born, "V", ordinal=1)
>>> second = service_number("Berg", born, "V", ordinal=2)
>>> first == second or first == service_number("Berg", born, "V")
False
>>> service_number("Berg", born, "V", ordinal=None) == service_number("Berg", born, "V")
True

The number is personal data as much as a BSN is: it is masked in its ``repr`` and ``str``,
and no error message repeats a surname, a date or a number.

>>> service_number("", born, "V")
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: surname must hold letters
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from datetime import date
from typing import Any, Final, Protocol

import attrs

from verwijsindex import _validators as v
from verwijsindex.errors import InvalidRecordError

__all__ = [
    "ABBREVIATIONS",
    "GLUED_PREFIXES",
    "PREFIXES",
    "GenderLike",
    "ServiceNumber",
    "fold_surname",
    "service_number",
]


# --- the prefixes ------------------------------------------------------------------------

PREFIXES: Final[tuple[str, ...]] = (
    "'s", "'t", "a", "aan", "aan 't", "aan de", "aan den", "aan der", "aan het", "aan t", "af",
    "al", "am", "am de", "auf", "auf dem", "auf den", "auf der", "auf ter", "aus", "aus 'm",
    "aus dem", "aus den", "aus der", "aus m", "ben", "bij", "bij 't", "bij de", "bij den",
    "bij het", "bij t", "bin", "boven d", "boven d'", "d", "d'", "da", "dal", "dal'", "dalla",
    "das", "de", "de die", "de die le", "de l", "de l'", "de la", "de las", "de le", "de van der",
    "deca", "degli", "dei", "del", "della", "den", "der", "des", "di", "die le", "do", "don",
    "dos", "du", "el", "het", "i", "im", "in", "in 't", "in de", "in den", "in der", "in het",
    "in t", "l", "l'", "la", "las", "le", "les", "lo", "los", "of", "onder", "onder 't",
    "onder de", "onder den", "onder het", "onder t", "op", "op 't", "op de", "op den", "op der",
    "op gen", "op het", "op t", "op ten", "over", "over 't", "over de", "over den", "over het",
    "over t", "s", "s'", "t", "te", "ten", "ter", "tho", "thoe", "thor", "to", "toe", "tot",
    "uijt", "uijt 't", "uijt de", "uijt den", "uijt te de", "uijt ten", "uit", "uit 't", "uit de",
    "uit den", "uit het", "uit t", "uit te de", "uit ten", "unter", "van", "van 't", "van de",
    "van de l", "van de l'", "van den", "van der", "van gen", "van het", "van la", "van t",
    "van ter", "van van de", "ver", "vom", "von", "von 't", "von dem", "von den", "von der",
    "von t", "voor", "voor 't", "voor de", "voor den", "voor in 't", "voor in t", "vor", "vor der",
    "zu", "zum", "zur",
)  # fmt: skip
"""The voorvoegsels of the population register, lower-cased, all 165 entries: RvIG,
*Landelijke Tabellen BRP*, Tabel 36 "Voorvoegseltabel" (the table dated 1 December 2004;
published at publicaties.rvig.nl under "Landelijke tabellen"). The BRP keeps the
voorvoegsel apart from the geslachtsnaam, so "van der Berg" is recorded as prefix
``van der`` and surname ``Berg``. The table lists each form with and without its
apostrophe (``'t`` and ``t``); folding reads them alike."""

ABBREVIATIONS: Final[tuple[str, ...]] = ("v.", "v.d.", "v/d", "vd")
"""Abbreviations typed for ``van`` and ``van de(n/r)``, read as prefixes too. They are no
voorvoegsels of the BRP, but a professional may type ``v.d. Berg``; they fold like
``van der Berg``."""

GLUED_PREFIXES: Final[tuple[str, ...]] = ("vanhet", "vanden", "vander", "vande")
"""The prefixes recognised when written glued to the surname (``vanderBerg``,
``Vandenberg``): only the ``van`` compounds of two words, longest first. A glued one-word
prefix (``Devries``, ``Terhorst``) is not split off: the letters cannot tell ``Dekker``
from ``de Kker``, nor ``de Nijs`` from ``den Ijs``. The longest compound wins, so a glued
``vande`` before an n or r reads as ``vanden`` or ``vander`` (``Vanderooij`` is
``ooij``)."""


def _tokens(prefix: str) -> tuple[str, ...]:
    """A prefix as folding reads it: its words, letters only (``'t`` is ``t``)."""
    return tuple(re.sub(r"[^a-z]", "", word) for word in re.split(r"[ ./]+", prefix) if word)


_ENTRIES: Final[frozenset[tuple[str, ...]]] = frozenset(
    _tokens(prefix) for prefix in PREFIXES + ABBREVIATIONS
)
_LONGEST: Final[int] = max(len(entry) for entry in _ENTRIES)

_LETTERS: Final[dict[str, str]] = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i", "ħ": "h", "ŧ": "t", "ŋ": "n", "ə": "e", "ɛ": "e", "ɔ": "o",
}  # fmt: skip
"""Latin letters that have no decomposition into an ASCII letter and a mark, and the ASCII
they fold to."""

MAX_SURNAME: Final = 200
"""The longest surname text read, in characters."""


# --- folding -----------------------------------------------------------------------------


def fold_surname(surname: str) -> str:
    """The canonical form of *surname* from which a number is derived: lower-case ASCII
    letters only, without the leading prefix.

    - Case, diacritics and compatibility forms do not count (``Çelik``, ``ÇELIK`` and
      ``Celik`` are ``celik``); ``ß`` is ``ss``, ``æ`` is ``ae``, ``ø`` is ``o`` and a few
      more Latin letters without a decomposition fold likewise.
    - Spaces, hyphens, apostrophes, dots and other punctuation separate words and are
      dropped (``O'Neill`` and ``ONeill`` are ``oneill``). Invisible format characters
      (a soft hyphen, a zero-width space) are dropped without separating.
    - A leading prefix of :data:`PREFIXES` (the BRP's voorvoegsels) or
      :data:`ABBREVIATIONS` is dropped, the longest that fits, as the population register
      keeps it apart: ``van der Berg``, ``Van Der  Berg``, ``v.d. Berg`` and ``Berg`` are
      all ``berg``; ``'t Hart`` and ``t Hart`` are ``hart``. A prefix written after a
      comma is read as leading: ``Berg, van der``. A ``van`` compound of
      :data:`GLUED_PREFIXES` is also dropped when glued on: ``vanderBerg``.
    - Only the *leading* prefix is dropped. From the first word after it, every letter
      counts and no separator does: a double name keeps both parts and the prefix of the
      second, so ``Meijer-de Boer``, ``Meijer - De Boer`` and ``Meijer de Boer`` are all
      ``meijerdeboer`` (not ``Meijer-Boer``), and ``van Dijk-de Boer`` is ``dijkdeboer``.
    - A surname that is one prefix word of two letters or more is kept: ``Le``, ``Do`` and
      ``Du`` are surnames too. A surname of a longer prefix only (``van der``, ``'t``) is
      refused, as is one without letters.

    Refused with :class:`InvalidRecordError` naming ``surname`` (never repeating it):
    anything but a string, control characters (a NUL byte, a line break), lone
    surrogates, more than 200 characters, digits, letters of another script than the
    Latin, a comma that is not followed by a prefix only, and a surname that folds to
    nothing.

    >>> fold_surname("Van der  Berg"), fold_surname("Berg, van der"), fold_surname("vanderBerg")
    ('berg', 'berg', 'berg')
    >>> fold_surname("'t Hart"), fold_surname("O'Neill"), fold_surname("Ünal")
    ('hart', 'oneill', 'unal')
    >>> fold_surname("Meijer-de Boer"), fold_surname("Lê")
    ('meijerdeboer', 'le')
    >>> fold_surname("van der")
    Traceback (most recent call last):
        ...
    verwijsindex.errors.InvalidRecordError: surname must hold more than a prefix
    """
    groups = _words(surname)
    if len(groups) > 2 or (len(groups) == 2 and groups[1] and tuple(groups[1]) not in _ENTRIES):
        raise InvalidRecordError("surname may hold a comma only before its prefix")
    words = groups[1] + groups[0] if len(groups) == 2 else groups[0]
    if not words:
        raise InvalidRecordError("surname must hold letters")
    cut = next(
        (n for n in range(min(_LONGEST, len(words)), 0, -1) if tuple(words[:n]) in _ENTRIES), 0
    )
    if cut == len(words):
        if cut > 1 or len(words[0]) < 2:
            raise InvalidRecordError("surname must hold more than a prefix")
        return words[0]  # Le, Do, Du: a one-word prefix is a surname in its own right
    rest = words[cut:]
    if cut == 0:
        rest = _unglue(rest)
    return "".join(rest)


def _unglue(words: list[str]) -> list[str]:
    """*words* without a :data:`GLUED_PREFIXES` compound at the start of the first."""
    first = words[0]
    for glued in GLUED_PREFIXES:
        if first.startswith(glued):
            if len(first) > len(glued):
                return [first[len(glued) :], *words[1:]]
            if len(words) > 1:
                return words[1:]
    return words


def _words(surname: object) -> list[list[str]]:
    """The folded words of *surname*, in comma-separated groups (one group, without a
    comma)."""
    if not isinstance(surname, str):
        raise InvalidRecordError("surname must be a string")
    if len(surname) > MAX_SURNAME or v.CONTROL.search(surname):
        raise InvalidRecordError(f"surname must be one line of at most {MAX_SURNAME} characters")
    groups: list[list[str]] = [[]]
    word = ""
    for character in unicodedata.normalize("NFKD", surname):
        letters = _fold_character(character)
        if letters:
            word += letters
            continue
        if letters is None:  # a separator; an empty string is a mark or format character
            if word:
                groups[-1].append(word)
                word = ""
            if character == ",":
                groups.append([])
    if word:
        groups[-1].append(word)
    return groups


@functools.lru_cache(maxsize=1024)
def _fold_character(character: str) -> str | None:
    """The ASCII letters *character* folds to; ``""`` for a mark or an invisible format
    character (dropped); ``None`` for a separator. Refuses digits and letters of other
    scripts."""
    if "a" <= character <= "z":
        return character
    if "A" <= character <= "Z":
        return character.lower()
    category = unicodedata.category(character)
    if category[0] == "M" or category == "Cf":
        return ""
    if category[0] == "N":
        raise InvalidRecordError("surname must not hold digits")
    if category in ("Lu", "Ll", "Lt", "Lo"):
        folded = "".join(
            _LETTERS.get(c, c)
            for c in unicodedata.normalize("NFKD", character.casefold())
            if not unicodedata.category(c).startswith("M")
        )
        if not (folded.isascii() and folded.isalpha()):
            raise InvalidRecordError("surname must be written in Latin letters")
        return folded.lower()
    if category in ("Co", "Cn", "Cs"):
        raise InvalidRecordError("surname must be one line of text")
    return None  # punctuation, spaces, symbols, modifier letters such as ʼ


# --- the number --------------------------------------------------------------------------

_HEX16: Final = re.compile(r"[0-9a-f]{16}")


@attrs.frozen(repr=False, order=False)
class ServiceNumber:
    """A verwijsindexservicenummer, canonical as 16 lower-case hexadecimal digits. Derive
    it with :func:`service_number`; it is used wherever a BSN would be.

    >>> ServiceNumber("0123456789abcdef")
    ServiceNumber('************cdef')
    >>> ServiceNumber("0123456789ABCDEF")
    Traceback (most recent call last):
        ...
    verwijsindex.errors.InvalidRecordError: value must be 16 lower-case hexadecimal digits
    """

    value: str = attrs.field(validator=v.pattern(_HEX16, "16 lower-case hexadecimal digits"))

    def __repr__(self) -> str:
        return f"ServiceNumber('************{self.value[-4:]}')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[Any, ...]:  # pickles by value, as the class itself
        return (ServiceNumber, (self.value,))


class _Valued(Protocol):
    @property
    def value(self) -> object: ...


GenderLike = _Valued | str
"""A gender as :func:`service_number` takes it: a ``verwijsindex.model.Gender`` (or
anything whose ``value`` is ``"M"``, ``"V"`` or ``"O"``), or one of those strings. This
module does not import the model, which imports it."""

_GENDERS: Final = ("M", "V", "O")

DOMAIN: Final = b"verwijsindex:vsn:v1:"
"""The pinned start of the derived bytes; a new way of folding needs a new version."""


def service_number(
    surname: str, birth_date: date, gender: GenderLike, ordinal: int | None = None
) -> ServiceNumber:
    """The verwijsindexservicenummer of the youth with this *surname* (any spelling
    :func:`fold_surname` folds alike), *birth_date* and *gender*; *ordinal* (1 to 9)
    tells same-sex twins apart, and ``None`` is no ordinal.

    The number is the first 16 hexadecimal digits of the SHA-256 of the UTF-8 bytes
    ``verwijsindex:vsn:v1:<folded surname>|<birth date, ISO>|<M, V or O>|<ordinal or
    nothing>``. It is no secret: it can be recomputed from a guessed name and date, so
    it is kept like a BSN and stored only as its keyed pseudonym.

    Each argument is checked and refused with :class:`InvalidRecordError` naming it:
    *birth_date* must be a ``date`` (not a ``datetime``) from 1900 to 2999.
    """
    if not isinstance(surname, str):
        raise InvalidRecordError("surname must be a string")
    day = v.day_argument(birth_date, "birth_date")
    return ServiceNumber(_derive(str.__str__(surname), day, _gender(gender), _ordinal(ordinal)))


@functools.lru_cache(maxsize=4096)
def _derive(surname: str, birth_date: date, gender: str, ordinal: int | None) -> str:
    """The hex digits, remembered for checked arguments (a refused surname raises, and
    ``lru_cache`` keeps no call that raised)."""
    text = "|".join(
        (
            fold_surname(surname),
            birth_date.isoformat(),
            gender,
            "" if ordinal is None else str(ordinal),
        )
    )
    return hashlib.sha256(DOMAIN + text.encode("utf-8")).hexdigest()[:16]


def _gender(gender: object) -> str:
    try:
        value = gender if isinstance(gender, str) else getattr(gender, "value", None)
    except Exception:  # a value property that raises
        value = None
    if not isinstance(value, str) or value not in _GENDERS:
        raise InvalidRecordError("gender must be a Gender or one of 'M', 'V' and 'O'")
    return _GENDERS[_GENDERS.index(value)]


def _ordinal(ordinal: object) -> int | None:
    if ordinal is None:
        return None
    if not isinstance(ordinal, int) or isinstance(ordinal, bool) or not 1 <= ordinal <= 9:
        raise InvalidRecordError("ordinal must be None or a whole number from 1 to 9")
    return int(ordinal)
