"""What crosses tenants: one identity and login for the province, vendors, and (later) the catalogue."""
