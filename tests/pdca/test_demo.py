"""The demo shows the whole loop: reviews with findings, an improvement register with a done
action checked by later reviews, an overdue action, and the strategic queue."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from pdca.models import ActionCheck, ImprovementAction, RecordCycle, StrategicItem


@pytest.mark.django_db
def test_the_demo_fills_the_dashboard(client):
    call_command("demo_data", "--quiet")
    done = ImprovementAction.objects.get(status="done", source_finding=None)
    assert ActionCheck.objects.filter(action=done).exists()
    done.refresh_from_db()
    assert done.verdict in {"improved", "no_change", "worse", "too_little_data"}
    assert StrategicItem.objects.filter(decided_at=None, kind="record").exists()
    assert RecordCycle.objects.exists()
    client.force_login(get_user_model().objects.get(username="maria"))
    page = client.get(reverse("pdca:dashboard"))
    assert page.status_code == 200
    assert "Pre-implementation checklist for network changes" in page.content.decode()
    assert "question of design" in StrategicItem.objects.get(kind="record").reason
