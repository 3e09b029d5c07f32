"""Problem writes: create (also from an incident), update, transitions, incident links,
known errors and workarounds, comments, and proactive detection with its suggestions."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.events import event_emit
from core.exceptions import DomainError, NotFound
from core.models import TimelineKind
from core.numbering import number_next
from core.services import (
    fields_apply,
    permission_require,
    record_lock,
    version_bump,
)
from incidents.choices import IncidentState, priority_for
from incidents.models import Incident
from incidents.services import incident_comment_add, incident_transition
from problems.choices import ProblemState, SuggestionStatus
from problems.constants import NUMBER_PREFIX
from problems.models import Problem, ProblemComment, ProblemIncident, SuggestedProblem
from problems.selectors import OPEN_STATES, suggestion_incidents
from problems.workflow import PROBLEM_WORKFLOW

EDITABLE_FIELDS = (
    "title",
    "description",
    "service",
    "category",
    "impact",
    "urgency",
    "root_cause",
    "workaround",
    "rca_method",
    "rca_notes",
    "assignment_group",
    "assignee",
    "pdca_scope",
)
CLOSED_STATES = (ProblemState.CLOSED, ProblemState.CANCELLED)


def _lock(problem: Any, expected_version: int | None) -> Problem:
    return record_lock(Problem.objects.all(), problem, expected_version=expected_version)


@transaction.atomic
def problem_create_unchecked(
    *,
    actor: Any,
    data: dict[str, Any],
    incidents: list[Incident] = (),  # type: ignore[assignment]
    now: datetime | None = None,
) -> Problem:
    """Record a problem and link the given incidents, without checking the actor's permission.

    For trusted system paths (the importer's bot); people go through problem_create.
    Raises ValidationError, link errors.
    """
    now = now or timezone.now()
    problem = Problem(
        **{k: v for k, v in data.items() if k in EDITABLE_FIELDS},
        number="",
        opened_by=actor,
        opened_at=now,
        state=ProblemState.NEW,
    )
    if problem.service_id and problem.assignment_group_id is None:
        problem.assignment_group = problem.service.support_group
    problem.priority = priority_for(problem.impact, problem.urgency)
    problem.full_clean(exclude=["number"])
    problem.number = number_next(kind=NUMBER_PREFIX)
    problem._history_user = actor
    problem._history_date = now
    problem.save()
    if data.get("cis"):
        problem.cis.set(data["cis"])
    for incident in incidents:
        _link(problem, incident, actor)
    event_emit("problem.created", problem)
    return problem


def problem_create(
    *,
    actor: Any,
    data: dict[str, Any],
    incidents: list[Incident] = (),  # type: ignore[assignment]
    now: datetime | None = None,
) -> Problem:
    """Record a problem and link the given incidents. Raises: permission_denied,
    ValidationError, link errors."""
    permission_require(actor, "problems.add_problem")
    return problem_create_unchecked(actor=actor, data=data, incidents=incidents, now=now)


@transaction.atomic
def problem_create_from_incident(
    *, actor: Any, incident: Any, now: datetime | None = None
) -> Problem:
    """Open a problem prefilled from an incident and linked to it."""
    # The right first: someone without it must not learn whether the incident exists.
    permission_require(actor, "problems.add_problem")
    obj = (
        Incident.objects.select_related("service")
        .filter(**({"number": incident} if isinstance(incident, str) else {"pk": incident}))
        .first()
    )
    if obj is None:
        raise NotFound()
    return problem_create(
        actor=actor,
        data={
            "title": obj.title,
            "description": str(_("Opened from incident {number}.\n\n{text}")).format(
                number=obj.number, text=obj.description
            ),
            "service": obj.service,
            "category": obj.category,
            "impact": obj.impact,
            "urgency": obj.urgency,
            "cis": list(obj.cis.all()),
        },
        incidents=[obj],
        now=now,
    )


@transaction.atomic
def problem_update(
    *, actor: Any, problem: Any, expected_version: int | None, data: dict[str, Any]
) -> Problem:
    """Edit a problem's fields. Raises: not_found, version_conflict, ValidationError."""
    permission_require(actor, "problems.change_problem")
    obj = _lock(problem, expected_version)
    if obj.state in CLOSED_STATES:
        raise DomainError(
            "problem_final",
            _("{number} is {state}; it can no longer be changed.").format(
                number=obj.number, state=obj.get_state_display().lower()
            ),
            status=409,
        )
    if "title" in data:
        data = {**data, "title": " ".join(str(data["title"]).split())}
    changed = fields_apply(obj, data, EDITABLE_FIELDS)
    if obj.known_error and not (obj.root_cause.strip() or obj.workaround.strip()):
        raise DomainError(
            "root_cause_or_workaround_required",
            _("A known error needs a root cause or a workaround."),
            field="workaround",
        )
    if "impact" in changed or "urgency" in changed:
        obj.priority = priority_for(obj.impact, obj.urgency)
        changed.append("priority")
    obj.full_clean()
    obj._history_user = actor
    m2m = "cis" in data and {c.pk for c in data["cis"]} != set(obj.cis.values_list("pk", flat=True))
    if m2m:
        obj.cis.set(data["cis"])
    version_bump(obj, changed, touched=m2m)
    if changed or m2m:
        event_emit("problem.updated", obj)
    return obj


@transaction.atomic
def problem_transition(
    *,
    actor: Any,
    problem: Any,
    name: str,
    expected_version: int | None,
    data: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Problem:
    """Move a problem through its life cycle (DOMAIN §4).

    Publishing a known error stamps its date; resolving with `resolve_incidents` resolves the
    linked open incidents too, each with its own history entry. Raises: not_found,
    version_conflict, invalid_source_state, permission_denied, <field>_required,
    root_cause_or_workaround_required, fix_required.
    """
    now = now or timezone.now()
    data = dict(data or {})
    obj = _lock(problem, expected_version)
    if name == "resolve" and not data.get("has_fix_change"):
        # The changes app owns Change.fixes_problem; read its reverse relation by name.
        fixes = getattr(obj, "fix_changes", None)
        data["has_fix_change"] = bool(fixes is not None and fixes.exists())
    transition = PROBLEM_WORKFLOW.check(obj, name, actor, data)
    changed = ["state"]
    obj.state = transition.target
    for field in transition.fields:
        if field in data:
            setattr(obj, field, data[field])
            changed.append(field)
    if name == "mark_known_error":
        obj.known_error = True
        obj.known_error_published_at = now
        changed += ["known_error", "known_error_published_at"]
    if name == "resolve":
        obj.resolved_at = now
        changed.append("resolved_at")
    if name == "close":
        obj.closed_at = now
        changed.append("closed_at")
    obj.full_clean()
    obj._history_user = actor
    obj._history_date = now
    version_bump(obj, changed)
    event_emit("problem.updated", obj, transition=name)
    if name == "resolve" and data.get("resolve_incidents"):
        problem_resolve_incidents(actor=actor, problem=obj, now=now)
    return obj


def problem_resolve_incidents(
    *, actor: Any, problem: Problem, now: datetime | None = None
) -> list[str]:
    """Resolve the problem's linked open incidents with its resolution; return their numbers."""
    resolved = []
    links = problem.incident_links.select_related("incident").filter(
        incident__state__in=[IncidentState.NEW, IncidentState.IN_PROGRESS, IncidentState.ON_HOLD]
    )
    for link in links:
        incident = link.incident
        if incident.state == IncidentState.ON_HOLD:
            incident = incident_transition(
                actor=actor, incident=incident.pk, name="resume", expected_version=None, now=now
            )
        incident_transition(
            actor=actor,
            incident=incident.pk,
            name="resolve",
            expected_version=None,
            data={
                "resolution_code": "fixed",
                "resolution_notes": str(_("Resolved with problem {number}: {notes}")).format(
                    number=problem.number, notes=problem.resolution_notes
                ),
            },
            now=now,
        )
        resolved.append(incident.number)
    return resolved


def _link(problem: Problem, incident: Incident, actor: Any) -> ProblemIncident:
    if problem.state in CLOSED_STATES:
        raise DomainError(
            "problem_closed",
            _("{number} is closed; link to an open problem.").format(number=problem.number),
        )
    existing = ProblemIncident.objects.filter(incident=incident).select_related("problem").first()
    if existing is not None:
        raise DomainError(
            "incident_already_linked",
            _("{incident} is already linked to {problem}.").format(
                incident=incident.number, problem=existing.problem.number
            ),
            field="incident",
        )
    try:
        with transaction.atomic():
            return ProblemIncident.objects.create(
                problem=problem, incident=incident, linked_by=actor
            )
    except IntegrityError:  # a concurrent link won the race
        raise DomainError(
            "incident_already_linked", _("The incident is already linked."), field="incident"
        ) from None


def _incident(incident: Any) -> Incident:
    obj = Incident.objects.filter(
        **({"number": incident} if isinstance(incident, str) else {"pk": incident})
    ).first()
    if obj is None:
        raise NotFound("incident_not_found", _("No such incident."), field="incident")
    return obj


@transaction.atomic
def problem_link_incident(*, actor: Any, problem: Any, incident: Any) -> ProblemIncident:
    """Link an incident to a problem. Raises: not_found, problem_closed, incident_already_linked."""
    permission_require(actor, "problems.change_problem")
    obj = _lock(problem, None)
    return _link(obj, _incident(incident), actor)


@transaction.atomic
def problem_unlink_incident(*, actor: Any, problem: Any, incident: Any) -> None:
    """Remove an incident from a problem. Raises: not_found, incident_not_linked."""
    permission_require(actor, "problems.change_problem")
    obj = _lock(problem, None)
    deleted, _count = ProblemIncident.objects.filter(
        problem=obj, incident=_incident(incident)
    ).delete()
    if not deleted:
        raise DomainError(
            "incident_not_linked", _("That incident is not linked to this problem."), status=404
        )


@transaction.atomic
def problem_comment_add(
    *, actor: Any, problem: Any, body: str, kind: str = TimelineKind.WORK_NOTE
) -> ProblemComment:
    """Add a comment or work note to a problem. Raises: not_found, comment_empty."""
    permission_require(actor, "problems.view_problem")
    if not (body or "").strip():
        raise DomainError("comment_empty", _("Write something first."), field="body")
    obj = _lock(problem, None)
    comment = ProblemComment(problem=obj, author=actor, body=body, kind=kind)
    comment.full_clean(exclude=["problem", "author"])
    comment.save()
    return comment


@transaction.atomic
def known_error_apply_workaround(*, actor: Any, problem: Any, incident: Any) -> Incident:
    """Record a known error's workaround on an incident and link the incident to it.

    Raises: not_found, permission_denied, not_a_known_error, problem_closed, incident_not_open.
    """
    permission_require(actor, "problems.change_problem")
    obj = Problem.objects.filter(
        **({"number": problem} if isinstance(problem, str) else {"pk": problem})
    ).first()
    if obj is None:
        raise NotFound()
    if not obj.known_error:
        raise DomainError(
            "not_a_known_error", _("Only a published known error has a workaround to apply.")
        )
    target = _incident(incident)
    if not target.is_open:
        raise DomainError(
            "incident_not_open", _("Apply a workaround to an open incident only."), status=409
        )
    incident_comment_add(
        actor=actor,
        incident=target.pk,
        body=str(_("Workaround from known error {number}:\n\n{workaround}")).format(
            number=obj.number, workaround=obj.workaround or obj.root_cause
        ),
        kind=TimelineKind.WORK_NOTE,
    )
    if not ProblemIncident.objects.filter(incident=target).exists():
        _link(obj, target, actor)
    return target


# --- proactive detection --------------------------------------------------------------------


def _values_fields() -> list[str]:
    return ["incident_count", "first_opened_at", "last_opened_at", "detected_at"]


def problem_detect(*, now: datetime | None = None) -> dict[str, int]:
    """Find clusters of ≥ N incidents on one service (and category, or CI) in the window that
    no open problem covers, and suggest them (DOMAIN §4).

    The counting is two GROUP BY queries; a dismissed cluster returns only after growing by N.
    """
    now = now or timezone.now()
    threshold = settings.PROBLEM_DETECTION_MIN_INCIDENTS
    since = now - timedelta(days=settings.PROBLEM_DETECTION_WINDOW_DAYS)
    covered = ProblemIncident.objects.filter(
        incident_id=OuterRef("pk"), problem__state__in=OPEN_STATES
    )
    recent = Incident.objects.filter(opened_at__gte=since, opened_at__lte=now).exclude(
        Exists(covered)
    )
    aggregates = {
        "n": Count("pk", distinct=True),
        "first": Min("opened_at"),
        "last": Max("opened_at"),
    }
    by_category = (
        recent.exclude(category="")
        .values("service_id", "category")
        .annotate(**aggregates)
        .filter(n__gte=threshold)
    )
    by_ci = (
        recent.filter(cis__isnull=False)
        .values("service_id", "cis")
        .annotate(**aggregates)
        .filter(n__gte=threshold)
    )
    clusters = [(r["service_id"], r["category"], None, r) for r in by_category]
    clusters += [(r["service_id"], "", r["cis"], r) for r in by_ci]
    existing = {
        s.key: s
        for s in SuggestedProblem.objects.select_related("problem").filter(
            key__in=["{s}:{c}:{i}".format(s=s, c=c, i=i or "") for s, c, i, _r in clusters]
        )
    }
    counts = {"new": 0, "updated": 0, "reopened": 0}
    created: list[SuggestedProblem] = []
    changed: list[SuggestedProblem] = []
    for service_id, category, ci_id, row in clusters:
        key = "{s}:{c}:{i}".format(s=service_id, c=category, i=ci_id or "")
        suggestion = existing.get(key)
        values = {
            "incident_count": row["n"],
            "first_opened_at": row["first"],
            "last_opened_at": row["last"],
            "detected_at": now,
        }
        if suggestion is None:
            created.append(
                SuggestedProblem(
                    key=key, service_id=service_id, category=category, ci_id=ci_id, **values
                )
            )
            counts["new"] += 1
            continue
        if suggestion.status == SuggestionStatus.OPEN:
            counts["updated"] += 1
        elif (
            suggestion.status == SuggestionStatus.DISMISSED
            and row["n"] >= suggestion.dismissed_count + threshold
        ):
            suggestion.status = SuggestionStatus.OPEN
            counts["reopened"] += 1
        elif suggestion.status == SuggestionStatus.ACCEPTED and (
            suggestion.problem is None or suggestion.problem.state in CLOSED_STATES
        ):
            # The accepted problem is gone or done, and a new cluster has formed.
            suggestion.status, suggestion.problem = SuggestionStatus.OPEN, None
            counts["reopened"] += 1
        else:
            continue
        for name, value in values.items():
            setattr(suggestion, name, value)
        changed.append(suggestion)
    # Two statements whatever the number of clusters.
    SuggestedProblem.objects.bulk_create(created, batch_size=500)
    SuggestedProblem.objects.bulk_update(
        changed, [*_values_fields(), "status", "problem"], batch_size=500
    )
    return counts


def _suggestion(suggestion_id: int) -> SuggestedProblem:
    obj = SuggestedProblem.objects.select_for_update().filter(pk=suggestion_id).first()
    if obj is None:
        raise NotFound()
    if obj.status != SuggestionStatus.OPEN:
        raise DomainError(
            "suggestion_decided",
            _("This suggestion was already {status}.").format(status=obj.get_status_display()),
            status=409,
        )
    return obj


@transaction.atomic
def suggestion_accept(*, actor: Any, suggestion_id: int, now: datetime | None = None) -> Problem:
    """Create the problem for a suggested cluster and link its incidents."""
    permission_require(actor, "problems.change_suggestedproblem")
    now = now or timezone.now()
    suggestion = _suggestion(suggestion_id)
    since = now - timedelta(days=settings.PROBLEM_DETECTION_WINDOW_DAYS)
    incidents = [
        i
        for i in suggestion_incidents(suggestion=suggestion, since=since)
        if not ProblemIncident.objects.filter(incident=i).exists()
    ]
    label = suggestion.category or (suggestion.ci.name if suggestion.ci else "")
    problem = problem_create(
        actor=actor,
        data={
            "title": str(_("Recurring incidents on {service}: {label}")).format(
                service=suggestion.service.name, label=label
            ),
            "description": str(_("{n} incidents in {days} days, found by detection.")).format(
                n=len(incidents), days=settings.PROBLEM_DETECTION_WINDOW_DAYS
            ),
            "service": suggestion.service,
            "category": suggestion.category,
            "cis": [suggestion.ci] if suggestion.ci else [],
        },
        incidents=incidents,
        now=now,
    )
    suggestion.status = SuggestionStatus.ACCEPTED
    suggestion.problem = problem
    suggestion.decided_by = actor
    suggestion.save(update_fields=["status", "problem", "decided_by"])
    return problem


@transaction.atomic
def suggestion_dismiss(*, actor: Any, suggestion_id: int) -> SuggestedProblem:
    """Dismiss a suggestion; it returns only if the cluster grows by the threshold again."""
    permission_require(actor, "problems.change_suggestedproblem")
    suggestion = _suggestion(suggestion_id)
    suggestion.status = SuggestionStatus.DISMISSED
    suggestion.dismissed_count = suggestion.incident_count
    suggestion.decided_by = actor
    suggestion.save(update_fields=["status", "dismissed_count", "decided_by"])
    return suggestion
