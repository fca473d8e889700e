"""The pages CivicOps serves to people: the public dashboard, ward pages, officials' hotspots,
the staff sign-in, the auditor's notice check (/verify), the citizens' pages and boards."""

from api.pages.audit import AUDIT_PAGES
from api.pages.board import BOARD_PAGES
from api.pages.citizen import REPORT_PAGES
from api.pages.handlers import PAGES as PUBLIC_PAGES
from api.pages.official import OFFICIAL_PAGES
from api.pages.privacy import PRIVACY_PAGES
from api.pages.signin import SIGNIN_PAGES
from api.pages.staff import STAFF_PAGES
from api.pages.supervisor import SUPERVISOR_PAGES
from api.pages.track import TRACK_PAGES
from api.pages.view import template_config

PAGES = [*PUBLIC_PAGES, *SIGNIN_PAGES, *STAFF_PAGES, *SUPERVISOR_PAGES, *AUDIT_PAGES,
         *REPORT_PAGES, *TRACK_PAGES, *OFFICIAL_PAGES, *BOARD_PAGES,
         *PRIVACY_PAGES]  # fmt: skip

__all__ = ["PAGES", "template_config"]
