"""The directory (adresboek): the organisations that signed a municipality's agreement.

>>> from verwijsindex.model import Organisation, Professional
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
from verwijsindex.errors import UnknownOrganisationError, UnknownProfessionalError
from verwijsindex.model import Organisation, Professional, check_no_bsn

__all__ = ["add_organisation", "add_professional", "organisation", "professional"]


def add_organisation(ctx: Context, organisation: Organisation) -> None:
    """Record that *organisation* signed the agreement of its municipality (convenant);
    ``UnknownMunicipalityError`` when the municipality is not in the index's regions."""
    v.model_argument(organisation, Organisation, "organisation")
    check_no_bsn(organisation)
    ctx.region_of(organisation.municipality_code)
    with ctx.store.transaction() as tx:
        tx.put_organisation(ctx.current_organisation(organisation))


def organisation(ctx: Context, organisation_id: str) -> Organisation:
    """The organisation with *organisation_id*, or :class:`UnknownOrganisationError`."""
    v.id_argument(organisation_id, "organisation_id")
    with ctx.store.transaction() as tx:
        found = tx.get_organisation(organisation_id)
    if found is None:
        raise UnknownOrganisationError(kind="organisation", id=organisation_id)
    return found


def add_professional(ctx: Context, professional: Professional) -> None:
    """Record *professional*; their organisation must have signed the agreement
    (``UnknownOrganisationError`` otherwise)."""
    v.model_argument(professional, Professional, "professional")
    with ctx.store.transaction() as tx:
        stored = tx.get_organisation(professional.organisation.id)
        if stored is None:
            raise UnknownOrganisationError(
                "the professional's organisation has not signed the agreement of this index "
                "(add_organisation)",
                kind="organisation",
                id=professional.organisation.id,
            )
        check_no_bsn(professional, stored=stored)
        tx.put_professional(professional)


def professional(ctx: Context, professional_id: str) -> Professional:
    """The professional with *professional_id*, or :class:`UnknownProfessionalError`."""
    v.id_argument(professional_id, "professional_id")
    with ctx.store.transaction() as tx:
        found = tx.get_professional(professional_id)
    if found is None:
        raise UnknownProfessionalError(kind="professional", id=professional_id)
    return found
