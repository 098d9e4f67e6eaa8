"""The progress of a bulk run as JSON, for the run page's live bar (and scripts)."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates import runs
from certificates.permissions import access_issue_run
from organisations.permissions import AuthenticatedRequest


class IssueRunProgressApi(APIView):
    """How far a bulk issue run has got: its items by status. Its requester, the course's
    authors and admins; anyone else gets 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="CertificateRunProgress")
    class OutputSerializer(serializers.Serializer):
        total = serializers.IntegerField(help_text="Completions in the run.")
        done = serializers.IntegerField(help_text="Certificates issued (or reissued) by the run.")
        skipped = serializers.IntegerField(help_text="Completions that already had their certificate.")
        failed = serializers.IntegerField(help_text="Failed items; the run page offers to retry them.")
        pending = serializers.IntegerField(help_text="Items still waiting for a worker.")
        is_finished = serializers.BooleanField(help_text="True once nothing is pending.")

    @extend_schema(responses={200: OutputSerializer}, operation_id="certificate_runs_retrieve")
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        run = access_issue_run(user=request.user, run_id=pk)
        return Response(self.OutputSerializer(runs.issue_run_progress(run)).data)
