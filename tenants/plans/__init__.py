"""The tenant's procurement plan (RUP): items an agency plans to buy in a fiscal year, with their
budget ceilings, sources of funds and budget lines; packages are procured under them."""

from tenants.plans.models import PlanItem

__all__ = ["PlanItem"]
