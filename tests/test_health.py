"""Health probes: /healthz is the process, /readyz the database and the broker."""

import pytest
from celery import current_app


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(client):
    real_url, real_options = current_app.conf.broker_url, current_app.conf.broker_transport_options
    current_app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    current_app.conf.broker_transport_options = {"socket_connect_timeout": 1}
    try:
        response = client.get("/readyz")
    finally:
        current_app.conf.broker_url = real_url
        current_app.conf.broker_transport_options = real_options
    assert response.status_code == 503
    assert response.json()["reasons"][0].startswith("broker:")
