"""Views shared by the whole desk: home, login, health probes, the 404 page."""

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView

from core.exceptions import DomainError, VersionConflict, error_body
from core.paginators import CappedPaginator

logger = logging.getLogger(__name__)


class StaffRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Logged in and holding the page's permission; otherwise login or 403."""

    raise_exception = False

    def handle_no_permission(self) -> HttpResponse:
        if self.request.user.is_authenticated:
            self.raise_exception = True
        return super().handle_no_permission()


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return "database: {kind}".format(kind=type(exc).__name__)
    return None


def _check_broker() -> str | None:
    from celery import current_app

    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:
        return "broker: {kind}".format(kind=type(exc).__name__)
    return None


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the broker answer; 503 with the reasons otherwise."""
    problems = [p for p in (_check_database(), _check_broker()) if p]
    if problems:
        logger.warning("not ready: %s", problems)
        return JsonResponse({"status": "unavailable", "reasons": problems}, status=503)
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: JSON under /api/, the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "404.html", status=404)


class Unfiltered:
    """A list page's FilterSet while nothing is filtered: its class, and the form of an
    unbound one, built only when asked for (a FilterSet deep-copies all its filters)."""

    is_bound = False

    def __init__(self, filterset_class: type, queryset: Any) -> None:
        self.filterset_class = filterset_class
        self.queryset = queryset

    @cached_property
    def form(self) -> Any:
        return self.filterset_class(None, queryset=self.queryset).form


class ObjectListView(StaffRequiredMixin, ListView):
    """A list page: selector → FilterSet → paginated table; htmx gets only the table."""

    filterset_class: type | None = None
    paginate_by = 25
    paginator_class = CappedPaginator
    partial_template_name: str = ""

    def selector(self):
        raise NotImplementedError

    def get_queryset(self):
        queryset = self.selector()
        data = self.request.GET
        if not any(name in data for name in self.filterset_class.base_filters):
            # Nothing filtered: no form to validate (see core.api.filters), and no FilterSet
            # to build unless its form's HTML is not cached ({% filter_form %}).
            self.filterset = Unfiltered(self.filterset_class, queryset)
            return queryset
        self.filterset = self.filterset_class(data, queryset=queryset)
        if not self.filterset.is_valid():
            return queryset.none()
        return self.filterset.qs

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return max(1, min(size, 100))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset  # its form: {% filter_form %}
        return context

    def get_template_names(self):
        if self.request.htmx and self.partial_template_name:
            return [self.partial_template_name]
        return super().get_template_names()

    def paginate_queryset(self, queryset, page_size):
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404:
            # An out-of-range page shows the last page rather than an error.
            self.kwargs["page"] = "last"
            return super().paginate_queryset(queryset, page_size)


class ObjectDetailView(StaffRequiredMixin, TemplateView):
    """A detail page: the selector finds the object or the page is a 404."""

    context_object_name = "object"

    def selector(self, pk: int):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.selector(pk=kwargs["pk"])
        if obj is None:
            raise Http404
        context["object"] = context[self.context_object_name] = obj
        return context


def _comparable(value: Any) -> Any:
    """A value as a form and the database would agree on it: a related record by its key,
    text with the browser's line breaks and surrounding spaces as forms clean them."""
    value = getattr(value, "pk", value)
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return value


def _shown(obj: Any, name: str) -> str:
    """A field's value as the pages show it (choice labels, related records' names)."""
    display = getattr(obj, "get_{name}_display".format(name=name), None)
    try:
        value = display() if display else getattr(obj, name, None)
    except ObjectDoesNotExist:  # a related record deleted since (history keeps its key)
        return "—"
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def record_changes(current: Any, seen_version: int | None, names: list[str]) -> list[dict]:
    """What changed between the version a user saw and `current`, field by field, from the
    record's audit history (many-to-many fields are not in it and are left out)."""
    history = getattr(current, "history", None)
    if history is None or seen_version is None:
        return []
    seen = history.filter(version=seen_version).order_by("-history_date", "-pk").first()
    if seen is None:
        return []
    fields = {f.name: f for f in current._meta.concrete_fields}
    changes = []
    for name in names:
        field = fields.get(name)
        if field is None or not hasattr(seen, field.attname):
            continue
        if getattr(seen, field.attname) != getattr(current, field.attname):
            changes.append(
                {
                    "name": name,
                    "label": field.verbose_name,
                    "seen": getattr(seen, field.attname),
                    "now": getattr(current, field.attname),
                    "before": _shown(seen, name),
                    "after": _shown(current, name),
                }
            )
    return changes


class ObjectEditView(StaffRequiredMixin, FormView):
    """Create or edit through a service: the form validates, the service writes.

    A DomainError becomes a message plus the re-rendered form; a stale version answers 409.
    """

    template_name = "includes/object_form.html"
    cancel_url: str = "/"

    def selector(self, pk: int):
        raise NotImplementedError

    def create(self, data: dict):
        raise NotImplementedError

    def update(self, obj, expected_version: int | None, data: dict):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        self.object = None
        if "pk" in kwargs and request.user.is_authenticated:
            self.lookup = kwargs["pk"]
            self.object = self.selector(pk=self.lookup)
            if self.object is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.object is not None:
            kwargs["instance"] = self.object
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        context["cancel_url"] = self.cancel_url
        context["model_name"] = self.get_form_class()._meta.model._meta.verbose_name
        return context

    def conflict_response(self, form, seen_version: int | None) -> HttpResponse:
        """Someone saved the record after this user opened it: say so, list what they
        changed, keep this user's entries and carry the current version, so saving again
        applies them knowingly (nothing is overwritten silently, nothing typed is lost)."""
        current = self.selector(pk=self.lookup)
        if current is None:
            raise Http404
        changes = record_changes(current, seen_version, [n for n in form.fields if n != "version"])
        messages.error(
            self.request,
            _(
                "{obj} was changed by someone else after you opened it. Their changes are "
                "listed above the form; your entries are kept. Save again to apply yours."
            ).format(obj=current),
        )
        data = form.data.copy()
        data[form.add_prefix("version")] = str(current.version)
        for change in changes:
            # A field this user left as they saw it takes the other person's value; one
            # they edited keeps their entry (a three-way merge, shown in the table).
            mine = _comparable(form.cleaned_data.get(change["name"]))
            change["kept_mine"] = mine != _comparable(change["seen"])
            if not change["kept_mine"]:
                key, now = form.add_prefix(change["name"]), change["now"]
                if isinstance(now, bool):
                    data.pop(key, None)
                    if now:
                        data[key] = "on"
                else:
                    data[key] = "" if now is None else str(now)
        form.data = data
        context = self.get_context_data(form=form)
        context["conflict_changes"] = changes
        return self.render_to_response(context, status=409)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        try:
            if self.object is None:
                obj = self.create(data)
                messages.success(self.request, _("Created {obj}.").format(obj=obj))
            else:
                obj = self.update(self.object, version, data)
                messages.success(self.request, _("Saved {obj}.").format(obj=obj))
        except VersionConflict:
            return self.conflict_response(form, version)
        except DomainError as err:
            messages.error(self.request, err.message)
            if err.field and err.field in form.fields:
                form.add_error(err.field, err.message)
            return self.render_to_response(self.get_context_data(form=form), status=422)
        except ValidationError as err:
            for field, errors in err.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        return redirect(obj.get_absolute_url())


@never_cache
def me(request: HttpRequest) -> JsonResponse:
    """Who is logged in, with their roles (also the benchmark's trivial authenticated view)."""
    if not request.user.is_authenticated:
        return JsonResponse(error_body("not_authenticated", _("Log in first.")), status=401)
    return JsonResponse(
        {
            "username": request.user.get_username(),
            "roles": list(request.user.groups.values_list("name", flat=True)),
        }
    )
