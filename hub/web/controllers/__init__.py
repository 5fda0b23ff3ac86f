"""Thin HTTP controllers: they translate a request to a service call and its result back."""
