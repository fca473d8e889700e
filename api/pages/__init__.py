"""The pages CivicOps serves to people: the public dashboard, ward pages, officials' hotspots,
and the staff sign-in."""

from api.pages.handlers import PAGES as PUBLIC_PAGES
from api.pages.signin import SIGNIN_PAGES
from api.pages.staff import STAFF_PAGES
from api.pages.view import template_config

PAGES = [*PUBLIC_PAGES, *SIGNIN_PAGES, *STAFF_PAGES]

__all__ = ["PAGES", "template_config"]
