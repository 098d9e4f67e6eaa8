"""Event names that tests record, and the handlers subscribed to them.

Plain data, because a settings module (``worker_settings``) imports it.
"""

HANDLED = "test.handled"
HANDLED_SLOWLY = "test.handled_slowly"
FAILING = "test.failing"
FAILING_AFTER_WORK = "test.failing_after_work"

EVENT_HANDLERS: dict[str, list[str]] = {
    HANDLED: ["tests.support.handlers.audit_event"],
    HANDLED_SLOWLY: ["tests.support.handlers.audit_event_slowly"],
    FAILING: ["tests.support.handlers.fail"],
    FAILING_AFTER_WORK: ["tests.support.handlers.audit_event_then_fail"],
}
