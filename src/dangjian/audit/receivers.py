"""Receives core's audit signal and writes the event."""

from django.dispatch import receiver

from dangjian.core.signals import audit_event

from . import services


@receiver(audit_event)
def on_audit_event(
    sender,
    action,
    obj=None,
    before=None,
    after=None,
    outcome="success",
    detail=None,
    user=None,
    **kwargs,
):
    services.record(
        action, user=user, obj=obj, before=before, after=after, outcome=outcome, detail=detail
    )
