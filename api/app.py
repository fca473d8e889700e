"""The Litestar app factory: dependencies come in, so tests inject real clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from temporalio.client import Client

from api import openapi
from api.auth import api_key_guard
from api.bodies import json_gate
from api.controllers.audit import AuditController
from api.controllers.complaints import ComplaintController
from api.controllers.history import CaseHistoryController
from api.controllers.keys import ApiKeyController
from api.controllers.lifecycle import CaseLifecycleController
from api.controllers.notices import NoticeController
from api.controllers.personal import ContactController
from api.controllers.public import CatalogueController, health
from api.controllers.scores import ScoreController
from api.controllers.search import SearchController
from api.controllers.webhooks import WebhookController
from api.errors import exception_handler
from api.open311 import router as open311_router
from api.ratelimit import RateLimiter
from domain.sla import PolicyBook
from records.db import database_pool
from records.geography import ZoneDirectory
from records.notices import KeyringCache
from settings import Settings
from storage import s3

MAX_BODY_BYTES = 64 * 1024


def create_app(
    settings: Settings,
    *,
    temporal: Client | None = None,
    task_queue: str | None = None,
) -> Litestar:
    """Build the API. Without a Temporal client, one is connected at startup."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if app.state.temporal is None:
            app.state.temporal = await Client.connect(
                settings.effective_temporal_address, namespace=settings.temporal_namespace
            )
        async with database_pool():
            yield

    app = Litestar(
        route_handlers=[
            health,
            open311_router,  # Open311 authenticates the form's api_key itself (403, not 401)
            # Every /v1 route passes the key guard; a route is public only by saying so.
            Router(
                "/",
                guards=[api_key_guard],
                route_handlers=[
                    CatalogueController,
                    ComplaintController,
                    CaseHistoryController,
                    CaseLifecycleController,
                    NoticeController,
                    ScoreController,
                    SearchController,
                    WebhookController,
                    ApiKeyController,
                    AuditController,
                    ContactController,
                ],
            ),
        ],
        exception_handlers={Exception: exception_handler},
        before_request=json_gate,  # every JSON body is bounded and strictly typed first
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="CivicOps API",
            version="0.1.0",
            description="File and follow civic complaints; each one is a durable Temporal "
            "workflow. Authenticate with `Authorization: Bearer <API key>`.",
            openapi_router=openapi.schema_router("/schema"),  # completes what it serves
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
    )
    app.state.settings = settings
    app.state.temporal = temporal
    app.state.task_queue = task_queue or settings.task_queue
    app.state.policy = PolicyBook.load(settings.policy_file)  # a bad file fails at start
    app.state.zones = ZoneDirectory(nearest_max_m=settings.nearest_ward_max_m)
    app.state.s3 = s3.client(settings)
    app.state.s3_public = s3.client(settings, public=True)
    app.state.keyring = KeyringCache()
    app.state.key_cache = {}
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.key_lookups = {}
    app.state.geojson_cache = {}
    return app
