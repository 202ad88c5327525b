"""The reviewers' back office: a queue of plan reviews and one page per review with the
sheets (those changed since the last round marked, earlier versions kept), every comment of
the permit by number, and the forms to take the review, comment on a sheet, resolve a comment
and decide. Plain forms and redirects: it all works without JavaScript.

Who sees a review follows the staff role table (`permits.selectors_reviews.reviews_scope`);
every write goes through `permits.services.reviews`, which checks the reviewer's role in the
review's department. Nothing here writes.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases import permissions
from cases.exceptions import CaseError
from permits import selectors_reviews as selectors
from permits import workflow as wf
from permits.correction_letters import letter_filename, letter_pdf
from permits.models import PlanSheet
from permits.models.reviews import PlanReview, ReviewComment
from permits.plan_files import sheet_response
from permits.review_forms import (
    ReviewAddForm,
    ReviewAssignForm,
    ReviewCommentForm,
    ReviewDecisionForm,
)
from permits.services import reviews as services


class OpenReviewFilter(admin.SimpleListFilter):
    title = gettext_lazy("review")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Open")), ("mine", gettext_lazy("Mine, open"))]

    def queryset(self, request, queryset):
        # A withdrawn or cancelled permit's undecided reviews wait for nobody.
        waiting = queryset.filter(
            decided_at__isnull=True,
            work_item__closed_at__isnull=True,
            permit__case__closed_at__isnull=True,
        )
        if self.value() == "yes":
            return waiting
        if self.value() == "mine":
            return waiting.filter(work_item__assignee=request.user)
        return queryset


@admin.register(PlanReview)
class PlanReviewAdmin(admin.ModelAdmin):
    list_display = ["reference", "department", "round", "reviewer", "due_date", "decided"]
    list_filter = [OpenReviewFilter, "decision", "work_item__department"]
    search_fields = ["=permit__case__reference", "permit__address"]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        return selectors.review_queue(user=request.user)

    # What a member of staff reaches follows their roles, not model permissions: the queue
    # shows the reviews `reviews_scope` allows, and the services judge every write.
    def has_module_permission(self, request):
        return permissions.can(request.user, permissions.VIEW)

    def has_view_permission(self, request, obj=None):
        return permissions.can(request.user, permissions.VIEW)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("reference"), ordering="permit__case__reference")
    def reference(self, review):
        return review.permit.case.reference

    @admin.display(description=gettext_lazy("department"))
    def department(self, review):
        return review.work_item.department

    @admin.display(description=gettext_lazy("round"), ordering="work_item__round")
    def round(self, review):
        return review.work_item.round

    @admin.display(description=gettext_lazy("reviewer"))
    def reviewer(self, review):
        return review.work_item.assignee or "—"

    @admin.display(description=gettext_lazy("due date"), ordering="work_item__due_date")
    def due_date(self, review):
        return review.work_item.due_date

    @admin.display(description=gettext_lazy("decision"), ordering="decision")
    def decided(self, review):
        if review.cancelled:
            return review.work_item.get_outcome_display()
        return review.get_decision_display() or "—"

    def get_urls(self):
        def wrap(view, *decorators):
            for decorator in decorators:
                view = decorator(view)
            return self.admin_site.admin_view(view)

        return [
            path(
                "<int:review_id>/take/",
                wrap(self.take_view, require_POST),
                name="permits_planreview_take",
            ),
            path(
                "<int:review_id>/assign/",
                wrap(self.assign_view, require_POST),
                name="permits_planreview_assign",
            ),
            path(
                "<int:review_id>/add/",
                wrap(self.add_view, require_POST),
                name="permits_planreview_add",
            ),
            path(
                "<int:review_id>/comment/",
                wrap(self.comment_view, require_POST),
                name="permits_planreview_comment",
            ),
            path(
                "<int:review_id>/comments/<int:comment_id>/resolve/",
                wrap(self.resolve_view, require_POST),
                name="permits_planreview_resolve",
            ),
            path(
                "<int:review_id>/decide/",
                wrap(self.decide_view, require_POST),
                name="permits_planreview_decide",
            ),
            path(
                "<int:review_id>/sheets/<int:sheet_id>/",
                wrap(self.sheet_view, require_GET, never_cache),
                name="permits_planreview_sheet",
            ),
            path(
                "<int:review_id>/letters/<int:round_>/",
                wrap(self.letter_view, require_GET, never_cache),
                name="permits_planreview_letter",
            ),
            *super().get_urls(),
        ]

    # --- The review page ---------------------------------------------------------------

    def review_page(
        self, request: HttpRequest, review_id: int, *, comment_form=None, decision_form=None
    ) -> HttpResponse:
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        permit = review.permit
        item = review.work_item
        sheets = selectors.sheets_for_review(permit=permit, round_=item.round)
        comments = selectors.comments_for_review(permit=permit)
        may_review = services.may_review(request.user, item.department)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Plan review of %(reference)s: %(department)s, round %(round)s")
            % {
                "reference": permit.case.reference,
                "department": item.department.name,
                "round": item.round,
            },
            "review": review,
            "item": item,
            "permit": permit,
            "case": permit.case,
            "sheets": sheets,
            "comments": comments,
            "standings": selectors.review_standings(permit=permit),
            "letters": selectors.letters_of(permit=permit),
            "may_review": may_review,
            "may_act": may_review and review.is_open,
            "is_mine": item.assignee_id == request.user.pk,
            "comment_form": comment_form
            or ReviewCommentForm(sheets=[sheet.current for sheet in sheets]),
            "decision_form": decision_form or ReviewDecisionForm(),
            "case_url": reverse("admin:cases_case_change", args=[permit.case_id]),
            # Clerks and supervisors of the department hand reviews out; of the permit's
            # department, they add a department's review to the round.
            "may_assign": review.is_open
            and permissions.can(request.user, permissions.ASSIGN, item.department),
            "assign_form": ReviewAssignForm(
                initial={"assignee": item.assignee_id},
                reviewers=selectors.reviewers_of(department=item.department),
            ),
            "may_add": permit.case.status == wf.IN_REVIEW
            and permissions.can(request.user, permissions.ASSIGN, permit.case),
            "add_form": ReviewAddForm(),
        }
        status = 400 if (comment_form or decision_form) else 200
        return render(request, "permits/admin/review.html", context, status=status)

    def _back(self, review_id: int, anchor: str = "") -> HttpResponseRedirect:
        url = reverse("admin:permits_planreview_change", args=[review_id])
        return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))

    def take_view(self, request: HttpRequest, review_id: int) -> HttpResponse:
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        try:
            services.review_assign(review=review, assignee=request.user, actor=request.user)
        except (services.ReviewRefused, CaseError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The review is yours."))
        return self._back(review_id)

    def assign_view(self, request: HttpRequest, review_id: int) -> HttpResponse:
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        form = ReviewAssignForm(
            request.POST, reviewers=selectors.reviewers_of(department=review.work_item.department)
        )
        if not form.is_valid():
            messages.error(
                request, _("Reviews can only be given to reviewers of their department.")
            )
            return self._back(review_id)
        try:
            services.review_assign(
                review=review, assignee=form.cleaned_data["assignee"], actor=request.user
            )
        except (services.ReviewRefused, CaseError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Assignment saved."))
        return self._back(review_id)

    def add_view(self, request: HttpRequest, review_id: int) -> HttpResponse:
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        form = ReviewAddForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose the department."))
            return self._back(review_id)
        try:
            added = services.review_add(
                permit=review.permit, department=form.cleaned_data["department"], actor=request.user
            )
        except (services.ReviewRefused, CaseError) as error:
            messages.error(request, str(error))
            return self._back(review_id)
        messages.success(
            request,
            _("%(department)s reviews these plans in this round.")
            % {"department": added.work_item.department.name},
        )
        return self._back(review_id)

    def comment_view(self, request: HttpRequest, review_id: int) -> HttpResponse:
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        sheets = PlanSheet.objects.filter(permit_id=review.permit_id, removed_at__isnull=True)
        form = ReviewCommentForm(request.POST, sheets=sheets)
        if not form.is_valid():
            return self.review_page(request, review_id, comment_form=form)
        sheet = sheets.get(pk=form.cleaned_data["sheet"])
        try:
            comment = services.review_comment_add(
                review=review, sheet=sheet, text=form.cleaned_data["text"], actor=request.user
            )
        except services.ReviewRefused as error:
            form.add_error(None, str(error))
            return self.review_page(request, review_id, comment_form=form)
        messages.success(request, _("Comment %(number)s added.") % {"number": comment.number})
        return self._back(review_id, "comments")

    def resolve_view(self, request: HttpRequest, review_id: int, comment_id: int) -> HttpResponse:
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        comment = ReviewComment.objects.filter(pk=comment_id, permit_id=review.permit_id).first()
        if comment is None:
            raise Http404
        try:
            services.review_comment_resolve(comment=comment, actor=request.user)
        except services.ReviewRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Comment %(number)s resolved.") % {"number": comment.number}
            )
        return self._back(review_id, "comments")

    def decide_view(self, request: HttpRequest, review_id: int) -> HttpResponse:
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        form = ReviewDecisionForm(request.POST)
        if not form.is_valid():
            return self.review_page(request, review_id, decision_form=form)
        try:
            services.review_decide(
                review=review,
                decision=form.cleaned_data["decision"],
                conditions=form.cleaned_data["conditions"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except (services.ReviewRefused, CaseError) as error:
            form.add_error(None, str(error))
            return self.review_page(request, review_id, decision_form=form)
        messages.success(request, _("Decision recorded."))
        return self._back(review_id)

    def sheet_view(self, request: HttpRequest, review_id: int, sheet_id: int) -> FileResponse:
        """One version of a sheet of the review's permit, shown in the browser (a PDF that
        passed the portal's checks on upload), with nosniff and no caching."""
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        if not permissions.can(
            request.user, permissions.VIEW_DOCUMENTS, review.work_item.department
        ):
            raise Http404
        sheet = PlanSheet.objects.filter(pk=sheet_id, permit_id=review.permit_id).first()
        if sheet is None:
            raise Http404
        return sheet_response(sheet, cache="private, no-store")

    def letter_view(self, request: HttpRequest, review_id: int, round_: int) -> HttpResponse:
        """A correction letter as the applicant received it (in their language)."""
        review = selectors.review_for_staff(user=request.user, pk=review_id)
        letter = selectors.letter_of(permit=review.permit, round_=round_)
        response = HttpResponse(letter_pdf(letter=letter), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{letter_filename(letter)}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return self.review_page(request, int(object_id))
