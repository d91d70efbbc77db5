"""The directory (adresboek): the organisations that signed a municipality's agreement.

>>> from verwijsindex.model import Organisation
>>> from verwijsindex.testing import make_index
>>> index = make_index()
>>> ggd = Organisation(id="ggd", name="GGD Zuid-Limburg", municipality_code="0935",
...                    email="verwijsindex@ggdzl.example")
>>> index.add_organisation(ggd)
>>> index.organisation("ggd").name
'GGD Zuid-Limburg'
>>> index.organisation("unknown")
Traceback (most recent call last):
    ...
verwijsindex.errors.UnknownOrganisationError: no organisation with that id
"""

from __future__ import annotations

from verwijsindex import _validators as v
from verwijsindex._context import Context
from verwijsindex.errors import UnknownOrganisationError
from verwijsindex.model import Organisation

__all__ = ["add_organisation", "organisation"]


def add_organisation(ctx: Context, organisation: Organisation) -> None:
    """Record that *organisation* signed the agreement of its municipality (convenant);
    ``UnknownMunicipalityError`` when the municipality is not in the index's regions."""
    v.model_argument(organisation, Organisation, "organisation")
    ctx.region_of(organisation.municipality_code)
    with ctx.store.transaction() as tx:
        tx.put_organisation(organisation)


def organisation(ctx: Context, organisation_id: str) -> Organisation:
    """The organisation with *organisation_id*, or :class:`UnknownOrganisationError`."""
    v.id_argument(organisation_id, "organisation_id")
    with ctx.store.transaction() as tx:
        found = tx.get_organisation(organisation_id)
    if found is None:
        raise UnknownOrganisationError(kind="organisation", id=organisation_id)
    return found
