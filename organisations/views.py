"""Pages for people: thin views over selectors and services."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from organisations import selectors
from organisations.forms import ThrottledAuthenticationForm
from organisations.models import Officer, Role

OFFICERS_PER_PAGE = 50


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


def _require_staff_role(user) -> None:
    if not selectors.user_roles(user).has(Role.TRAINER, Role.LEADERSHIP, Role.ADMIN):
        raise PermissionDenied


@login_required
def home(request):
    """One page per role: what a trainee, trainer, leader or admin needs first."""
    roles = selectors.user_roles(request.user)
    context = {"officer": roles.officer}
    if roles.has(Role.TRAINER, Role.LEADERSHIP, Role.ADMIN):
        context["scope_units"] = selectors.unit_summaries(user=request.user)
    return render(request, "organisations/home.html", context)


@login_required
def unit_list(request):
    _require_staff_role(request.user)
    search = request.GET.get("q", "").strip()
    units = selectors.unit_list(user=request.user, search=search).annotate(
        active_officers=Count("officers", filter=Q(officers__is_active=True))
    )
    return render(request, "organisations/unit_list.html", {"units": units, "search": search})


@login_required
def unit_detail(request, pk: int):
    _require_staff_role(request.user)
    unit = get_object_or_404(selectors.unit_list(user=request.user), pk=pk)
    officers = Paginator(selectors.officer_list(user=request.user, unit=unit), OFFICERS_PER_PAGE)
    context = {
        "unit": unit,
        "ancestors": selectors.unit_ancestors(unit),
        "children": unit.children.order_by("name"),
        "page": officers.get_page(request.GET.get("page")),
        "vetting_choices": Officer.VettingStatus.choices,
    }
    return render(request, "organisations/unit_detail.html", context)
