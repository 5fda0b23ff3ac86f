"""The hub as an OpenID Connect provider (authlib): clients, keys, tokens, the authorization server."""
