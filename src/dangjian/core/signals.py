"""Signals by which `core` reports events without importing the audit app.

The audit app connects receivers; they run synchronously, inside the caller's
transaction, so an event is written if and only if the change is committed.
"""

from django.dispatch import Signal

# kwargs: action (str), obj (model instance or None), before (dict|None), after (dict|None),
#         outcome ("success"|"failure"), detail (dict), user (optional override)
audit_event = Signal()
