"""Integration pages: your API tokens; integrations with their tokens and mapping rules."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.exceptions import DomainError
from core.views import StaffRequiredMixin
from integrations import selectors, services
from integrations.forms import (
    AlertRuleForm,
    IntegrationForm,
    IntegrationTokenForm,
    PersonalTokenForm,
)
from integrations.models import Integration, TokenKind


class TokenListView(LoginRequiredMixin, TemplateView):
    """Your personal tokens: create (the secret is shown once, on this answer), list, revoke."""

    template_name = "integrations/token_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = selectors.tokens_visible(actor=self.request.user).filter(
            kind=TokenKind.PERSONAL
        )
        context.setdefault("form", PersonalTokenForm())
        return context

    def post(self, request, *args, **kwargs):
        form = PersonalTokenForm(request.POST)
        if form.is_valid():
            try:
                token, plain = services.token_create(actor=request.user, **form.cleaned_data)
            except DomainError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                return self.render_to_response(
                    self.get_context_data(new_token=token, secret=plain), status=201
                )
        return self.render_to_response(self.get_context_data(form=form), status=422)


class TokenRevokeView(LoginRequiredMixin, View):
    def post(self, request, pk):
        try:
            token = services.token_revoke(actor=request.user, token_id=pk)
        except DomainError:
            raise Http404 from None
        messages.success(request, _("Token {name} revoked.").format(name=token.name))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("integrations:token_list")
        return redirect(target)


class IntegrationListView(StaffRequiredMixin, TemplateView):
    permission_required = "integrations.change_integration"
    template_name = "integrations/integration_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["integrations"] = selectors.integration_list()
        context.setdefault("form", IntegrationForm())
        return context

    def post(self, request, *args, **kwargs):
        form = IntegrationForm(request.POST)
        if form.is_valid():
            try:
                integration = services.integration_create(
                    actor=request.user, data=form.cleaned_data
                )
            except DomainError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                messages.success(request, _("Integration {name} created.").format(name=integration))
                return redirect("integrations:integration_detail", pk=integration.pk)
        return self.render_to_response(self.get_context_data(form=form), status=422)


class IntegrationDetailView(StaffRequiredMixin, TemplateView):
    """One integration: its settings, its tokens and its label mapping rules."""

    permission_required = "integrations.change_integration"
    template_name = "integrations/integration_detail.html"

    def dispatch(self, request, *args, **kwargs):
        self.integration = (
            Integration.objects.select_related("default_service", "user")
            .filter(pk=kwargs["pk"])
            .first()
        )
        if self.integration is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        integration = self.integration
        context["integration"] = integration
        context["tokens"] = selectors.tokens_visible(actor=self.request.user).filter(
            integration=integration
        )
        context["rules"] = selectors.integration_rules(integration_id=integration.pk)
        context["recent_alerts"] = selectors.integration_recent_alerts(
            integration_id=integration.pk
        )
        context.setdefault("form", IntegrationForm(instance=integration))
        context.setdefault("token_form", IntegrationTokenForm())
        context.setdefault("rule_form", AlertRuleForm())
        name = "alertmanager" if integration.kind == "alertmanager" else "events"
        try:
            context["endpoint"] = self.request.build_absolute_uri(
                reverse("integrations-api:" + name)
            )
        except NoReverseMatch:
            context["endpoint"] = ""
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        pk = self.integration.pk
        if action == "token":
            form = IntegrationTokenForm(request.POST)
            if form.is_valid():
                token, plain = services.token_create(
                    actor=request.user, integration=self.integration, **form.cleaned_data
                )
                return self.render_to_response(
                    self.get_context_data(new_token=token, secret=plain), status=201
                )
            return self.render_to_response(self.get_context_data(token_form=form), status=422)
        if action == "rule":
            form = AlertRuleForm(request.POST)
            if form.is_valid():
                services.alert_rule_create(
                    actor=request.user, integration_id=pk, data=form.cleaned_data
                )
                messages.success(request, _("Rule added."))
                return redirect("integrations:integration_detail", pk=pk)
            return self.render_to_response(self.get_context_data(rule_form=form), status=422)
        if action == "delete_rule":
            services.alert_rule_delete(
                actor=request.user, integration_id=pk, rule_id=request.POST.get("rule")
            )
            messages.success(request, _("Rule removed."))
            return redirect("integrations:integration_detail", pk=pk)
        form = IntegrationForm(request.POST, instance=self.integration)
        if form.is_valid():
            try:
                services.integration_update(
                    actor=request.user, integration_id=pk, data=form.cleaned_data
                )
            except DomainError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("integrations:integration_detail", pk=pk)
        return self.render_to_response(self.get_context_data(form=form), status=422)
