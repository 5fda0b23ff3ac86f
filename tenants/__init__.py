"""Everything inside one regency's LPSE, and the registry of the hub's tenants."""
