from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lms.audit"
    label = "audit"
    verbose_name = "Audit trail"
