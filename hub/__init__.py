"""The web shell of lpse-hub: settings, database engine, tenant resolution, controllers.

Importing this package is cheap and does not import Litestar; the app factory lives in
``hub.web.app``.
"""
