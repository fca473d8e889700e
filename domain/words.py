"""The words CivicOps shows people, in English and each city's language: pure data, no I/O.

One catalogue for the pages and the notices. `CATEGORY_NAMES` (kept in
domain/category_names.py) names the complaint categories in every language a notice prints,
and notices/i18n.py reads them from here;
`UI` holds every string the public pages show, in English and Kannada (Bengaluru's
language); `STATUS_NAMES`, `MONTHS` and `PLACE_NAMES` name statuses, months and places.
A language the pages have no strings for is shown in English: `ui_words()` falls back.
Strings with ``{name}`` placeholders are filled with `str.format`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.category_names import CATEGORY_NAMES, frozen_table
from domain.staff_words import STAFF_UI
from domain.words_citizen import CITIZEN_UI
from domain.words_official import OFFICIAL_UI
from domain.words_points import POINTS_UI
from domain.words_supervisor import SUPERVISOR_UI

UI_LANGUAGES: tuple[str, ...] = ("en", "kn")  # languages the pages are written in
LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType({"en": "English", "kn": "ಕನ್ನಡ"})


# Statuses of domain/states.py, as the pages name them.
STATUS_NAMES: Mapping[str, Mapping[str, str]] = frozen_table(
    {
        "en": {
            "FILED": "Filed",
            "TRANSCRIBING": "Voice note being transcribed",
            "NEEDS_TRIAGE": "Being sorted",
            "TRIAGED": "Checked",
            "ASSIGNED": "Assigned",
            "NOTICE_ISSUED": "Notice issued",
            "ESCALATED": "Escalated",
            "RESOLVED": "Resolved",
            "REOPENED": "Reopened",
            "CLOSED": "Closed",
            "OUTSIDE_CITY": "Outside the city",
            "WITHDRAWN": "Withdrawn",
        },
        "kn": {
            "FILED": "ದಾಖಲಾಗಿದೆ",
            "TRANSCRIBING": "ಧ್ವನಿ ಸಂದೇಶವನ್ನು ಬರಹಕ್ಕೆ ಇಳಿಸಲಾಗುತ್ತಿದೆ",
            "NEEDS_TRIAGE": "ವಿಂಗಡಿಸಲಾಗುತ್ತಿದೆ",
            "TRIAGED": "ಪರಿಶೀಲಿಸಲಾಗಿದೆ",
            "ASSIGNED": "ನಿಯೋಜಿಸಲಾಗಿದೆ",
            "NOTICE_ISSUED": "ಸೂಚನೆ ನೀಡಲಾಗಿದೆ",
            "ESCALATED": "ಉನ್ನತ ಹಂತಕ್ಕೆ ವರ್ಗಾಯಿಸಲಾಗಿದೆ",
            "RESOLVED": "ಪರಿಹರಿಸಲಾಗಿದೆ",
            "REOPENED": "ಮರು ತೆರೆಯಲಾಗಿದೆ",
            "CLOSED": "ಮುಕ್ತಾಯಗೊಂಡಿದೆ",
            "OUTSIDE_CITY": "ನಗರದ ವ್ಯಾಪ್ತಿಯ ಹೊರಗೆ",
            "WITHDRAWN": "ಹಿಂಪಡೆಯಲಾಗಿದೆ",
        },
    }
)

MONTHS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        "kn": (
            "ಜನವರಿ",
            "ಫೆಬ್ರವರಿ",
            "ಮಾರ್ಚ್",
            "ಏಪ್ರಿಲ್",
            "ಮೇ",
            "ಜೂನ್",
            "ಜುಲೈ",
            "ಆಗಸ್ಟ್",
            "ಸೆಪ್ಟೆಂಬರ್",
            "ಅಕ್ಟೋಬರ್",
            "ನವೆಂಬರ್",
            "ಡಿಸೆಂಬರ್",
        ),
    }
)

# Names of cities and zones in a city's language (a name missing here is shown as stored).
PLACE_NAMES: Mapping[str, Mapping[str, str]] = frozen_table(
    {
        "kn": {
            "Bengaluru": "ಬೆಂಗಳೂರು",
            "Bruhat Bengaluru Mahanagara Palike": "ಬೃಹತ್ ಬೆಂಗಳೂರು ಮಹಾನಗರ ಪಾಲಿಕೆ",
            "Bommanahalli": "ಬೊಮ್ಮನಹಳ್ಳಿ",
            "Dasarahalli": "ದಾಸರಹಳ್ಳಿ",
            "East": "ಪೂರ್ವ",
            "Mahadevapura": "ಮಹದೇವಪುರ",
            "Rajarajeswari Nagar": "ರಾಜರಾಜೇಶ್ವರಿ ನಗರ",
            "South": "ದಕ್ಷಿಣ",
            "West": "ಪಶ್ಚಿಮ",
            "Yelahanka": "ಯಲಹಂಕ",
        }
    }
)

# Every string of the pages. Keys are the same in each language (a test checks).
UI: Mapping[str, Mapping[str, str]] = frozen_table(
    {
        "en": {
            "skip": "Skip to the content",
            "language": "Language",
            "pages": "Pages",
            "nav_dashboard": "Dashboard",
            "nav_hotspots": "Hotspots (officials)",
            "nav_api": "API",
            "dashboard_title": "{city}: civic complaints",
            "dashboard_lede": "How {corporation} handles the complaints residents file: how many, "
            "how fast, and how many within the time limit (SLA) each kind of complaint has.",
            "filters": "Choose what to show",
            "city": "City",
            "period": "Period",
            "period_month": "This month",
            "period_last_month": "Last month",
            "period_90d": "Last 90 days",
            "period_year": "Last 12 months",
            "category": "Category",
            "all_categories": "All categories",
            "show": "Show",
            "range": "Complaints filed from {start} to {end}",
            "as_of": "Figures as of {when}",
            "figures": "Headline figures",
            "filed": "Complaints filed",
            "resolved": "Resolved",
            "on_time": "Resolved on time",
            "on_time_hint": "of resolved complaints, within their SLA",
            "median": "Median time to resolve",
            "open": "Still open",
            "closed": "Closed",
            "p90": "9 in 10 resolved within",
            "recomplaint_rate": "Re-complaints per complaint",
            "p1_share": "Most urgent (P1)",
            "escalations": "Escalations",
            "level": "Level {level}",
            "hours": "{n} hours",
            "days": "{n} days",
            "hour_one": "1 hour",
            "day_one": "1 day",
            "no_data": "No data",
            "map": "Map",
            "map_label": "Map of the wards of {city}",
            "layer": "Show on the map",
            "layer_wards": "Wards by share resolved on time",
            "layer_heat": "Open complaints (heat map)",
            "heat_category": "Heat map category",
            "legend_no_data": "No resolved complaints",
            "legend_heat": "Open complaints in each area",
            "heat_empty": "No area has 3 or more open complaints.",
            "map_wards": "{n} wards",
            "map_needs_js": "The map needs JavaScript; the tables below give the same figures.",
            "map_failed": "The map could not be loaded.",
            "ward_page": "Ward page",
            "trend": "Trend",
            "trend_label": "Complaints filed and resolved, and the share resolved on time",
            "trend_table": "The trend as a table",
            "period_start": "Period from",
            "per_day": "per day",
            "per_week": "per week (from Monday)",
            "per_month": "per month",
            "rankings": "Rankings",
            "ranking_rule": "Ranked by the share of resolved complaints that were resolved within "
            "their SLA; a ward is ranked once it has {n} or more resolved complaints "
            "in the period.",
            "best_wards": "Best wards",
            "worst_wards": "Wards needing attention",
            "zones": "Zones",
            "all_wards": "All wards",
            "not_ranked": "Not enough resolved complaints to rank wards yet.",
            "rank": "Rank",
            "ward": "Ward",
            "zone": "Zone",
            "supervisors": "Ward supervisors this month",
            "supervisor": "Supervisor",
            "points": "Points",
            "cases_resolved": "Cases resolved",
            "about": "About these figures",
            "about_cohort": "Every figure counts the complaints filed in the period. A complaint "
            "is resolved on time when it was resolved before the SLA deadline in force "
            "at the time.",
            "about_privacy": "Nothing here identifies a citizen: no names, no descriptions and no "
            "exact places. The heat map leaves out areas with fewer than 3 complaints.",
            "about_api": "The same figures are open data:",
            "api_docs": "API documentation",
            "ward_title": "Ward {id}: {name}",
            "ward_lede": "{zone} zone, {city}",
            "breadcrumb": "You are here",
            "ward_rank": "Ranked {rank} of {total} ranked wards",
            "recent_cases": "Recent complaints",
            "recent_caption": "The latest {n} complaints filed in this ward",
            "no_cases": "No complaints have been filed in this ward yet.",
            "tracking_id": "Complaint number",
            "status": "Status",
            "age": "Age",
            "filed_on": "Filed on",
            "not_found": "Not found",
            "no_ward": "{city} has no ward {ward}.",
            "hotspots_title": "Hotspots",
            "hotspots_lede": "Open complaints of one category that lie close together. One work "
            "order sends a whole cluster to one official.",
            "for_officials": "For officials. This page needs an official's API key. The key stays "
            "in this browser tab and is sent only as a request header, never in a link.",
            "api_key": "Official's API key",
            "use_key": "Use this key",
            "forget_key": "Forget the key",
            "key_kept": "A key is in use in this tab.",
            "key_missing": "Enter an API key first.",
            "key_refused": "The key was refused ({status}).",
            "radius": "Within (metres)",
            "min_cases": "At least (complaints)",
            "find": "Find hotspots",
            "loading": "Loading…",
            "no_hotspots": "No hotspots found.",
            "hotspots_found": "{n} hotspots",
            "hotspot_one": "1 hotspot",
            "hotspot_heading": "{category}: {n} open complaints",
            "wards": "Wards",
            "oldest_due": "Oldest SLA due",
            "sla_due": "SLA due",
            "assignee": "Assigned to",
            "nobody": "Nobody",
            "assign_to": "Assign all to",
            "near_officials": "Officials of these wards and zones",
            "all_officials": "All officials",
            "note": "Note (optional)",
            "issue_order": "Issue one work order",
            "order_done": "Work order to {name}: {reassigned} reassigned, {unchanged} unchanged, "
            "{refused} refused.",
            "outcome_reassigned": "Reassigned",
            "outcome_unchanged": "Unchanged",
            "outcome_refused": "Refused",
            "request_failed": "The request failed ({status}).",
            "bad_request": "This page cannot show that",
            "back_home": "Back to the dashboard",
            "ward_no": "No.",
            "resolved_n": "{n} resolved",
            "series_filed": "Filed",
            "series_resolved": "Resolved",
            "series_on_time": "On time (%)",
            "wards_ranked": "{n} wards ranked",
            "unranked": "Not ranked",
        },
        "kn": {
            "skip": "ಮುಖ್ಯ ವಿಷಯಕ್ಕೆ ಹೋಗಿ",
            "language": "ಭಾಷೆ",
            "pages": "ಪುಟಗಳು",
            "nav_dashboard": "ಡ್ಯಾಶ್‌ಬೋರ್ಡ್",
            "nav_hotspots": "ಹಾಟ್‌ಸ್ಪಾಟ್‌ಗಳು (ಅಧಿಕಾರಿಗಳಿಗೆ)",
            "nav_api": "API",
            "dashboard_title": "{city}: ನಾಗರಿಕರ ದೂರುಗಳು",
            "dashboard_lede": "ನಾಗರಿಕರು ದಾಖಲಿಸುವ ದೂರುಗಳನ್ನು {corporation} ಹೇಗೆ ನಿರ್ವಹಿಸುತ್ತಿದೆ: ಎಷ್ಟು "
            "ದೂರುಗಳು, ಎಷ್ಟು ಬೇಗ, ಮತ್ತು ಎಷ್ಟು ನಿಗದಿತ ಸೇವಾ ಕಾಲಮಿತಿಯೊಳಗೆ (SLA) ಪರಿಹಾರವಾಗಿವೆ.",
            "filters": "ಏನನ್ನು ತೋರಿಸಬೇಕು ಎಂದು ಆಯ್ಕೆಮಾಡಿ",
            "city": "ನಗರ",
            "period": "ಅವಧಿ",
            "period_month": "ಈ ತಿಂಗಳು",
            "period_last_month": "ಕಳೆದ ತಿಂಗಳು",
            "period_90d": "ಕಳೆದ 90 ದಿನಗಳು",
            "period_year": "ಕಳೆದ 12 ತಿಂಗಳುಗಳು",
            "category": "ವರ್ಗ",
            "all_categories": "ಎಲ್ಲಾ ವರ್ಗಗಳು",
            "show": "ತೋರಿಸಿ",
            "range": "{start} ರಿಂದ {end} ರವರೆಗೆ ದಾಖಲಾದ ದೂರುಗಳು",
            "as_of": "{when} ರ ಅಂಕಿಅಂಶಗಳು",
            "figures": "ಪ್ರಮುಖ ಅಂಕಿಅಂಶಗಳು",
            "filed": "ದಾಖಲಾದ ದೂರುಗಳು",
            "resolved": "ಪರಿಹರಿಸಿದ ದೂರುಗಳು",
            "on_time": "ಕಾಲಮಿತಿಯೊಳಗೆ ಪರಿಹಾರ",
            "on_time_hint": "ಪರಿಹರಿಸಿದ ದೂರುಗಳಲ್ಲಿ, ನಿಗದಿತ ಕಾಲಮಿತಿಯೊಳಗೆ",
            "median": "ಪರಿಹಾರಕ್ಕೆ ಮಧ್ಯಮ ಅವಧಿ",
            "open": "ಬಾಕಿ ಇರುವ ದೂರುಗಳು",
            "closed": "ಮುಕ್ತಾಯಗೊಂಡ ದೂರುಗಳು",
            "p90": "10 ರಲ್ಲಿ 9 ದೂರುಗಳ ಪರಿಹಾರದ ಅವಧಿ",
            "recomplaint_rate": "ಪ್ರತಿ ದೂರಿಗೆ ಮರು-ದೂರುಗಳು",
            "p1_share": "ಅತಿ ತುರ್ತು (P1)",
            "escalations": "ಉನ್ನತ ಹಂತಕ್ಕೆ ವರ್ಗಾವಣೆಗಳು",
            "level": "ಹಂತ {level}",
            "hours": "{n} ಗಂಟೆಗಳು",
            "days": "{n} ದಿನಗಳು",
            "hour_one": "1 ಗಂಟೆ",
            "day_one": "1 ದಿನ",
            "no_data": "ಮಾಹಿತಿ ಇಲ್ಲ",
            "map": "ನಕ್ಷೆ",
            "map_label": "{city} ನಗರದ ವಾರ್ಡ್‌ಗಳ ನಕ್ಷೆ",
            "layer": "ನಕ್ಷೆಯಲ್ಲಿ ತೋರಿಸಿ",
            "layer_wards": "ಕಾಲಮಿತಿಯೊಳಗೆ ಪರಿಹಾರದ ಪ್ರಮಾಣದಂತೆ ವಾರ್ಡ್‌ಗಳು",
            "layer_heat": "ಬಾಕಿ ದೂರುಗಳ ಸಾಂದ್ರತೆ (ಹೀಟ್ ಮ್ಯಾಪ್)",
            "heat_category": "ಸಾಂದ್ರತೆ ನಕ್ಷೆಯ ವರ್ಗ",
            "legend_no_data": "ಪರಿಹರಿಸಿದ ದೂರುಗಳಿಲ್ಲ",
            "legend_heat": "ಪ್ರತಿ ಪ್ರದೇಶದಲ್ಲಿ ಬಾಕಿ ದೂರುಗಳು",
            "heat_empty": "ಯಾವುದೇ ಪ್ರದೇಶದಲ್ಲಿ 3 ಅಥವಾ ಹೆಚ್ಚು ಬಾಕಿ ದೂರುಗಳಿಲ್ಲ.",
            "map_wards": "{n} ವಾರ್ಡ್‌ಗಳು",
            "map_needs_js": "ನಕ್ಷೆಗೆ JavaScript ಬೇಕು; ಕೆಳಗಿನ ಕೋಷ್ಟಕಗಳಲ್ಲಿ ಅದೇ ಅಂಕಿಅಂಶಗಳಿವೆ.",
            "map_failed": "ನಕ್ಷೆಯನ್ನು ತೆರೆಯಲಾಗಲಿಲ್ಲ.",
            "ward_page": "ವಾರ್ಡ್ ಪುಟ",
            "trend": "ಪ್ರವೃತ್ತಿ",
            "trend_label": "ದಾಖಲಾದ ಮತ್ತು ಪರಿಹರಿಸಿದ ದೂರುಗಳು, ಹಾಗೂ ಕಾಲಮಿತಿಯೊಳಗೆ ಪರಿಹಾರದ ಪ್ರಮಾಣ",
            "trend_table": "ಪ್ರವೃತ್ತಿ ಕೋಷ್ಟಕ ರೂಪದಲ್ಲಿ",
            "period_start": "ಅವಧಿ ಆರಂಭ",
            "per_day": "ಪ್ರತಿ ದಿನ",
            "per_week": "ಪ್ರತಿ ವಾರ (ಸೋಮವಾರದಿಂದ)",
            "per_month": "ಪ್ರತಿ ತಿಂಗಳು",
            "rankings": "ಶ್ರೇಯಾಂಕಗಳು",
            "ranking_rule": "ಪರಿಹರಿಸಿದ ದೂರುಗಳಲ್ಲಿ ನಿಗದಿತ ಕಾಲಮಿತಿಯೊಳಗೆ ಪರಿಹಾರವಾದವುಗಳ ಪ್ರಮಾಣದಂತೆ "
            "ಶ್ರೇಯಾಂಕ; ಅವಧಿಯಲ್ಲಿ {n} ಅಥವಾ ಹೆಚ್ಚು ದೂರುಗಳು ಪರಿಹಾರವಾದ ವಾರ್ಡ್‌ಗೆ ಮಾತ್ರ ಶ್ರೇಯಾಂಕ.",
            "best_wards": "ಉತ್ತಮ ವಾರ್ಡ್‌ಗಳು",
            "worst_wards": "ಗಮನ ಅಗತ್ಯವಿರುವ ವಾರ್ಡ್‌ಗಳು",
            "zones": "ವಲಯಗಳು",
            "all_wards": "ಎಲ್ಲಾ ವಾರ್ಡ್‌ಗಳು",
            "not_ranked": "ವಾರ್ಡ್‌ಗಳಿಗೆ ಶ್ರೇಯಾಂಕ ನೀಡಲು ಸಾಕಷ್ಟು ಪರಿಹರಿಸಿದ ದೂರುಗಳು ಇನ್ನೂ ಇಲ್ಲ.",
            "rank": "ಸ್ಥಾನ",
            "ward": "ವಾರ್ಡ್",
            "zone": "ವಲಯ",
            "supervisors": "ಈ ತಿಂಗಳ ವಾರ್ಡ್ ಮೇಲ್ವಿಚಾರಕರು",
            "supervisor": "ಮೇಲ್ವಿಚಾರಕರು",
            "points": "ಅಂಕಗಳು",
            "cases_resolved": "ಪರಿಹರಿಸಿದ ಪ್ರಕರಣಗಳು",
            "about": "ಈ ಅಂಕಿಅಂಶಗಳ ಬಗ್ಗೆ",
            "about_cohort": "ಪ್ರತಿಯೊಂದು ಅಂಕಿಯೂ ಆಯ್ಕೆಮಾಡಿದ ಅವಧಿಯಲ್ಲಿ ದಾಖಲಾದ ದೂರುಗಳನ್ನು ಎಣಿಸುತ್ತದೆ. "
            "ಆಗ ಜಾರಿಯಲ್ಲಿದ್ದ ಕಾಲಮಿತಿಯ ಗಡುವಿನೊಳಗೆ ಪರಿಹಾರವಾದ ದೂರು ಕಾಲಮಿತಿಯೊಳಗೆ ಪರಿಹಾರವಾದದ್ದು.",
            "about_privacy": "ಇಲ್ಲಿ ಯಾವುದೂ ನಾಗರಿಕರನ್ನು ಗುರುತಿಸುವುದಿಲ್ಲ: ಹೆಸರುಗಳಿಲ್ಲ, ವಿವರಣೆಗಳಿಲ್ಲ, ನಿಖರ "
            "ಸ್ಥಳಗಳಿಲ್ಲ. 3 ಕ್ಕಿಂತ ಕಡಿಮೆ ದೂರುಗಳಿರುವ ಪ್ರದೇಶಗಳನ್ನು ಸಾಂದ್ರತೆ ನಕ್ಷೆ ತೋರಿಸುವುದಿಲ್ಲ.",
            "about_api": "ಇದೇ ಅಂಕಿಅಂಶಗಳು ಮುಕ್ತ ದತ್ತಾಂಶವಾಗಿ ಲಭ್ಯ:",
            "api_docs": "API ದಾಖಲೆಗಳು",
            "ward_title": "ವಾರ್ಡ್ {id}: {name}",
            "ward_lede": "{city}, {zone} ವಲಯ",
            "breadcrumb": "ನೀವು ಇರುವ ಸ್ಥಳ",
            "ward_rank": "ಶ್ರೇಯಾಂಕಿತ {total} ವಾರ್ಡ್‌ಗಳಲ್ಲಿ {rank}ನೇ ಸ್ಥಾನ",
            "recent_cases": "ಇತ್ತೀಚಿನ ದೂರುಗಳು",
            "recent_caption": "ಈ ವಾರ್ಡ್‌ನಲ್ಲಿ ದಾಖಲಾದ ಇತ್ತೀಚಿನ {n} ದೂರುಗಳು",
            "no_cases": "ಈ ವಾರ್ಡ್‌ನಲ್ಲಿ ಇನ್ನೂ ಯಾವುದೇ ದೂರು ದಾಖಲಾಗಿಲ್ಲ.",
            "tracking_id": "ದೂರು ಸಂಖ್ಯೆ",
            "status": "ಸ್ಥಿತಿ",
            "age": "ದಾಖಲಾಗಿ",
            "filed_on": "ದಾಖಲಾದ ದಿನ",
            "not_found": "ಪುಟ ಸಿಗಲಿಲ್ಲ",
            "no_ward": "{city} ನಗರದಲ್ಲಿ ವಾರ್ಡ್ {ward} ಇಲ್ಲ.",
            "hotspots_title": "ಹಾಟ್‌ಸ್ಪಾಟ್‌ಗಳು",
            "hotspots_lede": "ಒಂದೇ ವರ್ಗದ, ಹತ್ತಿರ ಹತ್ತಿರವಿರುವ ಬಾಕಿ ದೂರುಗಳು. ಒಂದು ಕಾರ್ಯಾದೇಶದಿಂದ ಇಡೀ "
            "ಗುಂಪನ್ನು ಒಬ್ಬ ಅಧಿಕಾರಿಗೆ ಒಪ್ಪಿಸಬಹುದು.",
            "for_officials": "ಅಧಿಕಾರಿಗಳಿಗೆ ಮಾತ್ರ. ಈ ಪುಟಕ್ಕೆ ಅಧಿಕಾರಿಯ API ಕೀ ಬೇಕು. ಕೀ ಈ ಬ್ರೌಸರ್ ಟ್ಯಾಬ್‌ನಲ್ಲಿ "
            "ಮಾತ್ರ ಇರುತ್ತದೆ ಮತ್ತು ವಿನಂತಿಯ ಹೆಡರ್‌ನಲ್ಲಿ ಮಾತ್ರ ಕಳುಹಿಸಲಾಗುತ್ತದೆ, ಲಿಂಕ್‌ನಲ್ಲಿ ಎಂದಿಗೂ ಇಲ್ಲ.",
            "api_key": "ಅಧಿಕಾರಿಯ API ಕೀ",
            "use_key": "ಈ ಕೀ ಬಳಸಿ",
            "forget_key": "ಕೀ ಅಳಿಸಿ",
            "key_kept": "ಈ ಟ್ಯಾಬ್‌ನಲ್ಲಿ ಒಂದು ಕೀ ಬಳಕೆಯಲ್ಲಿದೆ.",
            "key_missing": "ಮೊದಲು API ಕೀ ನಮೂದಿಸಿ.",
            "key_refused": "ಕೀ ತಿರಸ್ಕೃತವಾಗಿದೆ ({status}).",
            "radius": "ಅಂತರ (ಮೀಟರ್‌ಗಳಲ್ಲಿ)",
            "min_cases": "ಕನಿಷ್ಠ ದೂರುಗಳು",
            "find": "ಹಾಟ್‌ಸ್ಪಾಟ್‌ಗಳನ್ನು ಹುಡುಕಿ",
            "loading": "ತೆರೆಯುತ್ತಿದೆ…",
            "no_hotspots": "ಯಾವುದೇ ಹಾಟ್‌ಸ್ಪಾಟ್ ಕಂಡುಬಂದಿಲ್ಲ.",
            "hotspots_found": "{n} ಹಾಟ್‌ಸ್ಪಾಟ್‌ಗಳು",
            "hotspot_one": "1 ಹಾಟ್‌ಸ್ಪಾಟ್",
            "hotspot_heading": "{category}: {n} ಬಾಕಿ ದೂರುಗಳು",
            "wards": "ವಾರ್ಡ್‌ಗಳು",
            "oldest_due": "ಅತ್ಯಂತ ಹಳೆಯ ಗಡುವು",
            "sla_due": "ಗಡುವು",
            "assignee": "ನಿಯೋಜಿತ ಅಧಿಕಾರಿ",
            "nobody": "ಯಾರೂ ಇಲ್ಲ",
            "assign_to": "ಎಲ್ಲವನ್ನೂ ಇವರಿಗೆ ನಿಯೋಜಿಸಿ",
            "near_officials": "ಈ ವಾರ್ಡ್ ಮತ್ತು ವಲಯಗಳ ಅಧಿಕಾರಿಗಳು",
            "all_officials": "ಎಲ್ಲಾ ಅಧಿಕಾರಿಗಳು",
            "note": "ಟಿಪ್ಪಣಿ (ಐಚ್ಛಿಕ)",
            "issue_order": "ಒಂದು ಕಾರ್ಯಾದೇಶ ಹೊರಡಿಸಿ",
            "order_done": "{name} ಅವರಿಗೆ ಕಾರ್ಯಾದೇಶ: {reassigned} ಮರುನಿಯೋಜನೆ, {unchanged} ಬದಲಾವಣೆ ಇಲ್ಲ, "
            "{refused} ತಿರಸ್ಕೃತ.",
            "outcome_reassigned": "ಮರುನಿಯೋಜಿಸಲಾಗಿದೆ",
            "outcome_unchanged": "ಬದಲಾವಣೆ ಇಲ್ಲ",
            "outcome_refused": "ತಿರಸ್ಕೃತ",
            "request_failed": "ವಿನಂತಿ ವಿಫಲವಾಗಿದೆ ({status}).",
            "bad_request": "ಈ ಪುಟ ಅದನ್ನು ತೋರಿಸಲಾಗದು",
            "back_home": "ಡ್ಯಾಶ್‌ಬೋರ್ಡ್‌ಗೆ ಹಿಂತಿರುಗಿ",
            "ward_no": "ಸಂಖ್ಯೆ",
            "resolved_n": "{n} ಪರಿಹಾರ",
            "series_filed": "ದಾಖಲಾದವು",
            "series_resolved": "ಪರಿಹಾರವಾದವು",
            "series_on_time": "ಕಾಲಮಿತಿಯೊಳಗೆ (%)",
            "wards_ranked": "{n} ವಾರ್ಡ್‌ಗಳಿಗೆ ಶ್ರೇಯಾಂಕ",
            "unranked": "ಶ್ರೇಯಾಂಕವಿಲ್ಲ",
        },
    }
)
# The staff, citizen, official and supervisor pages' strings (domain/*_words*.py) join it.
_PARTS = (STAFF_UI, CITIZEN_UI, OFFICIAL_UI, SUPERVISOR_UI, POINTS_UI)
UI = frozen_table({lang: {**words, **{k: v for part in _PARTS for k, v in part[lang].items()}}
                  for lang, words in UI.items()})  # fmt: skip


def ui_language(language: str | None) -> str:
    """The page language for a tag ("kn-IN" -> "kn"); English when the pages lack it."""
    base = (language or "").strip().split("-")[0].lower()
    return base if base in UI_LANGUAGES else "en"


def ui_words(language: str) -> Mapping[str, str]:
    """The page strings of a language (English for a language the pages are not written in)."""
    return UI[ui_language(language)]


def category_name(code: str, language: str) -> str:
    """A category's name in a language, else in English, else the code itself."""
    names = CATEGORY_NAMES.get(language) or CATEGORY_NAMES["en"]
    return names.get(code) or CATEGORY_NAMES["en"].get(code, code)


def status_name(status: str, language: str) -> str:
    """A status's name in a page language (English when it has none)."""
    return STATUS_NAMES[ui_language(language)].get(status, status)


def place_name(name: str, language: str) -> str:
    """A city or zone name in a language, as stored when the catalogue has no translation."""
    return PLACE_NAMES.get(language, {}).get(name, name)
