from django import forms
from django.conf import settings
from django.contrib import admin

from certificates.models import Certificate, IssuerLogo, IssueRun, IssueRunItem, Signatory, Verification

LOGO_MAX_BYTES = settings.CERTIFICATE_LOGO_MAX_BYTES  # the request as a whole: lms/request_body.py
# First bytes of the only image types a certificate embeds.
LOGO_SIGNATURES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}


class IssuerLogoForm(forms.ModelForm):
    class Meta:
        model = IssuerLogo
        fields = ["organisation", "image"]

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > LOGO_MAX_BYTES:
            raise forms.ValidationError("The logo must be at most 1 MB.")
        head = image.read(8)
        image.seek(0)
        for signature, extension in LOGO_SIGNATURES.items():
            if head.startswith(signature):
                self.instance.extension = extension
                return image
        raise forms.ValidationError("The logo must be a PNG or JPEG image.")


@admin.register(IssuerLogo)
class IssuerLogoAdmin(admin.ModelAdmin):
    form = IssuerLogoForm
    list_display = ["organisation", "uploaded_at"]


@admin.register(Signatory)
class SignatoryAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "organisation", "order", "is_active"]
    list_filter = ["organisation", "is_active"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: certificates change only through revocation and reissue (audited services)."""

    list_display = ["code", "serial", "holder_name", "course_code", "issuer", "issued_at", "status"]
    list_filter = ["status", "issuer"]
    search_fields = ["code", "holder_name", "holder_service_number", "course_code"]
    date_hierarchy = "issued_at"
    list_select_related = ["issuer"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Certificate._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Verification)
class VerificationAdmin(admin.ModelAdmin):
    list_display = ["checked_at", "code_entered", "channel", "outcome", "client"]
    list_filter = ["channel", "outcome"]
    search_fields = ["code_entered", "client"]
    date_hierarchy = "checked_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Verification._meta.fields]

    def has_add_permission(self, request):
        return False


class IssueRunItemInline(admin.TabularInline):
    model = IssueRunItem
    extra = 0
    can_delete = False
    readonly_fields = ["completion", "status", "certificate", "error", "updated_at"]


@admin.register(IssueRun)
class IssueRunAdmin(admin.ModelAdmin):
    list_display = ["id", "course", "session", "kind", "requested_by", "created_at", "finished_at"]
    list_filter = ["kind"]
    readonly_fields = ["course", "session", "kind", "reason", "requested_by", "created_at", "finished_at"]
    inlines = [IssueRunItemInline]

    def has_add_permission(self, request):
        return False
