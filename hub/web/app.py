"""The Litestar application factory.

``create_app()`` reads the settings from the environment; ``uvicorn --factory hub.web.app:create_app``
and ``lpse-hub serve`` both use it. The app owns one engine for its lifetime.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from importlib.metadata import version

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.middleware.rate_limit import RateLimitConfig
from sqlalchemy.exc import DBAPIError, InterfaceError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from federation.catalogue.facets import FacetCache
from federation.catalogue.search import recount_facets
from federation.identity.password_threads import PasswordThreads
from federation.identity.upstream import UpstreamProvider
from federation.oidc.server import HubAuthorizationServer
from federation.oidc.tokens import TokenService
from hub.core.clock import SYSTEM_CLOCK, Clock
from hub.core.database import connector
from hub.core.database_lifetime import engine_for, running_database
from hub.core.master_key import MasterKey
from hub.core.migrations import may_rewrite_audit_trail
from hub.core.settings import Settings
from hub.web.auth import provide_caller, provide_optional_caller
from hub.web.body_limits import JSON_BODY_BYTES
from hub.web.controllers.account_login import AccountLoginController
from hub.web.controllers.agencies import AgencyController
from hub.web.controllers.api_docs import render_plugins
from hub.web.controllers.audit import AuditController
from hub.web.controllers.bidding import BiddingController
from hub.web.controllers.catalogue import CatalogueController
from hub.web.controllers.checkpoints import CheckpointController
from hub.web.controllers.contract_implementation import ContractImplementationController
from hub.web.controllers.contracts import ContractController
from hub.web.controllers.custody import KeyCustodyController, KeyShareController, MemberKeyController
from hub.web.controllers.direct import DirectProcurementController
from hub.web.controllers.evaluation import EvaluationController
from hub.web.controllers.health import HealthController
from hub.web.controllers.login import LoginController
from hub.web.controllers.me import MeController
from hub.web.controllers.metrics import MetricsController
from hub.web.controllers.objections import ObjectionController
from hub.web.controllers.office import OfficeController
from hub.web.controllers.office_admin import AdminOfficeController
from hub.web.controllers.office_audit import OfficeAuditController
from hub.web.controllers.office_direct import DirectOfficeController
from hub.web.controllers.office_evaluation import OfficeEvaluationController
from hub.web.controllers.office_implementation import ImplementationOfficeController
from hub.web.controllers.office_opening import OfficeOpeningController
from hub.web.controllers.office_packages import PackageOfficeController
from hub.web.controllers.office_province import OfficeProvinceController
from hub.web.controllers.office_tenders import OfficeTenderController
from hub.web.controllers.oidc import OidcController
from hub.web.controllers.peer_checkpoints import PeerCheckpointController
from hub.web.controllers.plans import PlanController
from hub.web.controllers.portal import PortalController
from hub.web.controllers.receipts import ReceiptKeyController
from hub.web.controllers.reviews import ReviewController
from hub.web.controllers.signing_keys import SigningKeyController
from hub.web.controllers.tenants import TenantController
from hub.web.controllers.tenders import PackageController, TenderController
from hub.web.controllers.upstream import UpstreamLoginController
from hub.web.controllers.vendors import TenantVendorController, VendorRegistrationController
from hub.web.controllers.workspace import WorkspaceController
from hub.web.dependencies import (
    provide_acting,
    provide_actor,
    provide_db_session,
    provide_hub_transaction,
    provide_official,
    provide_tenant,
    provide_tenant_session,
    provide_transaction,
)
from hub.web.edge import EdgeGuard, EdgeRequest
from hub.web.openapi import describe_tenant_problems, describe_validation_problems, openapi_config
from hub.web.portal.gather import every_uptime
from hub.web.portal.rendering import static_files, template_config
from hub.web.portal.uptime import UptimeCache
from hub.web.problems import database_refused, database_unavailable, internal_error, problem_details_plugin
from hub.web.proxies import trusted_proxies
from hub.web.security_headers import security_headers
from hub.web.sessions import session_config
from hub.web.uploads import Uploads
from monitoring.metrics import instrument_pool, request_metrics
from monitoring.probes import probing
from tenants.registry.directory import TenantDirectory
from tenants.tenders.bidding.unsealing_processes import UnsealingProcesses
from tenants.tenders.bidding.writer import BidWriters
from tenants.tenders.outages import OutageRule
from tenants.tenders.preparation.bid_keys import ReceiptSigners
from tenants.tenders.publication.sweep import sweeping

TENANT_CONTROLLERS = [
    AgencyController,
    MeController,
    TenantVendorController,
    PackageController,
    TenderController,
    BiddingController,
    EvaluationController,
    ObjectionController,
    ContractController,
    ContractImplementationController,
    DirectProcurementController,
    AuditController,
    MemberKeyController,
    KeyCustodyController,
    KeyShareController,
    PlanController,
]
logger = logging.getLogger("hub")


SERVING_AS_OWNER = (
    "the hub serves as a database role that may update or truncate the audit trail (its owner or a "
    "superuser): set LPSE_HUB_OWNER_DATABASE_URL for migrations and serve with a restricted role "
    "(docs/SECURITY.md, 'Least privilege')"
)


async def _warn_if_serving_as_owner(engine: AsyncEngine) -> None:
    """Say so at start when one role does everything: the protection of least privilege is lost."""
    async with engine.connect() as connection:
        if await may_rewrite_audit_trail(connection):
            logger.warning(SERVING_AS_OWNER)


async def _stopped(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def freeze_heap() -> None:
    """Collect what startup left, then keep every object alive now out of the collector's later
    passes (``Settings.freeze_heap``): they live as long as the process, and a full pass walking them
    cost a request about 150 ms every dozen or so. Objects made later are collected as before."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, *, clock: Clock = SYSTEM_CLOCK) -> Litestar:
    """The hub's app; ``clock`` times what the process times for itself (the facet counts' age,
    signing-key reloads, probe rounds): a test passes one it moves by hand."""
    settings = settings or Settings.from_env()

    master = MasterKey.of(settings)  # before anything starts: no key on an external database, no hub

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            ready = stack.enter_context(running_database(settings))
            engine = await stack.enter_async_context(engine_for(ready))
            tokens = TokenService(
                engine,
                master,
                settings.issuer_url,
                settings.access_token_seconds,
                settings.key_refresh_seconds,
                clock,
            )
            try:
                await tokens.refresh()
                await _warn_if_serving_as_owner(engine)
            except (SQLAlchemyError, OSError) as exc:  # not migrated, or the database is down (a
                # timeout is an OSError): start unready, readiness says why, tokens load at first use
                logger.warning(
                    "signing keys not loaded (%r); is the hub migrated (`lpse-hub db upgrade`)?", exc
                )
            app.state.engine = engine
            # Real time, never the app's clock: the lease bounds how long a suspension may go unheard,
            # which a simulated clock must not stretch; and a test's manual clock is advanced from the
            # test's event loop, not this app's (a sleeper woken across loops would never run).
            app.state.tenant_directory = TenantDirectory(engine, connector(ready), SYSTEM_CLOCK)
            listening = asyncio.create_task(app.state.tenant_directory.run(), name="tenant registry")
            stack.push_async_callback(_stopped, listening)  # before the engine is disposed
            app.state.settings = ready  # provisioning from the office opens an owner's engine of its own
            app.state.embedded_database = ready.embedded_database
            app.state.readiness_timeout = settings.readiness_timeout_seconds
            if settings.metrics:
                instrument_pool(engine)
            app.state.ocid_prefix = settings.ocid_prefix
            app.state.facet_cache = FacetCache(clock=clock, recount=partial(recount_facets, engine))
            app.state.portal_uptime = UptimeCache(partial(every_uptime, engine), clock=clock)
            # Renewals under way finish before the engine they use is disposed (the stack unwinds
            # in reverse: these run first).
            stack.push_async_callback(app.state.portal_uptime.renewed)
            stack.push_async_callback(app.state.facet_cache.recounted)
            app.state.master = master
            app.state.outage_rule = OutageRule.of(ready)  # the openings extend deadlines by it
            app.state.receipt_signers = ReceiptSigners(master)  # the bid route's, kept unwrapped
            # The bid route's batches (issue 20): written before the engine is disposed.
            app.state.bid_writers = BidWriters(engine, master, app.state.receipt_signers)
            stack.push_async_callback(app.state.bid_writers.stopped)
            app.state.tokens = tokens
            app.state.passwords = stack.enter_context(PasswordThreads())  # argon2id off the loop
            app.state.unsealing = stack.enter_context(UnsealingProcesses())  # openings off the GIL
            app.state.oauth = HubAuthorizationServer(engine, tokens, settings.refresh_token_days)
            if settings.upstream_issuer and settings.upstream_client_id:
                app.state.upstream = UpstreamProvider(
                    settings.upstream_name,
                    settings.upstream_issuer.rstrip("/"),
                    settings.upstream_client_id,
                    settings.upstream_client_secret,
                    f"{settings.issuer_url}/login/upstream/callback",
                )
            await stack.enter_async_context(probing(engine, settings, clock))  # cancelled on shutdown
            await stack.enter_async_context(sweeping(engine, settings.publication_sweep_seconds, clock))
            if settings.freeze_heap:
                freeze_heap()
            yield

    tenant_dependencies = {
        "tenant": Provide(provide_tenant),
        "tenant_session": Provide(provide_tenant_session),
        "transaction": Provide(provide_transaction),
        "actor": Provide(provide_actor),
        "acting": Provide(provide_acting),
        "official": Provide(provide_official),
    }
    public_rate_limit = RateLimitConfig(rate_limit=("minute", settings.public_requests_per_minute))
    by_path = Router("/t/{slug:str}", route_handlers=TENANT_CONTROLLERS, dependencies=tenant_dependencies)
    by_host = Router("/", route_handlers=TENANT_CONTROLLERS, dependencies=tenant_dependencies)
    operations = [MetricsController] if settings.metrics else []
    counting = [request_metrics()] if settings.metrics else []
    proxies = trusted_proxies(settings.trusted_proxies)  # first: every limit keys by the client it names
    app = Litestar(
        route_handlers=[
            HealthController,
            *operations,
            TenantController,
            OidcController,
            LoginController,
            AccountLoginController,
            WorkspaceController,
            OfficeController,
            OfficeOpeningController,
            OfficeTenderController,
            OfficeEvaluationController,
            PackageOfficeController,
            ImplementationOfficeController,
            DirectOfficeController,
            AdminOfficeController,
            OfficeAuditController,
            OfficeProvinceController,
            UpstreamLoginController,
            VendorRegistrationController,
            SigningKeyController,
            ReceiptKeyController,
            CheckpointController,
            PeerCheckpointController,
            ReviewController,
            Router(
                "/",
                route_handlers=[CatalogueController, PortalController],  # the same reads, in JSON and HTML
                middleware=[public_rate_limit.middleware],
            ),
            static_files(),
            by_path,
            by_host,
        ],
        dependencies={
            "db_session": Provide(provide_db_session),
            "caller": Provide(provide_caller),
            "optional_caller": Provide(provide_optional_caller),
            "hub_transaction": Provide(provide_hub_transaction),
        },
        middleware=[
            *proxies,
            *counting,
            EdgeGuard(),
            session_config(master, settings.issuer_url).middleware,
        ],
        request_class=EdgeRequest,
        template_config=template_config(),
        lifespan=[database],
        before_send=[security_headers],  # every response, errors and unknown routes included
        plugins=[problem_details_plugin()],
        exception_handlers={
            Exception: internal_error,
            DBAPIError: database_refused,
            PoolTimeout: database_unavailable,
            InterfaceError: database_unavailable,
            ConnectionError: database_unavailable,
            TimeoutError: database_unavailable,  # asyncpg's connect and command timeouts
        },
        openapi_config=openapi_config(settings.issuer_url, version("lpse-hub"), render_plugins()),
        request_max_body_size=JSON_BODY_BYTES,  # not Litestar's 10 MB: routes with files name theirs
        debug=settings.debug,
    )
    app.state.uploads = Uploads(
        settings.upload_slots, settings.upload_wait_seconds, settings.data_dir / "uploads"
    )
    describe_tenant_problems(app, tuple(TENANT_CONTROLLERS))
    describe_validation_problems(app)
    return app
