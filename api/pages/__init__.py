"""The pages CivicOps serves to people: the public dashboard, ward pages, officials' hotspots."""

from api.pages.handlers import PAGES
from api.pages.view import template_config

__all__ = ["PAGES", "template_config"]
