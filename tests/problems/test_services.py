"""Problem services: life cycle and guards, incident links, known errors, detection."""

import datetime as dt

import pytest

from core.exceptions import DomainError, TransitionRefused
from incidents.models import Incident
from incidents.services import incident_create
from problems.models import Problem, ProblemIncident, SuggestedProblem
from problems.services import (
    known_error_apply_workaround,
    problem_create,
    problem_create_from_incident,
    problem_detect,
    problem_link_incident,
    problem_transition,
    problem_unlink_incident,
    suggestion_accept,
    suggestion_dismiss,
)
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)


@pytest.fixture
def service(agent):
    group = SupportGroupFactory(name="Desk")
    group.members.add(agent)
    return ServiceFactory(name="Mail", support_group=group)


def incident(agent, service, title="Mail down", category="email", days_ago=1):
    return incident_create(
        actor=agent,
        data={"title": title, "service": service, "category": category},
        now=NOW - dt.timedelta(days=days_ago),
    )


def walk(agent, problem, *steps):
    for name, data in steps:
        problem = problem_transition(
            actor=agent,
            problem=problem.number,
            name=name,
            expected_version=problem.version,
            data=data,
        )
    return problem


class TestLifeCycle:
    def test_from_incident_prefills_and_links(self, agent, service):
        inc = incident(agent, service)
        problem = problem_create_from_incident(actor=agent, incident=inc.number)
        assert problem.number == "PRB0000001"
        assert (problem.title, problem.service, problem.category) == ("Mail down", service, "email")
        assert list(problem.incident_links.values_list("incident__number", flat=True)) == [
            inc.number
        ]
        assert problem.assignment_group == service.support_group

    def test_known_error_needs_root_cause_or_workaround_and_stamps_the_date(self, agent, service):
        problem = problem_create(actor=agent, data={"title": "x", "service": service})
        problem = walk(agent, problem, ("assess", {}), ("analyse", {}))
        with pytest.raises(TransitionRefused) as err:
            walk(agent, problem, ("mark_known_error", {}))
        assert err.value.code == "root_cause_or_workaround_required"
        problem = walk(agent, problem, ("mark_known_error", {"workaround": "Restart Outlook"}))
        assert problem.known_error
        assert problem.known_error_published_at is not None

    def test_resolve_needs_notes_and_a_fix(self, agent, service):
        problem = problem_create(actor=agent, data={"title": "x", "service": service})
        problem = walk(agent, problem, ("assess", {}), ("analyse", {}))
        with pytest.raises(TransitionRefused) as err:
            walk(agent, problem, ("resolve", {"resolution_notes": "Patched"}))
        assert err.value.code == "fix_required"
        with pytest.raises(TransitionRefused) as err:
            walk(agent, problem, ("resolve", {"no_change_reason": "Config only"}))
        assert err.value.code == "resolution_notes_required"
        assert Problem.objects.get().state == "root_cause_analysis"

    def test_resolve_can_resolve_the_linked_open_incidents(self, agent, service):
        first, second = incident(agent, service), incident(agent, service, title="Again")
        problem = problem_create(
            actor=agent, data={"title": "x", "service": service}, incidents=[first, second]
        )
        problem = walk(agent, problem, ("assess", {}), ("analyse", {}))
        walk(
            agent,
            problem,
            (
                "resolve",
                {
                    "resolution_notes": "Quota raised",
                    "no_change_reason": "Config",
                    "resolve_incidents": True,
                },
            ),
        )
        for inc in Incident.objects.all():
            assert inc.state == "resolved"
            assert "PRB0000001" in inc.resolution_notes
            assert inc.history.filter(state="resolved").count() == 1

    def test_cancel_from_any_open_state_needs_a_reason(self, agent, service):
        problem = problem_create(actor=agent, data={"title": "x", "service": service})
        with pytest.raises(TransitionRefused):
            walk(agent, problem, ("cancel", {}))
        assert walk(agent, problem, ("cancel", {"cancel_reason": "Duplicate"})).state == "cancelled"


class TestLinks:
    def test_linking_twice_is_refused(self, agent, service):
        inc = incident(agent, service)
        first = problem_create(
            actor=agent, data={"title": "a", "service": service}, incidents=[inc]
        )
        second = problem_create(actor=agent, data={"title": "b", "service": service})
        with pytest.raises(DomainError) as err:
            problem_link_incident(actor=agent, problem=second.number, incident=inc.number)
        assert err.value.code == "incident_already_linked"
        assert first.number in err.value.message

    def test_linking_to_a_closed_problem_is_refused(self, agent, service):
        problem = problem_create(actor=agent, data={"title": "a", "service": service})
        problem = walk(agent, problem, ("cancel", {"cancel_reason": "dup"}))
        with pytest.raises(DomainError) as err:
            problem_link_incident(
                actor=agent, problem=problem.number, incident=incident(agent, service).number
            )
        assert err.value.code == "problem_closed"
        assert not ProblemIncident.objects.exists()

    def test_unlink(self, agent, service):
        inc = incident(agent, service)
        problem = problem_create(
            actor=agent, data={"title": "a", "service": service}, incidents=[inc]
        )
        problem_unlink_incident(actor=agent, problem=problem.number, incident=inc.number)
        assert not ProblemIncident.objects.exists()
        with pytest.raises(DomainError) as err:
            problem_unlink_incident(actor=agent, problem=problem.number, incident=inc.number)
        assert err.value.code == "incident_not_linked"

    def test_applying_a_workaround_records_it_and_links(self, agent, service):
        problem = problem_create(actor=agent, data={"title": "a", "service": service})
        problem = walk(
            agent, problem, ("assess", {}), ("mark_known_error", {"workaround": "Clear the cache"})
        )
        inc = incident(agent, service)
        known_error_apply_workaround(actor=agent, problem=problem.number, incident=inc.number)
        note = inc.comments.get()
        assert note.kind == "work_note"
        assert "Clear the cache" in note.body
        assert ProblemIncident.objects.get().problem == problem


class TestDetection:
    @pytest.fixture(autouse=True)
    def _threshold(self, settings):
        settings.PROBLEM_DETECTION_MIN_INCIDENTS = 3
        settings.PROBLEM_DETECTION_WINDOW_DAYS = 7

    def test_cluster_found_once_and_accepted(self, agent, manager, service):
        for _ in range(3):
            incident(agent, service)
        incident(agent, service, category="other")
        incident(agent, service, days_ago=20)  # outside the window
        assert problem_detect(now=NOW) == {"new": 1, "updated": 0, "reopened": 0}
        assert problem_detect(now=NOW) == {"new": 0, "updated": 1, "reopened": 0}
        suggestion = SuggestedProblem.objects.get()
        assert (suggestion.category, suggestion.incident_count) == ("email", 3)
        problem = suggestion_accept(actor=manager, suggestion_id=suggestion.pk, now=NOW)
        assert problem.incident_links.count() == 3
        # Covered by an open problem now: nothing new is suggested.
        assert problem_detect(now=NOW) == {"new": 0, "updated": 0, "reopened": 0}

    def test_dismissed_cluster_returns_only_after_growing_by_n(self, agent, manager, service):
        for _ in range(3):
            incident(agent, service)
        problem_detect(now=NOW)
        suggestion_dismiss(actor=manager, suggestion_id=SuggestedProblem.objects.get().pk)
        for _ in range(2):
            incident(agent, service)
        assert problem_detect(now=NOW)["reopened"] == 0
        incident(agent, service)
        assert problem_detect(now=NOW)["reopened"] == 1
        assert SuggestedProblem.objects.get().status == "open"

    def test_deciding_twice_is_refused(self, agent, manager, service):
        for _ in range(3):
            incident(agent, service)
        problem_detect(now=NOW)
        pk = SuggestedProblem.objects.get().pk
        suggestion_dismiss(actor=manager, suggestion_id=pk)
        with pytest.raises(DomainError) as err:
            suggestion_accept(actor=manager, suggestion_id=pk)
        assert err.value.code == "suggestion_decided"

    def test_detection_counts_in_a_constant_number_of_queries(
        self, agent, service, django_assert_max_num_queries
    ):
        for _ in range(12):
            incident(agent, service)
        with django_assert_max_num_queries(6):
            problem_detect(now=NOW)


def test_problem_pages_render_with_and_without_assignment(client, agent, service):
    from django.urls import reverse

    problem = problem_create(actor=agent, data={"title": "Unowned", "service": service})
    Problem.objects.filter(pk=problem.pk).update(assignment_group=None)
    client.force_login(agent)
    assert client.get(reverse("problems:problem_list")).status_code == 200
    assert client.get(problem.get_absolute_url()).status_code == 200
    assert client.get(reverse("problems:known_error_list") + "?service=x&q=a").status_code == 200


def test_importer_links_incidents_to_the_problems_the_log_names():
    import csv
    from pathlib import Path

    from django.core.management import call_command

    sample = (
        Path(__file__).resolve().parents[3]
        / "shared/data/uci-incident-event-log/sample_first_500_incidents.csv"
    )
    with sample.open(newline="") as handle:
        expected = {}
        for row in csv.DictReader(handle):
            if row["problem_id"] != "?":
                expected[row["number"]] = " ".join(row["problem_id"].split())
    call_command("import_incident_log", str(sample), verbosity=0)
    links = {
        link.incident.number: link.problem.source_ref
        for link in ProblemIncident.objects.select_related("incident", "problem")
    }
    assert links == expected
    assert Problem.objects.count() == len(set(expected.values()))
    call_command("import_incident_log", str(sample), verbosity=0)  # idempotent
    assert Problem.objects.count() == len(set(expected.values()))


def test_problem_page_timeline_merges_field_changes_and_notes(client, agent, service):
    from problems.services import problem_comment_add

    problem = problem_create(actor=agent, data={"title": "Slow", "service": service})
    walk(agent, problem, ("assess", {}))
    problem_comment_add(actor=agent, problem=problem.number, body="Checked the logs")
    client.force_login(agent)
    kinds = [e.kind for e in client.get(problem.get_absolute_url()).context["timeline"]]
    assert kinds == ["created", "change", "work_note"]


def test_detection_queries_do_not_grow_with_clusters(
    agent, service, settings, django_assert_max_num_queries
):
    settings.PROBLEM_DETECTION_MIN_INCIDENTS = 2
    for n in range(12):
        incident(agent, service, category="cat{n}".format(n=n % 6))
    with django_assert_max_num_queries(6):
        assert problem_detect(now=NOW)["new"] == 6
    for n in range(6):
        incident(agent, service, category="cat{n}".format(n=n))
    with django_assert_max_num_queries(6):
        assert problem_detect(now=NOW)["updated"] == 6
