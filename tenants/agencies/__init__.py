"""Agencies (*satker* / *OPD*): the offices of a regency that buy; the buyer in OCDS terms."""

from tenants.agencies.directory import add_agency, list_agencies
from tenants.agencies.models import Agency

__all__ = ["Agency", "add_agency", "list_agencies"]
