"""The incident FilterSet, shared by the queue page, the CSV export and the API list."""

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.models import Service, SupportGroup
from core.forms import any_yes_no
from incidents.choices import IncidentState, Priority
from incidents.models import Incident, IncidentComment
from sla.choices import SlaState

SEARCH_CONFIG = "simple"  # language-neutral: tickets mix Swedish and English


def incident_search(
    queryset: QuerySet[Incident], value: str, *, public_only: bool = False
) -> QuerySet[Incident]:
    """Full-text search over number, title, description and comments (public comments only
    when `public_only`: a requester must not find incidents by words in internal work notes).

    PostgreSQL: a websearch query against the same tsvector expression the GIN index holds.
    SQLite: case-insensitive substring matching, the working fallback.
    """
    value = value.strip()
    if not value:
        return queryset
    number = Q(number=value.upper())  # numbers are stored upper-case: an index lookup
    if value.isascii() and value.isdigit() and len(value) <= 7:
        number = Q(number="{prefix}{n:07d}".format(prefix=Incident.NUMBER_PREFIX, n=int(value)))
    comment_rows = IncidentComment.objects.all()
    if public_only:
        comment_rows = comment_rows.filter(kind="comment")
    if connection.vendor == "postgresql":
        # Three index lookups (number; the GIN index over title and description; the GIN
        # index over comment bodies) united into one id list: an OR of the three in one
        # WHERE can use no index and computed every row's tsvector (3 s over 100,000).
        query = SearchQuery(value, config=SEARCH_CONFIG, search_type="websearch")
        by_number = Incident.objects.filter(number).order_by().values("pk")
        by_text = (
            Incident.objects.annotate(
                document=SearchVector("title", "description", config=SEARCH_CONFIG)
            )
            .filter(document=query)
            .order_by()
            .values("pk")
        )
        by_comment = (
            comment_rows.annotate(document=SearchVector("body", config=SEARCH_CONFIG))
            .filter(document=query)
            .order_by()
            .values("incident_id")
        )
        return queryset.filter(pk__in=by_number.union(by_text, by_comment))
    comments = comment_rows.filter(incident_id=OuterRef("pk"), body__icontains=value)
    return queryset.filter(
        number | Q(title__icontains=value) | Q(description__icontains=value) | Exists(comments)
    )


class IncidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    state = django_filters.MultipleChoiceFilter(
        distinct=False, choices=IncidentState.choices, label=_("State")
    )
    priority = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Priority.choices, label=_("Priority")
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.order_by("name"), label=_("Service")
    )
    assignment_group = django_filters.ModelChoiceFilter(
        queryset=SupportGroup.objects.order_by("name"), label=_("Group")
    )
    assignee = django_filters.ModelChoiceFilter(
        queryset=get_user_model()
        .objects.filter(support_groups__isnull=False)
        .distinct()
        .order_by("username"),
        label=_("Assignee"),
    )
    sla_state = django_filters.MultipleChoiceFilter(
        distinct=False, choices=SlaState.choices, label=_("SLA")
    )
    opened_after = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__gte", label=_("Opened from")
    )
    opened_before = django_filters.DateFilter(
        field_name="opened_at", lookup_expr="date__lte", label=_("Opened to")
    )
    is_major = django_filters.BooleanFilter(label=_("Major incident"), widget=any_yes_no())
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("opened_at", "opened"),
            ("priority", "priority"),
            ("state", "state"),
            ("resolution_due_at", "due"),
            ("updated_at", "updated"),
        ),
    )

    class Meta:
        model = Incident
        fields = [
            "q", "state", "priority", "service", "assignment_group", "assignee", "sla_state",
            "opened_after", "opened_before", "is_major",
        ]  # fmt: skip

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = getattr(self.request, "user", None)
        public_only = user is None or not user.has_perm("incidents.view_incident")
        return incident_search(queryset, value, public_only=public_only)
