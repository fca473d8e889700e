"""The classify activity: what category a transcript or description names (language/classify.py)."""

from __future__ import annotations

import asyncio

from temporalio import activity

from activities.running import resilient
from domain.case import ClassifyInput, ClassifyOutcome


def warm() -> None:
    """Train the classifier now, so a worker's first case does not wait for it."""
    from language import classify as classifier

    classifier.warm()


class LanguageActivities:
    """Classifies text for the workflow; the model is trained once per worker process."""

    @activity.defn
    @resilient  # heartbeats while the first call of a process trains the model
    async def classify(self, data: ClassifyInput) -> ClassifyOutcome:
        """The classifier's answer for a case's text (pure and deterministic: safe to retry)."""
        from language import classify as classifier  # scikit-learn loads only where it is used

        answer = await asyncio.to_thread(classifier.classify, data.text, data.language)
        return ClassifyOutcome(
            category=answer.category,
            confidence=answer.confidence,
            confident=answer.confidence >= classifier.CONFIDENT,
            language=answer.language,
            alternatives=[f"{a.category}:{a.confidence:.3f}" for a in answer.alternatives],
        )
