"""Every write to readiness: syncing the derived metrics, snapshots, profiles, joint assessments.

One module per area: ``measurement`` (how units are scored; reads only), ``sync`` (the
syncs and snapshots, with the lock order they follow), ``webhooks`` (R1: webhooks and the
on-demand reconciliation), ``management`` (R3: requirement profiles, joint assessments,
handover decisions) and ``history`` (R4: readiness as of a past day). Every public name is
re-exported here, so ``from readiness import services`` keeps working. A test that
replaces a function patches it in the module that calls it (``readiness.services.sync``
for the syncs), not here.
"""

from readiness.services.history import readiness_as_of
from readiness.services.management import (
    PROFILE_EDITABLE_FIELDS,
    PROFILE_WEIGHT_FIELDS,
    handover_blockers,
    handover_can_approve,
    handover_decision_approve,
    handover_decision_record,
    joint_assessment_record,
    profile_create,
    profile_update,
    profiles_can_edit,
    readiness_can_manage,
    requirement_delete,
    requirement_set,
)
from readiness.services.measurement import ROLLUP_TYPES, assessment_scores, is_assessed, profile_rules
from readiness.services.sync import (
    dirty_sync_request,
    dirty_sync_request_withdraw,
    last_full_sync,
    readiness_sync_dirty,
    readiness_sync_full,
    readiness_sync_units,
    snapshots_take,
    units_mark_dirty,
)
from readiness.services.webhooks import readiness_sync_request, webhooks_notify

__all__ = [
    "PROFILE_EDITABLE_FIELDS",
    "PROFILE_WEIGHT_FIELDS",
    "ROLLUP_TYPES",
    "assessment_scores",
    "dirty_sync_request",
    "dirty_sync_request_withdraw",
    "handover_blockers",
    "handover_can_approve",
    "handover_decision_approve",
    "handover_decision_record",
    "is_assessed",
    "joint_assessment_record",
    "last_full_sync",
    "profile_create",
    "profile_rules",
    "profile_update",
    "profiles_can_edit",
    "readiness_as_of",
    "readiness_can_manage",
    "readiness_sync_dirty",
    "readiness_sync_full",
    "readiness_sync_request",
    "readiness_sync_units",
    "requirement_delete",
    "requirement_set",
    "snapshots_take",
    "units_mark_dirty",
    "webhooks_notify",
]
