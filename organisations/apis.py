"""Thin API views: parse input, call one service or selector, shape the output."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from organisations import selectors, throttles
from organisations.models import Officer, Unit
from organisations.permissions import IsStaffRole


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class TokenObtainApi(APIView):
    """Exchange a username and password for an API token (``Authorization: Token <key>``)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    THROTTLE_SCOPE = "token"

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        responses={200: inline_serializer("TokenOutput", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        address = throttles.client_address(request)
        if throttles.is_locked_out(scope=self.THROTTLE_SCOPE, identifier=username, address=address):
            raise Throttled(detail=_("Too many failed sign-in attempts. Try again later."))
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None:
            throttles.failure_record(scope=self.THROTTLE_SCOPE, identifier=username, address=address)
            raise ValidationError({"non_field_errors": [_("Unable to sign in with these credentials.")]})
        throttles.failures_clear(scope=self.THROTTLE_SCOPE, identifier=username, address=address)
        token, _created = Token.objects.get_or_create(user=user)
        if token.created < timezone.now() - settings.API_TOKEN_TTL:
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})


class MeApi(APIView):
    """The signed-in user with their roles, scope and, for an officer, their unit."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        name = serializers.CharField()
        email = serializers.EmailField()
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


class UnitSerializer(serializers.ModelSerializer):
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
    serializer_class = UnitSerializer

    def get_queryset(self):
        parent = self.request.query_params.get("parent")
        if parent is not None and not parent.isdigit():
            raise ValidationError({"parent": [_("A unit id is a whole number.")]})
        return selectors.unit_list(
            user=self.request.user,
            parent=int(parent) if parent else None,
            search=self.request.query_params.get("search", "").strip(),
        )


class UnitDetailApi(RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = UnitSerializer

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user)


class OfficerSerializer(serializers.ModelSerializer):
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
    serializer_class = OfficerSerializer

    def get_queryset(self):
        params = self.request.query_params
        unit = None
        if params.get("unit"):
            if not params["unit"].isdigit():
                raise ValidationError({"unit": [_("A unit id is a whole number.")]})
            unit = get_object_or_404(selectors.unit_list(user=self.request.user), pk=params["unit"])
        return selectors.officer_list(
            user=self.request.user,
            unit=unit,
            search=params.get("search", "").strip(),
            include_left=params.get("include_left") in ("1", "true"),
        )


class OfficerDetailApi(RetrieveAPIView):
    permission_classes = [IsStaffRole]
    serializer_class = OfficerSerializer

    def get_queryset(self):
        return selectors.officer_list(user=self.request.user, include_left=True)
