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
    conf = current_app.conf
    saved = {k: conf[k] for k in ("broker_url", "broker_write_url", "broker_transport_options")}
    # Nothing listens on the discard port.
    conf.update(
        broker_url="redis://127.0.0.1:9/0",
        broker_write_url="redis://127.0.0.1:9/0",
        broker_transport_options={"socket_connect_timeout": 1},
    )
    try:
        response = client.get("/readyz")
    finally:
        conf.update(saved)
    assert response.status_code == 503
    assert response.json()["reasons"][0].startswith("broker:")
