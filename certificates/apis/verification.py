"""Public verification API: anyone, with no sign-in, may check a certificate code.

No authentication runs at all, so a stale or wrong token sent by a client cannot turn a
check into a 401. Each call is recorded and counted against the client's budget, shared
with the verification pages (see certificates/verification.py).
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.models import Certificate, Verification
from certificates.verification import (
    certificate_lookup,
    client_key,
    service_number_ending,
    verification_record,
    verification_throttle,
)

_DETAIL = inline_serializer("CertificateVerifyProblem", {"detail": serializers.CharField()})


@extend_schema_serializer(component_name="CertificateVerificationSignatory")
class SignatorySerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()


class CertificateVerifyApi(APIView):
    """Anyone: what the certificate with this code says and whether it is valid.

    ``valid`` is true only while ``status`` is ``valid``. The code may be typed loosely
    (lower case, spaces, I/L/O). A malformed or unknown code answers 404 with ``detail``;
    too many checks from one address answer 429 with ``Retry-After``.
    """

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema_serializer(component_name="CertificateVerification")
    class OutputSerializer(serializers.Serializer):
        valid = serializers.BooleanField(source="is_valid")
        status = serializers.ChoiceField(choices=Certificate.Status.choices)
        code = serializers.CharField()
        holder = serializers.CharField(source="holder_name")
        holder_service_number_ending = serializers.SerializerMethodField(
            help_text="The last four characters of the holder's service number (never more than half of it), "
            "to tell apart two holders of the same name."
        )
        course = serializers.CharField(source="course_title", help_text="The course title as printed.")
        course_code = serializers.CharField()
        course_title_translated = serializers.CharField(help_text="The second-language title, or empty.")
        competencies = serializers.ListField(child=serializers.CharField())
        issuer = serializers.CharField(source="issuer_name")
        signatories = SignatorySerializer(many=True)
        serial = serializers.IntegerField(help_text="Serial number, counted per issuing organisation.")
        issued_at = serializers.DateTimeField()
        expires_at = serializers.DateField(source="expires_on", allow_null=True, help_text="Null: no expiry.")
        status_changed_at = serializers.DateTimeField(allow_null=True)
        status_reason = serializers.CharField(help_text="Why it was revoked or replaced, or empty.")
        pdf_sha256 = serializers.CharField(help_text="SHA-256 of the PDF issued, in hexadecimal.")

        def get_holder_service_number_ending(self, certificate: Certificate) -> str:
            return service_number_ending(certificate.holder_service_number)

    @extend_schema(
        operation_id="certificates_verify",
        responses={
            200: OutputSerializer,
            404: OpenApiResponse(_DETAIL, description="Not a certificate code, or no certificate has it."),
            429: OpenApiResponse(_DETAIL, description="Too many checks from this address; see Retry-After."),
        },
        auth=[],
    )
    def get(self, request, code: str):
        client = client_key(request)
        wait = verification_throttle(client=client)
        if wait:
            raise Throttled(wait=wait, detail=_("Too many certificates were checked from your network."))
        lookup = certificate_lookup(typed=code)
        verification_record(lookup=lookup, channel=Verification.Channel.API, client=client)
        if lookup.canonical is None:
            raise NotFound(_("This is not a certificate code: check the characters."))
        if lookup.certificate is None:
            raise NotFound(_("No certificate has this code."))
        response = Response(self.OutputSerializer(lookup.certificate).data)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
