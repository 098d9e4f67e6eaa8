"""Readiness for mission data systems and dashboards: thin views over ``selectors``.

Who: leaders (``Role.LEADERSHIP``, within their subtrees) and admins; trainers and trainees
get 403 (see ``selectors``), anonymous callers 401, a unit outside the caller's scope 404.
Everything is answered from the stored rows the syncs keep up to date: a unit never synced
yet answers zeros, status "" and ``as_of`` null rather than being computed on read.
"""

import re

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.api import ObjectIdField, StandardPagination
from organisations.models import Unit
from organisations.permissions import AuthenticatedRequest
from readiness import selectors, services
from readiness.models import Snapshot, UnitReadiness
from readiness.permissions import CanSeeReadiness, IsAdmin, access_readiness_detail, access_readiness_unit
from readiness.selectors import RollupLine, UnitReadinessDetail

UNENCODED_OFFSET = re.compile(r"(T[\d:.]+) (\d{2}:?\d{2})$")
STATUS_HELP = 'One of ready, progressing, not_ready; "" when the unit has no eligible officer (or no unit assessed).'


# Serializers (output; they describe the dictionaries the views shape) ---------------------


@extend_schema_serializer(component_name="ReadinessUnit")
class UnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Unit.Type.choices)


class ComponentsSerializer(serializers.Serializer):
    """Each component 0-1 capped at its target (null when it cannot be computed); roll-ups
    (areas, the nation) have none: their index is the weighted mean of their units'."""

    training = serializers.FloatField(allow_null=True)
    vetting = serializers.FloatField(allow_null=True)
    women = serializers.FloatField(allow_null=True)
    assessment = serializers.FloatField(allow_null=True)


class GateSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='"vetting", "women" or a competency code.')
    met = serializers.BooleanField()


class FreshnessSerializer(serializers.Serializer):
    last_roster_import = serializers.DateTimeField(allow_null=True, help_text="Latest roster import of the service.")
    vetting_unknown = serializers.IntegerField(help_text="Active officers whose vetting status is unknown.")
    last_full_sync = serializers.DateTimeField(allow_null=True, help_text="Latest full reconciliation.")


class CompetencyLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    headcount = serializers.IntegerField(help_text="Eligible officers of the requirement's population.")
    certified = serializers.IntegerField(help_text="Of them, holders of a valid certificate with the competency.")
    coverage = serializers.FloatField(allow_null=True, help_text="certified / headcount; null when headcount is 0.")
    target = serializers.FloatField(allow_null=True, help_text="Null where the unit type's profile sets none.")
    met = serializers.BooleanField(allow_null=True)
    is_gate = serializers.BooleanField()
    headcount_women = serializers.IntegerField()
    certified_women = serializers.IntegerField()
    headcount_men = serializers.IntegerField()
    certified_men = serializers.IntegerField()


class UnitReadinessSerializer(serializers.Serializer):
    unit = UnitSerializer()
    index = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=UnitReadiness.Status.choices, allow_blank=True, help_text=STATUS_HELP)
    as_of = serializers.DateTimeField(allow_null=True, help_text="When these figures were last computed.")
    components = ComponentsSerializer()
    gates = GateSerializer(many=True)
    eligible = serializers.IntegerField()
    eligible_women = serializers.IntegerField()
    units_ready = serializers.IntegerField()
    units_assessed = serializers.IntegerField()
    handed_over_on = serializers.DateField(allow_null=True)
    freshness = FreshnessSerializer()
    competencies = CompetencyLineSerializer(many=True)


class RollupSerializer(serializers.Serializer):
    unit = UnitSerializer()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]  # a field named like Field.parent: DRF's metaclass moves it out
    level = serializers.CharField(help_text='The area level ("Region", "District") or the unit type.')
    index = serializers.FloatField(allow_null=True, help_text="Weighted by eligible headcount over assessed units.")
    status = serializers.ChoiceField(choices=UnitReadiness.Status.choices, allow_blank=True, help_text=STATUS_HELP)
    units_ready = serializers.IntegerField()
    units_assessed = serializers.IntegerField()
    eligible = serializers.IntegerField()
    eligible_women = serializers.IntegerField()
    vetting_unknown = serializers.IntegerField()
    handed_over_on = serializers.DateField(allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True)


class SummarySerializer(serializers.Serializer):
    as_of = serializers.DateTimeField(allow_null=True, help_text="When the newest figure shown was computed.")
    last_roster_import = serializers.DateTimeField(allow_null=True)
    last_full_sync = serializers.DateTimeField(allow_null=True)
    nation = RollupSerializer(allow_null=True, help_text="Null when the national headquarters is outside the scope.")
    areas = RollupSerializer(many=True)


@extend_schema_serializer(component_name="ReadinessSnapshot")
class SnapshotSerializer(serializers.Serializer):
    """One unit's readiness on one day, as the feed and the webhook send it."""

    unit = serializers.IntegerField(source="unit_id")
    unit_code = serializers.CharField(source="unit.code")
    taken_on = serializers.DateField()
    index = serializers.FloatField(allow_null=True)
    status = serializers.ChoiceField(choices=UnitReadiness.Status.choices, allow_blank=True, help_text=STATUS_HELP)
    eligible = serializers.IntegerField()
    eligible_women = serializers.IntegerField()
    coverage = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2),
        help_text="Competency code -> [certified, headcount].",
    )
    components = ComponentsSerializer()
    recorded_at = serializers.DateTimeField()


class SyncQueuedSerializer(serializers.Serializer):
    queued = serializers.BooleanField()


_WHEN = serializers.DateTimeField()


def _when(value):
    """A date and time as the serializers write it (in the current time zone)."""
    return None if value is None else _WHEN.to_representation(value)


def _unit(unit: Unit) -> dict:
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "type": unit.unit_type}


def _components(readiness: UnitReadiness) -> dict:
    return {
        "training": readiness.training_score,
        "vetting": readiness.vetting_score,
        "women": readiness.women_score,
        "assessment": readiness.assessment_score,
    }


def _detail(detail: UnitReadinessDetail) -> dict:
    """The unit endpoint's answer, ready to render: built by hand rather than through
    ``UnitReadinessSerializer`` (which documents it; a test holds the two equal), because
    the serializers cost more than the whole of the rest of the request."""
    readiness = detail.readiness
    return {
        "unit": _unit(detail.unit),
        "index": readiness.index,
        "status": readiness.status,
        "as_of": _when(readiness.computed_at),
        "components": _components(readiness),
        "gates": readiness.gates,
        "eligible": readiness.eligible,
        "eligible_women": readiness.eligible_women,
        "units_ready": readiness.units_ready,
        "units_assessed": readiness.units_assessed,
        "handed_over_on": detail.handed_over_on and detail.handed_over_on.isoformat(),
        "freshness": {
            "last_roster_import": _when(detail.last_roster_import),
            "vetting_unknown": readiness.vetting_unknown,
            "last_full_sync": _when(detail.last_full_sync),
        },
        "competencies": [
            {
                "code": line.code,
                "name": line.name,
                "headcount": line.headcount,
                "certified": line.certified,
                "coverage": line.coverage,
                "target": line.target,
                "met": line.is_met,
                "is_gate": line.is_gate,
                "headcount_women": line.headcount_women,
                "certified_women": line.certified_women,
                "headcount_men": line.headcount_men,
                "certified_men": line.certified_men,
            }
            for line in detail.competencies
        ],
    }


def _rollup(line: RollupLine) -> dict:
    readiness = line.readiness
    return {
        "unit": _unit(line.unit),
        "parent": line.unit.parent_id,
        "level": line.unit.level_name,
        "index": readiness.index,
        "status": readiness.status,
        "units_ready": readiness.units_ready,
        "units_assessed": readiness.units_assessed,
        "eligible": readiness.eligible,
        "eligible_women": readiness.eligible_women,
        "vetting_unknown": readiness.vetting_unknown,
        "handed_over_on": line.handed_over_on,
        "as_of": readiness.computed_at,
    }


# Views ------------------------------------------------------------------------------------


class UnitReadinessApi(APIView):
    """A unit's (or an area's) readiness: index, status, components, gates, freshness of
    the records and every competency of the catalogue, in catalogue order."""

    permission_classes = [IsAuthenticated, CanSeeReadiness]

    @extend_schema(responses=UnitReadinessSerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        detail = access_readiness_detail(user=request.user, unit_id=pk)
        return Response(_detail(detail))


class ReadinessSummaryApi(APIView):
    """The nation's and each area's roll-up within the caller's scope (a leader of a region:
    their region and the areas below it)."""

    permission_classes = [IsAuthenticated, CanSeeReadiness]

    @extend_schema(responses=SummarySerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        summary = selectors.readiness_summary(user=request.user)
        return Response(
            SummarySerializer(
                {
                    "as_of": summary.as_of,
                    "last_roster_import": summary.last_roster_import,
                    "last_full_sync": summary.last_full_sync,
                    "nation": _rollup(summary.nation) if summary.nation else None,
                    "areas": [_rollup(line) for line in summary.areas],
                }
            ).data
        )


@extend_schema(
    parameters=[
        OpenApiParameter(
            "since", str, description="ISO 8601 date and time: only snapshots recorded after it (exclusive)."
        ),
        OpenApiParameter("unit", int, description="Only this unit and the units below it (id)."),
    ]
)
class SnapshotListApi(ListAPIView):
    """The outbound feed: daily snapshots of the units in scope, oldest recorded first. A
    client keeps the latest ``recorded_at`` it received and asks again with ``since``."""

    permission_classes = [IsAuthenticated, CanSeeReadiness]
    pagination_class = StandardPagination
    serializer_class = SnapshotSerializer
    request: AuthenticatedRequest

    class FilterSerializer(serializers.Serializer):
        since = serializers.DateTimeField(required=False)
        unit = ObjectIdField(required=False)

    def get_queryset(self) -> QuerySet[Snapshot]:
        params = self.request.query_params.copy()
        since = params.get("since")
        if since is not None:
            # An unencoded "+01:00" offset arrives as " 01:00": read it as meant.
            params["since"] = UNENCODED_OFFSET.sub(r"\1+\2", since)
        filters = self.FilterSerializer(data=params)
        filters.is_valid(raise_exception=True)
        values = filters.validated_data
        unit = None
        if "unit" in values:
            unit = access_readiness_unit(user=self.request.user, unit_id=values["unit"])
        return selectors.snapshot_list(user=self.request.user, since=values.get("since"), unit=unit)


class ReadinessSyncApi(APIView):
    """Admins: queue a full reconciliation now (through the outbox: a broker outage delays
    it, nothing is lost). Audited."""

    permission_classes = [IsAuthenticated, IsAdmin]

    @extend_schema(request=None, responses={202: SyncQueuedSerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        services.readiness_sync_request(actor=request.user)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
