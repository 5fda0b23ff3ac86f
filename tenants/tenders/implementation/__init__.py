"""A signed contract's implementation (e-monev): physical progress, payments by term, milestones and
amendments (*adendum*), recorded by the tender's commitment officer (PPK) or an e-monev system of the
tenant, each change audited and published as an OCDS release in its own transaction.

The rules: progress does not go back without a reason; payments never exceed the contract's current
value (the latest amendment's: ``read_implementation``); an amendment never takes the value below what was
paid; every date is from the contract's signing to today, on the database clock in the tenant's zone.
"""

from tenants.tenders.implementation._amendments import RAISE_LIMIT_PERCENT, AmendmentInput, amend_contract
from tenants.tenders.implementation._contract import MONITOR
from tenants.tenders.implementation._milestones import MilestoneInput, add_milestone, meet_milestone
from tenants.tenders.implementation._payments import PaymentInput, record_payment
from tenants.tenders.implementation._progress import ProgressInput, report_progress
from tenants.tenders.implementation._reads import ContractImplementation, read_implementation
from tenants.tenders.implementation_reads import Terms

__all__ = [
    "MONITOR",
    "RAISE_LIMIT_PERCENT",
    "AmendmentInput",
    "ContractImplementation",
    "MilestoneInput",
    "PaymentInput",
    "ProgressInput",
    "Terms",
    "add_milestone",
    "amend_contract",
    "meet_milestone",
    "read_implementation",
    "record_payment",
    "report_progress",
]
