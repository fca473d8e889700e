"""The Litestar app factory: dependencies come in, so tests inject real clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.config.compression import CompressionConfig
from litestar.openapi import OpenAPIConfig
from temporalio.client import Client

from api import openapi
from api.assets import LocalSwaggerPlugin, static_routers
from api.auth import api_key_guard
from api.bodies import json_gate
from api.controllers.audit import AuditController
from api.controllers.batch import BatchController
from api.controllers.complaints import ComplaintController
from api.controllers.history import CaseHistoryController
from api.controllers.hotspots import HotspotController
from api.controllers.intake import IntakeController
from api.controllers.keys import ApiKeyController
from api.controllers.lifecycle import CaseLifecycleController
from api.controllers.models import ModelController
from api.controllers.notices import NoticeController
from api.controllers.personal import ContactController
from api.controllers.privacy import GrievanceController, PrivacyController
from api.controllers.public import CatalogueController, health
from api.controllers.scores import ScoreController
from api.controllers.search import SearchController
from api.controllers.stats import NearbyController, StatsController
from api.controllers.uploads import MediaController, UploadController
from api.controllers.webhooks import WebhookController
from api.controllers.words import WordsController
from api.errors import exception_handler
from api.open311 import router as open311_router
from api.pages import PAGES, template_config
from api.ratelimit import RateLimiter, public_rate_guard
from domain.sla import PolicyBook
from records import vault
from records.db import database_pool
from records.geography import ZoneDirectory
from records.notices import KeyringCache
from settings import Settings
from storage import s3

MAX_BODY_BYTES = 64 * 1024


# Gzip only what is public and big: the ward map, the figures, the pages and their files.
# Everything else (keys, webhook secrets, a case's details, PDFs) goes as it is, so no answer
# that holds a secret is compressed next to text a caller chose (BREACH).
COMPRESSED = r"/$|/v1/zones$|/v1/stats/|/v1/categories|/static/|/wards/|/hotspots$|/schema"
COMPRESSION = CompressionConfig(
    backend="gzip", minimum_size=1024, gzip_compress_level=3, exclude=rf"^(?!(?:{COMPRESSED}))"
)


def create_app(
    settings: Settings,
    *,
    temporal: Client | None = None,
    task_queue: str | None = None,
) -> Litestar:
    """Build the API. Without a Temporal client, one is connected at startup."""
    vault.configure(settings)  # citizens' personal data is sealed under this keyring

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
            *static_routers(),  # /static: vendored libraries and the pages' own files
            *PAGES,  # /, /wards/{city}/{ward}, /hotspots: server-rendered pages
            open311_router,  # Open311 authenticates the form's api_key itself (403, not 401)
            # Every /v1 route passes the key guard; a route is public only by saying so.
            Router(
                "/",
                guards=[public_rate_guard, api_key_guard],
                route_handlers=[
                    CatalogueController,
                    ComplaintController,
                    CaseHistoryController,
                    CaseLifecycleController,
                    NoticeController,
                    ScoreController,
                    SearchController,
                    StatsController,
                    NearbyController,
                    WebhookController,
                    ApiKeyController,
                    AuditController,
                    ContactController,
                    PrivacyController,
                    GrievanceController,
                    HotspotController,
                    ModelController,
                    WordsController,
                    BatchController,
                    IntakeController,
                    UploadController,
                    MediaController,
                ],
            ),
        ],
        exception_handlers={Exception: exception_handler},
        before_request=json_gate,  # every JSON body is bounded and strictly typed first
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY_BYTES,
        compression_config=COMPRESSION,  # the ward map (1.6 MB) and the pages, for phones
        template_config=template_config(),  # api/pages/templates
        openapi_config=OpenAPIConfig(
            title="CivicOps API",
            version="0.1.0",
            description="File and follow civic complaints; each one is a durable Temporal "
            "workflow. Authenticate with `Authorization: Bearer <API key>`.",
            openapi_router=openapi.schema_router("/schema"),  # completes what it serves
            render_plugins=[LocalSwaggerPlugin(path="/swagger")],  # also at /schema
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
