"""Catalog constants: what each role may do in the catalog and in SLA policies."""

_VIEW = [
    "catalog.view_service",
    "catalog.view_configurationitem",
    "catalog.view_supportgroup",
    "sla.view_slapolicy",
]
_MANAGE = [
    "catalog.add_service",
    "catalog.change_service",
    "catalog.add_configurationitem",
    "catalog.change_configurationitem",
    "catalog.add_supportgroup",
    "catalog.change_supportgroup",
]

CATALOG_ROLE_PERMISSIONS: dict[str, list[str]] = {
    "requester": [],
    "agent": _VIEW,
    "change_approver": _VIEW,
    "manager": [*_VIEW, *_MANAGE],
    "administrator": [
        *_VIEW,
        *_MANAGE,
        "catalog.delete_configurationitem",
        "sla.add_slapolicy",
        "sla.change_slapolicy",
    ],
}
