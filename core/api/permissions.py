"""API permission classes. Object visibility is the selectors' job; these gate the verbs."""

from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """Django model permissions for every verb, reads included (view_<model>)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        if request.method.lower() not in view.http_method_names:
            return True  # the view answers 405; a 403 would hide that the verb does not exist
        return super().has_permission(request, view)


class ModelPermissionsWritesAreChanges(ModelPermissions):
    """For resources whose POST and DELETE act on an existing row (actions, links)."""

    perms_map = {
        **ModelPermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.change_%(model_name)s"],
    }
