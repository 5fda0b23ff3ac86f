"""What crosses tenants about tenders: the province-wide catalogue, OCDS releases, the change feed."""
