"""What the HTTP API takes and returns: one module per area, typed, so the OpenAPI document describes
every body. Controllers build these from the services' results (``View.of(...)``); nothing here reads
the database or decides anything."""
