"""Problem reads: lists, the detail page, the known error database, suggestions."""

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from incidents.models import Incident
from problems.choices import ProblemState, SuggestionStatus
from problems.models import Problem, ProblemComment, ProblemIncident, SuggestedProblem

OPEN_STATES = (
    ProblemState.NEW,
    ProblemState.ASSESSMENT,
    ProblemState.ROOT_CAUSE_ANALYSIS,
    ProblemState.KNOWN_ERROR,
)


def problem_list() -> QuerySet[Problem]:
    """Problems with what a row shows and how many incidents each has."""
    return (
        Problem.objects.select_related("service", "assignment_group", "assignee")
        .annotate(incident_count=Count("incident_links"))
        .order_by("-opened_at", "-pk")
    )


def problem_get(*, number: str) -> Problem | None:
    """One problem with its linked incidents (and their states) and timeline."""
    links = ProblemIncident.objects.select_related(
        "incident", "incident__assignee", "incident__service"
    ).order_by("incident__number")
    return (
        Problem.objects.select_related(
            "service", "assignment_group", "assignee", "opened_by", "service__support_group"
        )
        .prefetch_related(
            "cis",
            Prefetch("incident_links", queryset=links),
            Prefetch("comments", queryset=ProblemComment.objects.select_related("author")),
        )
        .filter(number=number)
        .first()
    )


def known_error_list(*, service_id: int | None = None, text: str = "") -> QuerySet[Problem]:
    """Published known errors, optionally for one service and matching words."""
    queryset = Problem.objects.filter(known_error=True).exclude(
        state__in=[ProblemState.CLOSED, ProblemState.CANCELLED]
    )
    if service_id:
        queryset = queryset.filter(service_id=service_id)
    # A NUL matches no stored text (and PostgreSQL refuses it in a query): drop it.
    for word in text.replace("\x00", " ").split()[:8]:
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(workaround__icontains=word)
            | Q(root_cause__icontains=word)
        )
    return queryset.select_related("service").order_by("-known_error_published_at", "-pk")


def suggestion_list(*, status: str = SuggestionStatus.OPEN) -> QuerySet[SuggestedProblem]:
    return (
        SuggestedProblem.objects.filter(status=status)
        .select_related("service", "ci", "problem")
        .order_by("-incident_count", "pk")
    )


def suggestion_incidents(*, suggestion: SuggestedProblem, since: Any) -> QuerySet[Incident]:
    """The incidents of a suggested cluster that no open problem covers yet."""
    queryset = Incident.objects.filter(service_id=suggestion.service_id, opened_at__gte=since)
    if suggestion.category:
        queryset = queryset.filter(category=suggestion.category)
    if suggestion.ci_id:
        queryset = queryset.filter(cis=suggestion.ci_id)
    return queryset.exclude(problem_link__problem__state__in=OPEN_STATES).order_by("opened_at")


def problem_history(*, problem: Problem) -> QuerySet[Any]:
    """The audit rows of one problem, oldest first, with who made them."""
    return problem.history.select_related("history_user").order_by("history_date", "history_id")
