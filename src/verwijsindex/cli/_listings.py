"""The commands that need no index: ``regions``, ``policies`` and ``check-bsn``, as text
or JSON; regions and policies are named by their names, a policy's source by its document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TextIO

from verwijsindex.cli._output import EXIT_FAILURE, _say
from verwijsindex.errors import VerwijsindexError
from verwijsindex.model import Recipient, is_valid_bsn, parse_bsn
from verwijsindex.regions import POLICIES, ZUID_LIMBURG, NotificationPolicy, deviations

_RECIPIENT_WORDS = {
    Recipient.YOUTH: "youth",
    Recipient.LEGAL_REPRESENTATIVE: "legal representative",
}

_SOURCES = {
    "seed 000": "the Zuid-Limburg leaflet",
    "seed 002": "the Westelijke Mijnstreek page",
}
"""The documents behind the policies, by the labels a source may still carry."""
_LABEL = re.compile(r"\bseed \d{3}\b")


def _plain(text: str) -> str:
    """*text* with a source named by its document, not by an internal label."""
    return _LABEL.sub(lambda m: _SOURCES.get(m.group(), "a regional source"), text)


def _policy_name(policy: NotificationPolicy) -> str:
    return f"{policy.name} ({_plain(policy.title)})"


def _regions(out: TextIO, *, as_json: bool) -> int:
    if as_json:
        data = {
            "name": ZUID_LIMBURG.name,
            "information_sites": list(ZUID_LIMBURG.information_sites),
            "regions": [
                {
                    "name": region.name,
                    "aliases": list(region.aliases),
                    "programme": region.programme,
                    "contacts": list(region.contacts),
                    "coordinator": region.coordinator,
                    "policy": region.policy.name,
                    "information_sites": list(region.information_sites),
                    "organisations": list(region.organisations),
                    "municipalities": [
                        {
                            "code": m.code,
                            "name": m.name,
                            "former_codes": list(m.former_codes),
                            "former_names": list(m.former_names),
                            "inhabitants": m.inhabitants,
                        }
                        for m in region.municipalities
                    ],
                }
                for region in ZUID_LIMBURG
            ],
        }
        json.dump(data, out, indent=2)
        print(file=out)
        return 0
    for region in ZUID_LIMBURG:
        _say(out, f"{region.name} (programme: {region.programme})")
        _say(out, f"  contact: {', '.join(region.contacts)}", indent="         ")
        _say(out, f"  policy:  {_policy_name(region.policy)}", indent="         ")
        for m in region.municipalities:
            former = f"  (formerly {', '.join(m.former_codes)})" if m.former_codes else ""
            _say(out, f"  {m.code}  {m.name}{former}")
    _say(out, f"information: {', '.join(ZUID_LIMBURG.information_sites)}", indent="  ")
    return 0


def _words(recipients: frozenset[Recipient]) -> str:
    return " and ".join(_RECIPIENT_WORDS[r] for r in Recipient if r in recipients) or "nobody"


def _policies(out: TextIO, *, as_json: bool) -> int:
    if as_json:
        data = [
            {
                "name": p.name,
                "title": _plain(p.title),
                "source": _plain(p.source),
                "bands": [
                    {
                        "min_age": b.min_age,
                        "max_age": b.max_age,
                        "recipients": sorted(r.value for r in b.recipients),
                    }
                    for b in p.bands
                ],
                "deviations": [
                    {
                        "age": d.age,
                        "kind": d.kind,
                        "missing": sorted(r.value for r in d.missing),
                        "extra": sorted(r.value for r in d.extra),
                    }
                    for d in deviations(p)
                ],
                "regions": [r.name for r in ZUID_LIMBURG if r.policy.name == p.name],
            }
            for p in POLICIES.values()
        ]
        json.dump(data, out, indent=2)
        print(file=out)
        return 0
    for p in POLICIES.values():
        _say(out, f"{p.name}: {_plain(p.title)}")
        _say(out, f"  source: {_plain(p.source)}", indent="        ")
        users = [r.name for r in ZUID_LIMBURG if r.policy.name == p.name]
        _say(out, f"  regions: {', '.join(users) or 'none'}", indent="  ")
        for band in p.bands:
            _say(out, f"  ages {band.min_age:>2}-{band.max_age:<2}  {_words(band.recipients)}")
        found = deviations(p)
        if not found:
            _say(out, "  deviations from the statute: none")
        for d in found:
            what = []
            if d.missing:
                what.append(f"does not tell the {_words(d.missing)}")
            if d.extra:
                what.append(f"also tells the {_words(d.extra)}")
            _say(out, f"  age {d.age:>2}: {d.kind}: {'; '.join(what)}")
    return 0


def _check_bsn(values: Sequence[str], out: TextIO) -> int:
    failed = 0
    for position, value in enumerate(values, 1):
        if is_valid_bsn(value):
            _say(out, f"#{position}: valid ({parse_bsn(value)})")
        else:
            failed += 1
            try:
                parse_bsn(value)
            except VerwijsindexError as error:
                _say(out, f"#{position}: invalid: {error}")
    return EXIT_FAILURE if failed else 0
