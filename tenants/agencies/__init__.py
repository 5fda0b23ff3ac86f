"""Agencies (*satker* / *OPD*): the offices of a regency that buy; the buyer in OCDS terms."""

from tenants.agencies.models import Agency
from tenants.agencies.service import add_agency, list_agencies

__all__ = ["Agency", "add_agency", "list_agencies"]
