"""Certificates for holders and staff: list, read, download the PDF, revoke, reissue.

Scope is ``selectors.certificate_list``: a trainee their own; trainers and leaders those of
officers within their scope; course authors those of their courses; admins all. A
certificate outside it is a 404, so its existence never leaks; one seen but not managed
(the holder, a leader) is a 403 for revoke and reissue, checked before the body is read.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAcceptable
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import selectors, services
from certificates.models import Certificate
from certificates.pdf import verification_url
from certificates.permissions import access_certificate, access_certificate_to_manage
from lms.api import ObjectIdField, StandardPagination
from organisations.permissions import AuthenticatedRequest


def certificate_pdf_path(code: str) -> str:
    """Where the holder and scoped staff download the PDF (token or session authentication)."""
    return reverse("api-certificate-pdf", args=[code])


@extend_schema_serializer(component_name="CertificateCourse")
class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="course_id")
    code = serializers.CharField(source="course_code", help_text="As printed on the certificate.")
    title = serializers.CharField(source="course_title", help_text="As printed on the certificate.")


@extend_schema_serializer(component_name="Certificate")
class CertificateSerializer(serializers.Serializer):
    code = serializers.CharField()
    course = CourseSerializer(source="*")
    holder = serializers.CharField(source="holder_name", help_text="The holder's name as printed.")
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateField(source="expires_on", allow_null=True)
    status = serializers.ChoiceField(choices=Certificate.Status.choices)
    pdf = serializers.SerializerMethodField(help_text="Path of the PDF on this host (holder and scoped staff).")
    verify_url = serializers.SerializerMethodField(help_text="The public verification page (also in the QR code).")

    def get_pdf(self, certificate: Certificate) -> str:
        return certificate_pdf_path(certificate.code)

    def get_verify_url(self, certificate: Certificate) -> str:
        return verification_url(certificate.code)


@extend_schema_serializer(component_name="CertificateSignatory")
class SignatorySerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()


@extend_schema_serializer(component_name="CertificateDetail")
class CertificateDetailSerializer(CertificateSerializer):
    holder_service_number = serializers.CharField()
    course_title_translated = serializers.CharField()
    issuer = serializers.CharField(source="issuer_name")
    serial = serializers.IntegerField()
    languages = serializers.ListField(child=serializers.CharField())
    competencies = serializers.ListField(child=serializers.CharField())
    signatories = SignatorySerializer(many=True)
    pdf_sha256 = serializers.CharField()
    status_reason = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    replaces = serializers.SerializerMethodField(help_text="Code of the certificate this one superseded.")
    replaced_by = serializers.SerializerMethodField(help_text="Code of the certificate that superseded this one.")

    def get_replaces(self, certificate: Certificate) -> str | None:
        return certificate.replaces.code if certificate.replaces is not None else None

    def get_replaced_by(self, certificate: Certificate) -> str | None:
        return Certificate.objects.filter(replaces=certificate).values_list("code", flat=True).first()


@extend_schema(
    parameters=[
        OpenApiParameter("course", int, description="Only certificates of this course (id)."),
        OpenApiParameter("unit", int, description="Only holders in this unit or the units below it (id)."),
        OpenApiParameter("status", str, enum=Certificate.Status.values, description="Only this status."),
    ]
)
class CertificateListApi(ListAPIView):
    """Certificates the caller may see, newest first: a trainee their own; trainers and
    leaders those of officers in their scope; course authors those of their courses; admins all."""

    permission_classes = [IsAuthenticated]
    pagination_class = StandardPagination
    serializer_class = CertificateSerializer
    request: AuthenticatedRequest

    class FilterSerializer(serializers.Serializer):
        course = ObjectIdField(required=False)
        unit = ObjectIdField(required=False)
        status = serializers.ChoiceField(choices=Certificate.Status.choices, required=False)

    def get_queryset(self) -> QuerySet[Certificate]:
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        return selectors.certificates_filter(
            selectors.certificate_list(user=self.request.user),
            course_id=values.get("course"),
            unit_id=values.get("unit"),
            status=values.get("status", ""),
        )


class CertificateDetailApi(APIView):
    """One certificate with what it prints, its status and what superseded it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CertificateDetailSerializer)
    def get(self, request: AuthenticatedRequest, code: str) -> Response:
        return Response(CertificateDetailSerializer(access_certificate(user=request.user, code=code)).data)


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """Serve the PDF whatever ``Accept`` says (a client asking for JSON or HTML gets it too);
    an error falls back to the first renderer (JSON) instead of a 406."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            fallback = next(iter(renderers))  # the view's renderers, a list: JSON first
            return fallback, fallback.media_type


class CertificatePdfApi(APIView):
    """The PDF as issued, for the holder and scoped staff only (404 for anyone else)."""

    permission_classes = [IsAuthenticated]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request: AuthenticatedRequest, code: str) -> FileResponse:
        certificate = access_certificate(user=request.user, code=code)
        try:
            handle = certificate.pdf.open("rb")
        except FileNotFoundError as error:
            raise Http404 from error
        response = FileResponse(
            handle, content_type="application/pdf", as_attachment=True, filename=f"certificate-{certificate.code}.pdf"
        )
        response["X-Content-Type-Options"] = "nosniff"
        # Personal data: only this person's client keeps it; the file itself never changes.
        response["Cache-Control"] = "private, max-age=3600"
        return response


@extend_schema_serializer(component_name="CertificateReasonInput")
class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why; shown to whoever verifies the certificate and kept in the audit log."
    )


class CertificateRevokeApi(APIView):
    """Revoke (course authors, trainers with the holder in scope, admins): a status with
    reason, actor and time, never a deletion."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonSerializer, responses=CertificateDetailSerializer)
    def post(self, request: AuthenticatedRequest, code: str) -> Response:
        certificate = access_certificate_to_manage(user=request.user, code=code)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = services.certificate_revoke(
            certificate=certificate, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(CertificateDetailSerializer(certificate).data)


class CertificateReissueApi(APIView):
    """Issue a new certificate from today's records (say, after a name correction); the old
    one becomes superseded and points to it. Same people as revocation."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonSerializer, responses={201: CertificateDetailSerializer})
    def post(self, request: AuthenticatedRequest, code: str) -> Response:
        certificate = access_certificate_to_manage(user=request.user, code=code)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.certificate_reissue(
            certificate=certificate, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(CertificateDetailSerializer(new).data, status=status.HTTP_201_CREATED)
