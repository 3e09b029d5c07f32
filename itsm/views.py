"""The start page: the top layer composes what each app offers."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from catalog.roles import STAFF_ROLES
from catalog.selectors import catalog_summary, user_support_groups


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["roles"] = list(user.groups.order_by("name").values_list("name", flat=True))
        context["is_staff_role"] = user.is_superuser or any(
            r in context["roles"] for r in STAFF_ROLES
        )
        if user.has_perm("catalog.view_service"):
            context["summary"] = catalog_summary()
            context["my_groups"] = user_support_groups(user=user)
        return context
