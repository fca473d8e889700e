"""One webhook delivery: post it with retries and backoff, and give it up after a day."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.webhooks import (
        WORKFLOW_NAME,
        DeliverInput,
        DeliveryPolicy,
        GiveUpInput,
        WebhookActivities,
        WebhookDeliveryInput,
    )

# Writing the outcome to the database is retried patiently, like the case's own records.
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)
RECORD_TIMEOUT = timedelta(seconds=30)


def retry_policy(policy: DeliveryPolicy) -> RetryPolicy:
    """The delivery's retry policy: exponential backoff, no attempt limit (time limits it)."""
    return RetryPolicy(
        initial_interval=timedelta(seconds=policy.initial_interval_s),
        backoff_coefficient=policy.backoff,
        maximum_interval=timedelta(seconds=policy.maximum_interval_s),
        non_retryable_error_types=["WebhookRefused"],
    )


@workflow.defn(name=WORKFLOW_NAME)
class WebhookDeliveryWorkflow:
    """Posts one delivery until the receiver takes it or the give-up horizon passes."""

    @workflow.run
    async def run(self, data: WebhookDeliveryInput) -> str:
        """The outcome: delivered, gone, skipped, missing, or failed (given up)."""
        policy = data.policy
        try:
            return await workflow.execute_activity_method(
                WebhookActivities.deliver_webhook,
                DeliverInput(data.delivery_id),
                schedule_to_close_timeout=timedelta(seconds=policy.give_up_after_s),
                start_to_close_timeout=timedelta(seconds=policy.attempt_timeout_s),
                retry_policy=retry_policy(policy),
            )
        except ActivityError:
            # Out of time (or refused for good): the last attempt's error stays on the row.
            await workflow.execute_activity_method(
                WebhookActivities.mark_webhook_failed,
                GiveUpInput(data.delivery_id),
                start_to_close_timeout=RECORD_TIMEOUT,
                retry_policy=RECORD_RETRY,
            )
            return "failed"
