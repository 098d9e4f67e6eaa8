"""Thin API views: parse input, call one service or selector, shape the output."""

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.generics import DestroyAPIView, ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api import ERROR_DETAIL, BlankableEmailField, ObjectIdField, object_id_query_parameter, validation_messages
from organisations import activation, roster, selectors, throttles, tokens
from organisations.authentication import ApiTokenAuthentication
from organisations.models import ApiToken, Officer, Unit
from organisations.permissions import AuthenticatedRequest, IsStaffRole, IsTrainer


class UnitRefSerializer(serializers.ModelSerializer[Unit]):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


def _client_name(request, name: str) -> str:
    """What a new token is called on its owner's account page: the name the client gave,
    else its User-Agent (cut short by ``tokens.name_clean``)."""
    return name or request.headers.get("User-Agent", "")


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key, shown this once: send it as `Authorization: Token <key>`.")
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenObtainApi(APIView):
    """POST: exchange a username and password for an API token of this client
    (``Authorization: Token <key>``); every sign-in gets a token of its own. DELETE: revoke
    the token presented (sign the client out); the person's other tokens stay."""

    authentication_classes = [ApiTokenAuthentication]
    THROTTLE_SCOPE = "token"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
        name = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=tokens.NAME_MAX_LENGTH,
            help_text="What to call this client on the account page; by default its User-Agent.",
        )

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    def initialize_request(self, request, *args, **kwargs):
        initialized = super().initialize_request(request, *args, **kwargs)
        if request.method == "POST":
            # Signing in reads only the body: a stale token sent along out of habit must
            # not stop a client from getting a new one.
            initialized.authenticators = ()
        return initialized

    @extend_schema(
        request=InputSerializer,
        responses={
            200: TokenOutputSerializer,
            429: OpenApiResponse(ERROR_DETAIL, description="Too many failed sign-ins for this account or address."),
        },
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        address = throttles.client_address(request)
        if not throttles.attempt_admit(scope=self.THROTTLE_SCOPE, identifier=username, address=address):
            raise Throttled(detail=_("Too many failed sign-in attempts. Try again later."))
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None:  # the attempt stays counted
            raise ValidationError({"non_field_errors": [_("Unable to sign in with these credentials.")]})
        throttles.failures_clear(scope=self.THROTTLE_SCOPE, identifier=username, address=address)
        token, key = tokens.api_token_issue(user=user, name=_client_name(request, data.validated_data.get("name", "")))
        return Response(TokenOutputSerializer({"token": key, "name": token.name, "expires_at": token.expires_at}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        tokens.api_token_revoke(token=request.auth, actor=request.user)
        return Response(status=204)


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    is_current = serializers.SerializerMethodField(help_text="Whether this request was made with this token.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "is_current"]

    def get_is_current(self, token: ApiToken) -> bool:
        return token == self.context["request"].auth


class ApiTokenListApi(ListAPIView):
    """The signed-in person's API tokens that still work, newest first (never their keys)."""

    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return tokens.api_tokens_of(user=self.request.user)


class ApiTokenDetailApi(DestroyAPIView):
    """Revoke one of the signed-in person's own tokens (another's answers 404)."""

    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest

    def get_queryset(self):
        return tokens.api_tokens_of(user=self.request.user)

    @extend_schema(responses={204: None})
    def delete(self, request, *args, **kwargs):
        return super().delete(request, *args, **kwargs)

    def perform_destroy(self, instance):
        tokens.api_token_revoke(token=instance, actor=self.request.user)


class MeApi(APIView):
    """The signed-in user with their roles, scope and, for an officer, their unit."""

    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        name = serializers.CharField()
        email = BlankableEmailField(allow_blank=True)
        preferred_language = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        scope = serializers.DictField(child=UnitRefSerializer(many=True, allow_null=True))
        officer = serializers.DictField(allow_null=True)
        unit = UnitRefSerializer(allow_null=True)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        user = request.user
        roles = selectors.user_roles(user)
        officer = roles.officer
        body = {
            "id": user.pk,
            "username": user.get_username(),
            "name": officer.full_name if officer else user.get_full_name() or user.get_username(),
            "email": user.email,
            "preferred_language": user.preferred_language,
            "roles": roles.names,
            "scope": {role: units for role, units in roles.scopes.items()},
            "officer": (
                {
                    "id": officer.pk,
                    "service_number": officer.service_number,
                    "rank": officer.rank,
                    "position": officer.position,
                    "is_commander": officer.is_commander,
                    "vetting_status": officer.vetting_status,
                }
                if officer
                else None
            ),
            "unit": officer.unit if officer else None,
        }
        return Response(self.OutputSerializer(body).data)


class UnitSerializer(serializers.ModelSerializer[Unit]):
    level_name = serializers.CharField(read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "unit_type", "level_name", "parent", "depth", "is_active"]


@extend_schema(
    parameters=[
        OpenApiParameter("parent", int, description="Only the direct children of this unit."),
        OpenApiParameter("search", str, description="Part of the unit's name or code."),
    ]
)
class UnitListApi(ListAPIView):
    """Units within the caller's scope (a trainee sees their own unit)."""

    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest
    serializer_class = UnitSerializer

    def get_queryset(self):
        return selectors.unit_list(
            user=self.request.user,
            parent=object_id_query_parameter(self.request, "parent", _("A unit id is a whole number.")),
            search=self.request.query_params.get("search", "").strip(),
        )


class UnitDetailApi(RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    request: AuthenticatedRequest
    serializer_class = UnitSerializer

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user)


class OfficerSerializer(serializers.ModelSerializer[Officer]):
    unit = UnitRefSerializer()
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Officer
        fields = [
            "id",
            "service_number",
            "given_name",
            "family_name",
            "sex",
            "rank",
            "unit",
            "position",
            "is_commander",
            "vetting_status",
            "is_active",
            "left_on",
            "has_account",
        ]

    def get_has_account(self, officer: Officer) -> bool:
        return officer.user_id is not None


@extend_schema(
    parameters=[
        OpenApiParameter("unit", int, description="Officers of this unit and every unit below it."),
        OpenApiParameter("search", str, description="Service number (exact) or part of a name."),
        OpenApiParameter("include_left", bool, description="Also list officers who left the service."),
    ]
)
class OfficerListApi(ListAPIView):
    """Officers within the caller's scope; trainers, leaders and admins only."""

    permission_classes = [IsStaffRole]
    request: AuthenticatedRequest
    serializer_class = OfficerSerializer

    def get_queryset(self):
        params = self.request.query_params
        unit = None
        unit_id = object_id_query_parameter(self.request, "unit", _("A unit id is a whole number."))
        if unit_id is not None:
            unit = get_object_or_404(selectors.unit_list(user=self.request.user), pk=unit_id)
        return selectors.officer_list(
            user=self.request.user,
            unit=unit,
            search=params.get("search", "").strip(),
            include_left=params.get("include_left") in ("1", "true"),
        )


class OfficerDetailApi(RetrieveAPIView):
    permission_classes = [IsStaffRole]
    request: AuthenticatedRequest
    serializer_class = OfficerSerializer

    def get_queryset(self):
        return selectors.officer_list(user=self.request.user, include_left=True)


class OfficerImportApi(APIView):
    """Create and update officers from a CSV roster, all or nothing (see ``organisations.roster``)."""

    permission_classes = [IsTrainer]
    request: AuthenticatedRequest
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema_serializer(component_name="OfficerImportInput")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="CSV, UTF-8, comma or semicolon separated.")
        service = ObjectIdField(
            required=False, help_text="Police service id; defaults to the only one within the caller's scope."
        )

    @extend_schema_serializer(component_name="OfficerImportResult")
    class OutputSerializer(serializers.Serializer):
        import_id = serializers.IntegerField()
        rows = serializers.IntegerField()
        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        transferred = serializers.IntegerField()
        unchanged = serializers.IntegerField()
        missing = serializers.ListField(
            child=serializers.CharField(), help_text="Service numbers of active officers absent from the file."
        )

    # A schema only: a Serializer class cannot declare a field named ``errors`` (its
    # ``errors`` property), so this one is built like drf-spectacular's inline serializers.
    ErrorsSerializer = inline_serializer(
        "OfficerImportErrors",
        {
            "errors": inline_serializer(
                "OfficerImportError",
                {
                    "row": serializers.IntegerField(help_text="Line in the file (header = 1); 0 for the whole file."),
                    "field": serializers.CharField(allow_null=True, help_text="Column, or null for a whole line."),
                    "message": serializers.CharField(),
                },
                many=True,
            )
        },
    )

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={200: OutputSerializer, 400: ErrorsSerializer},
        description="A missing file or an unknown service answers 400 with DRF field errors instead.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            service = roster.roster_service_resolve(user=request.user, service_id=data.validated_data.get("service"))
        except DjangoValidationError as error:
            raise ValidationError({"service": error.messages}) from error
        try:
            result = roster.roster_import(
                service=service, data=roster.roster_upload_read(upload), file_name=upload.name, actor=request.user
            )
        except roster.RosterImportError as error:
            return Response({"errors": error.errors}, status=400)
        return Response(self.OutputSerializer(result).data)


class AccountActivateApi(APIView):
    """Anyone: set a password with a service number and the code on an activation slip.

    Creates the officer's account (or resets a forgotten password) and answers an API
    token. Failed codes are throttled like sign-ins: 429 once locked out.
    """

    permission_classes = [AllowAny]
    authentication_classes = []
    THROTTLE_SCOPE = "activate"

    @extend_schema_serializer(component_name="AccountActivateInput")
    class InputSerializer(serializers.Serializer):
        service_number = serializers.CharField(max_length=50)
        code = serializers.CharField(max_length=40)
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        responses={
            200: inline_serializer("AccountActivateOutput", {"token": serializers.CharField()}),
            429: OpenApiResponse(ERROR_DETAIL, description="Too many failed codes for this number or address."),
        },
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scope = {
            "scope": self.THROTTLE_SCOPE,
            "identifier": data.validated_data["service_number"],
            "address": throttles.client_address(request),
        }
        if not throttles.attempt_admit(**scope):
            raise Throttled(detail=_("Too many failed attempts. Try again later."))
        try:
            user = activation.account_activate(**data.validated_data)
        except activation.ActivationRefused as error:  # a wrong guess: stays counted
            raise ValidationError(validation_messages(error)) from error
        except DjangoValidationError as error:
            throttles.attempt_forget(**scope)
            raise ValidationError(validation_messages(error)) from error
        throttles.failures_clear(**scope)
        _token, key = tokens.api_token_issue(user=user, name=_client_name(request, ""))
        return Response({"token": key})


class OfficerActivationCodeApi(APIView):
    """Trainers and admins, for an officer in their training scope: issue a new activation
    code, voiding older unused ones. The code is in this answer only (only a hash is kept).

    403 with the reason for an account with rights beyond a trainee's unless the caller is
    an admin (``permissions.activation_code_refusal``): the code would reset its password."""

    permission_classes = [IsTrainer]
    request: AuthenticatedRequest

    @extend_schema_serializer(component_name="ActivationCode")
    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        expires_at = serializers.DateTimeField()

    @extend_schema(request=None, responses={201: OutputSerializer})
    def post(self, request, pk: int):
        officer = get_object_or_404(activation.activation_officers(user=request.user), pk=pk)
        code = activation.activation_code_issue(officer=officer, actor=request.user)
        expires_at = activation.code_expiries(officers=[officer])[officer.pk]
        return Response(self.OutputSerializer({"code": code, "expires_at": expires_at}).data, status=201)
