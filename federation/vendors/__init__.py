"""Vendors registered once for the hub, verified once, suspended per tenant."""
