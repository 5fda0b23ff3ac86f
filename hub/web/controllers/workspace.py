"""The vendor workspace (``/akun``): a vendor's user, logged in through the hub's own OpenID provider
(``hub.web.controllers.account_login``), works across every regency of the province.

Each page calls the services the API's routes call (registering a company, registering for a
tender, documents, clarification questions, bids), as the logged-in account, so the rules are the
API's and so are the refusals; a refusal is shown on the page, in the reader's language around the
service's own sentence. Someone not logged in is sent to log in and brought back; a logged-in
person who is not a vendor's user gets a 403 page saying what the workspace is for. Every POST
form carries the session's CSRF token. The company's page (``/akun``) and a tender's page show the
notices of deadlines moved on the tenders the vendor is registered for (``tenants.tenders.notices``).

Bids are sealed in the browser (``hub/web/static/bid.js`` with ``sealing.js``), never here: the
tender's page carries what sealing needs (the tender's key and fingerprint, the tenant's code, the
tender's and the vendor's ids) and the bundle comes back sealed, to ``submit_bid`` as the API's
upload does. The signing key's page (``/akun/kunci``) registers the public half of a key made in the
page, with the API's service. My bids (``/akun/penawaran``) and each bid's receipt page check the
hub's signed receipts in the page (``receipt-check.js``, shared with the tender's page), and the
digest against what this browser sealed when it did. Those pages alone run scripts (the hub's own
files: ``allow_own_scripts``); with JavaScript off they say so, and point to the CLI.
"""

from __future__ import annotations

from hashlib import sha256
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from federation.identity.actor import Actor
from federation.identity.models import Account
from federation.vendors import own_signing_keys, register_signing_key, register_vendor
from hub.core.database import hub_sessions, tenant_session
from hub.core.errors import Forbidden, HubError, NotFound
from hub.web.body_limits import BUNDLE_BODY_BYTES
from hub.web.controllers.bidding import counted_refusals, receipt_response
from hub.web.controllers.portal import Reader
from hub.web.files import STORE, file_response
from hub.web.logged_in import CSRF_HEADER, posted, signed_in, to_login
from hub.web.portal import workspace
from hub.web.portal.workspace_notices import my_notices
from hub.web.problems import status_of
from hub.web.security_headers import allow_own_scripts
from hub.web.sessions import check_csrf, csrf_token
from hub.web.uploads import received_body
from tenants.tenders import ask, download_document, register_for_tender, submit_bid
from tenants.tenders.award.objections import lodge_objection

REGISTRATION_FIELDS = (
    "name",
    "npwp",
    "nib",
    "address",
    "home_regency_code",
    "kbli",
    "email",
    "user_name",
    "password",
)


class Desk:
    """One workspace request: the reader, and the vendor's user behind it (or the refusal)."""

    def __init__(self, request: Request[Any, Any, State], account: Account | None) -> None:
        self.request, self.account = request, account
        self.reader = Reader(request)

    @property
    def vendor_id(self) -> int:
        assert self.account is not None
        assert self.account.vendor_id is not None
        return self.account.vendor_id

    def refusal(self) -> Template | Redirect | None:
        if self.account is None:
            return to_login(self.request)
        if self.account.vendor_id is None:
            t = self.reader.t
            return self.reader.page(
                "error.html", 403, title=t("ws.refused.title"), detail=t("ws.refused.text")
            )
        return None

    def failed(self, refusal: HubError) -> Template:
        """A page saying why the service refused: an unknown tender is the portal's 404 page."""
        if isinstance(refusal, NotFound):
            return self.reader.error(404, "")
        title = self.reader.t("ws.refusal")
        return self.reader.page("error.html", status_of(refusal), title=title, detail=refusal.detail)

    def page(self, name: str, status: int = 200, **context: Any) -> Template:
        return self.reader.page(name, status, account=self.account, csrf=csrf_token(self.request), **context)


async def desk_of(request: Request[Any, Any, State], session: AsyncSession) -> Desk:
    return Desk(request, await signed_in(request, session))


class WorkspaceController(Controller):
    include_in_schema = False

    @get("/akun", summary="My company: its record, verification and notices")
    async def home(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession], state: State
    ) -> Template | Redirect:
        desk = await desk_of(request, db_session)
        if (refused := desk.refusal()) is not None:
            return refused
        assert desk.account is not None
        notices = await my_notices(db_session, state.engine, state.ocid_prefix, desk.vendor_id)
        return desk.page(
            "akun.html", company=await workspace.company(db_session, desk.account), notices=notices
        )

    @get("/akun/daftar", summary="Register a company as a vendor, with its first user")
    async def registration_form(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession]
    ) -> Template | Redirect:
        desk = await desk_of(request, db_session)
        if desk.account is not None and desk.account.vendor_id is not None:
            return Redirect("/akun", status_code=303)
        return desk.page("akun_daftar.html", values={}, errors={})

    @post("/akun/daftar", summary="Register a company as a vendor", status_code=303)
    async def register(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession], state: State
    ) -> Template | Redirect:
        desk = await desk_of(request, db_session)
        form = await posted(request)
        values = {name: form.get(name, "").strip() for name in REGISTRATION_FIELDS}
        try:
            async with hub_sessions(state.engine)() as session, session.begin():
                await register_vendor(  # the API's service: the same checks, the same refusals
                    session,
                    values["name"],
                    values["npwp"],
                    values["nib"] or None,
                    values["address"],
                    values["home_regency_code"],
                    [k for k in values["kbli"].replace(",", " ").split() if k],
                    values["email"],
                    values["user_name"],
                    form.get("password", ""),
                )
        except HubError as refused:
            where = refused.field if refused.field in REGISTRATION_FIELDS else "form"
            if refused.field == "name" and values["name"] and not values["user_name"]:
                where = "user_name"  # the account's name, not the company's
            values.pop("password")
            status = status_of(refused)
            return desk.page("akun_daftar.html", status, values=values, errors={where: refused.detail})
        return Redirect("/akun/masuk?" + urlencode({"next": "/akun"}), status_code=303)

    @get("/akun/tender", summary="Tenders open to my company across the province")
    async def tenders(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession], state: State
    ) -> Template | Redirect:
        desk = await desk_of(request, db_session)
        if (refused := desk.refusal()) is not None:
            return refused
        assert desk.account is not None
        company = await workspace.company(db_session, desk.account)
        found = await workspace.open_tenders(db_session, state.engine, state.ocid_prefix, company.vendor)
        return desk.page("akun_tenders.html", company=company, tenders=found)

    @get("/akun/tender/{ocid:str}", summary="One tender as I take part in it")
    async def tender(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        desk = await desk_of(request, db_session)
        if (refused := desk.refusal()) is not None:
            return refused
        return await self._tender_page(desk, db_session, state, ocid)

    async def _tender_page(
        self,
        desk: Desk,
        session: AsyncSession,
        state: State,
        ocid: str,
        notice: str | None = None,
        status: int = 200,
        question: str = "",
        objection_error: str | None = None,
        grounds: str = "",
    ) -> Template:
        try:
            tender = await workspace.tender_desk(
                session, state.engine, state.ocid_prefix, ocid, desk.vendor_id
            )
        except HubError as refusal:
            return desk.failed(refusal)
        allow_own_scripts(desk.request)  # bid.js seals here
        return desk.page(
            "akun_tender.html",
            status,
            d=tender,
            ocid=ocid,
            notice=notice,
            question=question,
            objection_error=objection_error,
            grounds=grounds,
            vendor_id=desk.vendor_id,
        )

    @post("/akun/tender/{ocid:str}/daftar", summary="Register my company for the tender", status_code=303)
    async def register_for(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        return await self._act(ocid, request, db_session, state, "register")

    @post("/akun/tender/{ocid:str}/tanya", summary="Ask a clarification question", status_code=303)
    async def ask_question(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        return await self._act(ocid, request, db_session, state, "ask")

    @post(
        "/akun/tender/{ocid:str}/sanggah",
        summary="Lodge an objection (sanggah) to the award",
        status_code=303,
    )
    async def object_to(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        """The API's ``lodge_objection`` with the grounds alone (supporting documents go through the
        API or the CLI): the same period on the database clock, the same bidders, one per award."""
        return await self._act(ocid, request, db_session, state, "object")

    async def _act(
        self,
        ocid: str,
        request: Request[Any, Any, State],
        session: AsyncSession,
        state: State,
        what: str,
    ) -> Template | Redirect:
        """Register, ask or object, through the API's services in the tender's regency, in one
        transaction; back to the tender's page, which shows the result, or says why not (an
        objection's refusal next to its grounds, which are kept)."""
        desk = await desk_of(request, session)
        if (refused := desk.refusal()) is not None:
            return refused
        assert desk.account is not None
        form = await posted(request)
        try:
            tender = await workspace.tender_desk(
                session, state.engine, state.ocid_prefix, ocid, desk.vendor_id
            )
        except HubError as refusal:
            return desk.failed(refusal)
        actor = Actor(desk.account.id, tender.tenant)
        try:
            async with tenant_session(state.engine, tender.tenant.schema) as own, own.begin():
                if what == "register":
                    await register_for_tender(own, actor, tender.entry.tender_id)
                elif what == "object":
                    grounds = form.get("grounds", "")
                    await lodge_objection(own, actor, tender.entry.tender_id, grounds, [], STORE)
                else:
                    await ask(own, actor, tender.entry.tender_id, form.get("question", ""))
        except HubError as refusal:
            status = status_of(refusal)  # as the API would answer: 400, 403, 409...
            if what == "object":
                return await self._tender_page(
                    desk,
                    session,
                    state,
                    ocid,
                    status=status,
                    objection_error=refusal.detail,
                    grounds=form.get("grounds", ""),
                )
            notice = f"{desk.reader.t('ws.refusal')}: {refusal.detail}"
            return await self._tender_page(
                desk, session, state, ocid, notice, status, form.get("question", "")
            )
        anchor = {"ask": "#pertanyaan", "object": "#sanggah"}.get(what, "")
        return Redirect(f"/akun/tender/{quote(ocid, safe='')}{anchor}", status_code=303)

    @get("/akun/tender/{ocid:str}/dokumen/{document_id:int}", summary="Download a tender document")
    async def document(
        self,
        ocid: FromPath[str],
        document_id: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Response[bytes] | Template | Redirect:
        desk = await desk_of(request, db_session)
        if (refused := desk.refusal()) is not None:
            return refused
        try:
            tender = await workspace.tender_desk(
                db_session, state.engine, state.ocid_prefix, ocid, desk.vendor_id
            )
            async with tenant_session(state.engine, tender.tenant.schema) as own:
                document, data = await download_document(
                    own,
                    tender.entry.tender_id,
                    document_id,
                    vendor_id=desk.vendor_id,
                    official=False,
                    store=STORE,
                )
        except HubError as refusal:
            return desk.failed(refusal)
        return file_response(data, document.name, document.content_type, document.sha256)

    @get("/akun/penawaran", summary="My bids and their receipts")
    async def bids(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession], state: State
    ) -> Template | Redirect:
        desk = await desk_of(request, db_session)
        if (refused := desk.refusal()) is not None:
            return refused
        found = await workspace.my_bids(db_session, state.engine, state.ocid_prefix, desk.vendor_id)
        allow_own_scripts(request)  # receipt-check.js marks each receipt verified or not
        return desk.page("akun_penawaran.html", bids=found, vendor_id=desk.vendor_id)

    @get("/akun/penawaran/{tenant:str}/{tender:int}", summary="One bid's receipt, verified in the page")
    async def receipt(
        self,
        tenant: FromPath[str],
        tender: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Template | Redirect:
        """The receipt of my standing bid for the tender, its fields readable; with JavaScript the page
        checks it (receipt-check.js). Another vendor's bid is a 404, as a missing one is."""
        found = await self._my_bid(request, db_session, state, tenant, tender)
        if not isinstance(found, tuple):
            return found
        desk, bid = found
        allow_own_scripts(request)
        return desk.page("akun_tanda_terima.html", b=bid, vendor_id=desk.vendor_id)

    @get(
        "/akun/penawaran/{tenant:str}/{tender:int}/tanda-terima.json",
        summary="Download one bid's receipt, its bytes as the hub signed them",
    )
    async def receipt_file(
        self,
        tenant: FromPath[str],
        tender: FromPath[int],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Response[bytes] | Template | Redirect:
        found = await self._my_bid(request, db_session, state, tenant, tender)
        if not isinstance(found, tuple):
            return found
        _, bid = found
        name = f"tanda-terima-{bid.tenant.code}-{bid.tender_id}.json"
        return file_response(bid.signed, name, "application/json", sha256(bid.signed).hexdigest())

    async def _my_bid(
        self, request: Request[Any, Any, State], session: AsyncSession, state: State, tenant: str, tender: int
    ) -> tuple[Desk, workspace.MyBid] | Template | Redirect:
        """The logged-in vendor's standing bid, or the page that refuses: log in, 403, 404."""
        desk = await desk_of(request, session)
        if (refused := desk.refusal()) is not None:
            return refused
        try:
            return desk, await workspace.my_bid(
                session, state.engine, state.ocid_prefix, desk.vendor_id, tenant, tender
            )
        except HubError as refusal:
            return desk.failed(refusal)

    @get("/akun/kontrak", summary="My contracts across the province")
    async def contracts(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession], state: State
    ) -> Template | Redirect:
        desk = await desk_of(request, db_session)
        if (refused := desk.refusal()) is not None:
            return refused
        found = await workspace.my_contracts(db_session, state.engine, state.ocid_prefix, desk.vendor_id)
        return desk.page("akun_kontrak.html", contracts=found)

    @post(
        "/akun/tender/{ocid:str}/penawaran",
        summary="Submit a bid sealed in this browser (the bundle as the body)",
        request_max_body_size=BUNDLE_BODY_BYTES,
    )
    async def submit(
        self,
        ocid: FromPath[str],
        request: Request[Any, Any, State],
        db_session: NamedDependency[AsyncSession],
        state: State,
    ) -> Response[bytes]:
        """The bundle ``bid.js`` sealed, to the API's ``submit_bid``: the same checks (registered,
        in the submission stage, bound to this tender and vendor, signed with a key valid now), the
        same receipt. The script reads the answer, so a refusal is problem+json (400, 403, 409,
        413), which it shows; the CSRF token comes in a header, the body being the bundle."""
        desk = await desk_of(request, db_session)
        if desk.account is None or desk.account.vendor_id is None:
            raise Forbidden("log in to the workspace as a vendor's user to submit a bid")
        check_csrf(request, request.headers.get(CSRF_HEADER, ""))
        tender = await workspace.tender_desk(
            db_session, state.engine, state.ocid_prefix, ocid, desk.vendor_id
        )
        actor = Actor(desk.account.id, tender.tenant)
        async with received_body(request) as bundle:
            with counted_refusals(tender.tenant):
                async with tenant_session(state.engine, tender.tenant.schema) as own, own.begin():
                    accepted = await submit_bid(
                        own,
                        actor,
                        tender.entry.tender_id,
                        bundle,
                        state.master,
                        signers=state.receipt_signers,
                    )
        return receipt_response(accepted.receipt)

    @get("/akun/kunci", summary="My signing key: made in this browser, its backup, its registration")
    async def signing_key(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession]
    ) -> Template | Redirect:
        desk = await desk_of(request, db_session)
        if (refused := desk.refusal()) is not None:
            return refused
        return await self._key_page(desk, db_session)

    async def _key_page(
        self, desk: Desk, session: AsyncSession, notice: str | None = None, status: int = 200
    ) -> Template:
        assert desk.account is not None
        keys = await own_signing_keys(session, desk.account.id)
        allow_own_scripts(desk.request)  # bid.js makes the key here
        return desk.page("akun_kunci.html", status, keys=keys, notice=notice, vendor_id=desk.vendor_id)

    @post("/akun/kunci", summary="Register the public half of a key made in this browser", status_code=303)
    async def register_key(
        self, request: Request[Any, Any, State], db_session: NamedDependency[AsyncSession], state: State
    ) -> Template | Redirect:
        """The API's ``register_signing_key``: the page sends the public half only; the private half
        stays in the browser that made it (and in the backup file the vendor downloaded)."""
        desk = await desk_of(request, db_session)
        if (refused := desk.refusal()) is not None:
            return refused
        assert desk.account is not None
        form = await posted(request)
        try:
            async with hub_sessions(state.engine)() as session, session.begin():
                await register_signing_key(session, desk.account.id, form.get("public_key", "").strip())
        except HubError as refusal:
            notice = f"{desk.reader.t('ws.refusal')}: {refusal.detail}"
            return await self._key_page(desk, db_session, notice, status_of(refusal))
        return Redirect("/akun/kunci", status_code=303)
