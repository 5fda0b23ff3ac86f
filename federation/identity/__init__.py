"""One identity for the province: accounts, their roles per tenant, and passwords."""
