"""Problems named by an imported incident event log (its `problem_id` column).

Registered as a link hook of `incidents.importer`: for every imported incident that names a
problem, the problem (one per source id, found again by `source_ref` on the next run) is
created if needed and the incident is linked to it.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from incidents.models import Incident
from problems.models import Problem, ProblemIncident
from problems.services import problem_create_unchecked


def problem_links_import(
    refs: Mapping[str, Mapping[str, str]], ids: Mapping[str, int], actor: Any
) -> None:
    """Create the named problems and link their incidents (inside the importer's batch)."""
    by_ref: dict[str, list[int]] = {}
    for number, values in refs.items():
        ref = values.get("problem_id")
        if ref and number in ids:
            by_ref.setdefault(ref, []).append(ids[number])
    if not by_ref:
        return
    problems = dict(
        Problem.objects.filter(source_ref__in=list(by_ref)).values_list("source_ref", "pk")
    )
    incidents = Incident.objects.in_bulk([pk for pks in by_ref.values() for pk in pks])
    links = []
    for ref, pks in by_ref.items():
        if ref not in problems:
            first = min((incidents[pk] for pk in pks), key=lambda i: i.opened_at)
            problem = problem_create_unchecked(
                actor=actor,
                data={
                    "title": _("Imported: {ref}").format(ref=ref),
                    "description": _("Named by imported incidents; the source log has no details."),
                    "service": first.service,
                    "category": first.category,
                },
                now=first.opened_at,
            )
            Problem.objects.filter(pk=problem.pk).update(source_ref=ref)
            problems[ref] = problem.pk
        links += [
            ProblemIncident(problem_id=problems[ref], incident_id=pk, linked_by=actor) for pk in pks
        ]
    ProblemIncident.objects.bulk_create(links, ignore_conflicts=True)
