"""The public portal's pages: HTML for people, beside the JSON API for programs (issue 18).

Anonymous and read-only, as the catalogue API is (and rate-limited with it, ``hub.web.app``). Each
handler reads its page through ``hub.web.portal.gather`` and renders a template; an unknown tender
or regency is an HTML 404 page and a search that cannot be one an HTML 400 page, in the reader's
language. Indonesian unless the reader chose English: ``?lang=en`` (the header's link) sets a
cookie that the next pages follow.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from hub.core.errors import InvalidInput, NotFound
from hub.web.portal import gather
from hub.web.portal.form import regency_options, search_form
from hub.web.portal.rendering import helpers
from hub.web.portal.texts import LANGUAGES, language, text
from hub.web.security_headers import allow_own_stylesheet
from tenants.vocabulary import Category, Method

LANG_COOKIE = "lang"
YEAR = 365 * 24 * 3600


class Reader:
    """The reader's language: asked in the query (and then kept in a cookie), or kept, or Indonesian."""

    def __init__(self, request: Request[Any, Any, State]) -> None:
        allow_own_stylesheet(request)  # every page, errors included, loads the hub's stylesheet
        asked = request.query_params.get("lang")
        self.chosen = asked if asked in LANGUAGES else None
        self.lang = language(self.chosen or request.cookies.get(LANG_COOKIE))
        other = "en" if self.lang == "id" else "id"
        params = {k: v for k, v in request.query_params.items() if k != "lang"}
        self.switch_url = f"{request.url.path}?{urlencode({**params, 'lang': other})}"

    def page(self, name: str, status: int = 200, **context: Any) -> Template:
        """``name`` rendered in the reader's language; the choice kept when the query made one."""
        cookies = (
            [Cookie(key=LANG_COOKIE, value=self.chosen, max_age=YEAR, httponly=True, samesite="lax")]
            if self.chosen
            else None
        )
        return Template(
            name,
            context={**helpers(self.lang), "switch_url": self.switch_url, **context},
            status_code=status,
            media_type="text/html",
            cookies=cookies,
        )

    def t(self, key: str) -> str:
        """A string of the portal in the reader's language."""
        return text(self.lang, key)

    def error(self, status: int, detail: str) -> Template:
        title = text(self.lang, "notfound.title" if status == 404 else "invalid.title")
        shown = text(self.lang, "notfound.text") if status == 404 else detail
        return self.page("error.html", status, title=title, detail=shown)


REGENCIES_ON_HOME = 60
"""A province's hub lists its regencies on the home page (Jawa Timur has 38); a hub of more links to
``/lpse`` instead: 514 rows made the page 187 KB, over its 100 KB budget (docs/BENCHMARKS.md)."""
FACETS_SHOWN = 12
"""Each facet's largest values on the home page; the search form's lists hold every one."""


class PortalController(Controller):
    include_in_schema = False

    @get("/", summary="The province at a glance: search, facets, newest tenders, regencies")
    async def home(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession], state: State
    ) -> Template:
        reader = Reader(request)
        try:
            form = search_form(request.query_params)
            caches = (state.facet_cache, state.portal_uptime)
            home = await gather.home(
                db_session, state.ocid_prefix, form.query, caches, form.searched, REGENCIES_ON_HOME
            )
        except InvalidInput as refused:
            return reader.error(400, refused.detail)
        return reader.page(
            "home.html",
            form=form,
            home=home,
            categories=[c.value for c in Category],
            methods=[m.value for m in Method],
            tenant_names={r.slug: r.name for r in home.tenants},
            regency_options=regency_options(
                tuple((r.slug, r.name) for r in home.tenants), form.values.get("tenant")
            ),
            facets_shown=FACETS_SHOWN,
        )

    @get("/tender/{ocid:str}", summary="One tender: schedule, bids, results, contract, red flags")
    async def tender(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template:
        reader = Reader(request)
        try:
            page = await gather.tender_page(db_session, state.engine, state.ocid_prefix, ocid)
        except NotFound as missing:
            return reader.error(404, missing.detail)
        return reader.page("tender.html", p=page)

    @get("/lpse", summary="Every regency's LPSE with its uptime")
    async def regencies(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession], state: State
    ) -> Template:
        found = await gather.every_regency(db_session, state.portal_uptime)
        return Reader(request).page("lpse_index.html", regencies=found)

    @get("/lpse/{slug:str}", summary="A regency's LPSE: uptime, open and newest tenders")
    async def regency(
        self,
        slug: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template:
        reader = Reader(request)
        try:
            page = await gather.regency_page(db_session, state.ocid_prefix, slug)
        except NotFound as missing:
            return reader.error(404, missing.detail)
        return reader.page("lpse.html", page=page)

    @get("/data", summary="Open data: OCDS, the feed, audit checkpoints and how to verify them")
    async def open_data(self, request: Request[Any, Any, State]) -> Template:
        return Reader(request).page("data.html")
