"""Responses say what the OpenAPI schema says (found by `make fuzz`; kept as plain tests)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from incidents.services import incident_comment_add, incident_create
from tests.factories import ServiceFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def response_schema(schema, path, method="get", status="200"):
    content = schema["paths"][path][method]["responses"][status]["content"]
    documented = content["application/json"]["schema"]
    if "$ref" not in documented:  # an inline schema, such as an array of components
        return path, documented
    name = documented["$ref"].rsplit("/", 1)[-1]
    return name, schema["components"]["schemas"][name]


@pytest.mark.parametrize("sub", ["comments", "history"])
def test_incident_sub_lists_have_the_shape_the_schema_documents(schema, api_client, agent, sub):
    """A plain array, documented as one (it was documented as a paginated object, so clients
    generated from the schema broke)."""
    incident = incident_create(
        actor=agent,
        data={"title": "Printer", "service": ServiceFactory(support_group=SupportGroupFactory())},
    )
    incident_comment_add(actor=agent, incident=incident.pk, body="Looking at it.")
    name, documented = response_schema(schema, "/api/v1/incidents/{number}/" + sub + "/")
    body = api_client(agent).get("/api/v1/incidents/{n}/{sub}/".format(n=incident.number, sub=sub))
    assert body.status_code == 200
    if documented.get("type") == "object":
        assert isinstance(body.json(), dict), "{name} documents an object, got {kind}".format(
            name=name, kind=type(body.json()).__name__
        )
        assert set(documented["required"]) <= set(body.json())
    else:
        assert documented["type"] == "array"
        assert isinstance(body.json(), list)
        assert body.json()


def test_read_only_nullable_and_blank_columns_are_documented_so(schema):
    """Responses carry null for an absent link and "" for an unset choice; so must the schema
    (core.api.schema.DeskAutoSchema), and a time of day has no UTC offset."""
    incident = schema["components"]["schemas"]["IncidentOutput"]["properties"]
    assert incident["parent"]["nullable"] is True
    assert incident["assignee"]["nullable"] is True
    assert {"$ref": "#/components/schemas/BlankEnum"} in incident["hold_reason"]["oneOf"]
    policy = schema["components"]["schemas"]["SlaPolicyOutput"]["properties"]
    assert "format" not in policy["work_start"]
    assert policy["work_start"]["pattern"].startswith("^")


def test_an_over_long_number_in_a_list_parameter_is_a_documented_error(schema, api_client, manager):
    """?priority=<a 2,000-digit number> is refused as a too long string: the schema lists
    that code for the list's items too (found by schemathesis on /api/v1/kpis/)."""
    response = api_client(manager).get(
        "/api/v1/kpis/", {"kpi": "sla_compliance", "priority": ["9" * 2000, "2"]}
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("priority.0", "max_string_length")
    _name, documented = response_schema(schema, "/api/v1/kpis/", status="400")
    union = documented["oneOf"][0]["$ref"].rsplit("/", 1)[-1]
    errors = schema["components"]["schemas"][union]["properties"]["errors"]["items"]["$ref"]
    items = schema["components"]["schemas"][errors.rsplit("/", 1)[-1]]["oneOf"]
    components = [schema["components"]["schemas"][i["$ref"].rsplit("/", 1)[-1]] for i in items]
    (item,) = [c for c in components if c["properties"]["attr"].get("pattern", "").startswith(
        "^priority")]  # fmt: skip
    assert "max_string_length" in item["properties"]["code"]["enum"]
