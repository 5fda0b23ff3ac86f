"""The public portal: server-rendered pages anyone can read without logging in (issue 18).

``formatting`` writes money and times as Indonesians do; ``texts`` holds every string of the pages
in Indonesian and English; ``gather`` reads what each page shows through the catalogue, registry,
probe and tender services (never SQL of its own); the controller (``hub.web.controllers.portal``)
renders it with the templates in ``hub/web/templates`` and the style in ``hub/web/static``.
"""
