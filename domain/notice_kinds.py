"""The kinds of official notice a case produces, and the code each prints in its number."""

from enum import StrEnum


class NoticeKind(StrEnum):
    """The four official documents a case produces."""

    ASSIGNMENT = "assignment"
    ESCALATION = "escalation"
    SLA_BREACH = "sla_breach"
    CLOSURE = "closure"

    @property
    def code(self) -> str:
        """Three letters used in the notice number."""
        return _KIND_CODES[self]


_KIND_CODES = {
    NoticeKind.ASSIGNMENT: "ASG",
    NoticeKind.ESCALATION: "ESC",
    NoticeKind.SLA_BREACH: "SLA",
    NoticeKind.CLOSURE: "CLS",
}
