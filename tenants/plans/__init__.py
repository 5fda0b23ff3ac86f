"""The tenant's procurement plan (RUP): items an agency plans to buy in a fiscal year, with their
budget ceilings, sources of funds and budget lines; packages are procured under them.

Recorded in batches taken whole or not at all (``record_plan_items``: the API's list, an import file
read by ``read_plan_file``); read publicly with what is left of each ceiling (``list_plan_items``,
``plan_item``). What a package takes of a ceiling is ``tenants.tenders``' rule, under the item's lock.
"""

from tenants.plans.ceilings import taken_of
from tenants.plans.fields import FIELDS, PlanItemInput, parse_item
from tenants.plans.files import FORMATS, PlanFile, format_of, read_plan_file
from tenants.plans.models import PlanItem
from tenants.plans.reading import PlanItemView, list_plan_items, plan_item
from tenants.plans.recording import PlanOutcome, content_of, record_plan_items

__all__ = [
    "FIELDS",
    "FORMATS",
    "PlanFile",
    "PlanItem",
    "PlanItemInput",
    "PlanItemView",
    "PlanOutcome",
    "content_of",
    "format_of",
    "list_plan_items",
    "parse_item",
    "plan_item",
    "read_plan_file",
    "record_plan_items",
    "taken_of",
]
