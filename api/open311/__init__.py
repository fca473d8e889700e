"""Open311 GeoReport v2 under /open311/v2 (JSON and XML), with FixMyStreet's request updates."""

from api.open311.routes import router

__all__ = ["router"]
