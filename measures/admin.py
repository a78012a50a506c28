"""The editors' admin: every record editable, with its change history one click away."""

from django.contrib import admin
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .forms import MeasureAdminForm
from .models import (
    Article,
    Bureau,
    Citation,
    Committee,
    FundingScheme,
    Institute,
    Measure,
    MeasureBureau,
    MeasureCommittee,
    MeasureCount,
    MeasureFundingScheme,
    MeasureInstitute,
    MeasureTrainingCourse,
    Theme,
    TrainingCourse,
)
from .money import format_amount

admin.site.site_header = _("Budget 2026 AI measures: editors")
admin.site.site_title = _("Budget 2026 AI measures")
admin.site.index_title = _("Knowledge base")


class HasAmountFilter(admin.SimpleListFilter):
    title = _("amount stated")
    parameter_name = "has_amount"

    def lookups(self, request, model_admin):
        return [("yes", _("Amount stated")), ("no", _("No amount stated"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.with_amount()
        if self.value() == "no":
            return queryset.without_amount()
        return queryset


class LinkInline(admin.TabularInline):
    extra = 0
    autocomplete_fields = ["record"]
    fields = ["record", "role", "note_zh", "note_en"]


class CommitteeLinkInline(LinkInline):
    model = MeasureCommittee


class InstituteLinkInline(LinkInline):
    model = MeasureInstitute


class FundingSchemeLinkInline(LinkInline):
    model = MeasureFundingScheme


class BureauLinkInline(LinkInline):
    model = MeasureBureau


class TrainingCourseLinkInline(LinkInline):
    model = MeasureTrainingCourse


class CountInline(admin.TabularInline):
    model = MeasureCount
    extra = 0
    fields = ["value", "is_approximate", "unit_zh", "unit_en"]


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 0
    autocomplete_fields = ["article"]
    fields = [("article", "paragraph", "speech_paragraph"), "quote_zh"]


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    form = MeasureAdminForm
    list_display = [
        "name_zh",
        "name_en",
        "kind",
        "status",
        "amount_display",
        "timing_en",
        "updated_at",
    ]
    list_display_links = ["name_zh", "name_en"]
    list_filter = ["kind", "status", HasAmountFilter, "amount_type", "themes"]
    search_fields = [
        "slug",
        "name_zh",
        "name_en",
        "summary_zh",
        "summary_en",
        "timing_zh",
        "timing_en",
    ]
    prepopulated_fields = {"slug": ["name_en"]}
    autocomplete_fields = ["themes"]
    readonly_fields = ["created_at", "updated_at", "version"]
    fieldsets = [
        (None, {"fields": ["slug", ("name_zh", "name_en"), ("summary_zh", "summary_en")]}),
        (_("Classification"), {"fields": [("kind", "status"), "themes"]}),
        (_("Timing"), {"fields": [("timing_zh", "timing_en"), ("starts_on", "ends_on")]}),
        (_("Money"), {"fields": [("amount_hkd", "amount_type")]}),
        (_("Record"), {"fields": [("created_at", "updated_at", "version"), "opened_version"]}),
    ]
    inlines = [
        CommitteeLinkInline,
        InstituteLinkInline,
        FundingSchemeLinkInline,
        BureauLinkInline,
        TrainingCourseLinkInline,
        CountInline,
        CitationInline,
    ]

    @admin.display(description=_("amount"), ordering="amount_hkd")
    def amount_display(self, measure):
        if measure.amount_hkd is None:
            return "—"
        return format_amount(measure.amount_hkd, get_language())


class LinkedRecordAdmin(SimpleHistoryAdmin):
    list_display = ["name_zh", "name_en", "short_name_en", "slug", "measure_count", "updated_at"]
    list_display_links = ["name_zh", "name_en"]
    search_fields = [
        "slug",
        "name_zh",
        "name_en",
        "short_name_en",
        "description_zh",
        "description_en",
    ]
    prepopulated_fields = {"slug": ["name_en"]}
    readonly_fields = ["updated_at"]
    extra_fields = []
    fieldsets = [
        (None, {"fields": ["slug", ("name_zh", "name_en"), "short_name_en"]}),
        (_("Description"), {"fields": [("description_zh", "description_en")]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_measure_totals()

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.extra_fields:
            fieldsets.insert(1, (_("Details"), {"fields": self.extra_fields}))
        return fieldsets + [(_("Record"), {"fields": ["updated_at"]})]

    @admin.display(description=_("measures"), ordering="measure_count")
    def measure_count(self, record):
        return record.measure_count


@admin.register(Committee)
class CommitteeAdmin(LinkedRecordAdmin):
    extra_fields = [("chair_zh", "chair_en")]


@admin.register(Institute)
class InstituteAdmin(LinkedRecordAdmin):
    pass


@admin.register(FundingScheme)
class FundingSchemeAdmin(LinkedRecordAdmin):
    pass


@admin.register(Bureau)
class BureauAdmin(LinkedRecordAdmin):
    list_display = [*LinkedRecordAdmin.list_display[:3], "kind", "successor", "measure_count"]
    list_filter = ["kind"]
    autocomplete_fields = ["successor"]
    extra_fields = ["kind", "successor", ("succession_note_zh", "succession_note_en")]


@admin.register(TrainingCourse)
class TrainingCourseAdmin(LinkedRecordAdmin):
    list_display = [*LinkedRecordAdmin.list_display[:3], "provider", "measure_count"]
    list_filter = ["provider"]
    autocomplete_fields = ["provider"]
    extra_fields = ["provider", ("audience_zh", "audience_en")]


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["name_zh", "name_en", "slug"]
    search_fields = ["slug", "name_zh", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}
    fields = ["slug", ("name_zh", "name_en")]


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["headline_zh", "publisher_zh", "published_at"]
    search_fields = ["slug", "headline_zh", "headline_en", "publisher_zh", "publisher_en"]
    fields = [
        "slug",
        ("publisher_zh", "publisher_en"),
        ("headline_zh", "headline_en"),
        ("section_zh", "published_at"),
        "url",
    ]
