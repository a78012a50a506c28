"""The editors' admin: every record editable, with its change history one click away."""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import Truncator, capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .forms import MeasureAdminForm, StaleSaveForm
from .models import (
    RECORD_MODELS,
    Citation,
    Development,
    DevelopmentFigure,
    Measure,
    MeasureCount,
    MeasureLink,
    MeasureRelation,
    Record,
    RecordType,
    Source,
    Theme,
    choice_labels,
)
from .money import format_amount


class UsableIdsOnly:
    """An autocomplete box showing a submitted form again leaves out values that cannot be an
    id (a tampered ``themes=abc``): Django's would ask the database for them and fail."""

    def optgroups(self, name, value, attr=None):
        pk = self.field.remote_field.model._meta.pk
        usable = []
        for each in value:
            try:
                pk.to_python(each)
            except ValidationError:
                continue
            usable.append(each)
        return super().optgroups(name, usable, attr)


class NamedBoxes:
    """Autocomplete boxes that screen readers can name: select2 labels a box by the value it
    shows, and a box of several values not at all (static/js/admin-autocomplete.js)."""

    @property
    def media(self):
        # After Django's jQuery and autocomplete.js, which make the boxes.
        after = ["admin/js/jquery.init.js", "admin/js/autocomplete.js"]
        return super().media + forms.Media(js=[*after, "js/admin-autocomplete.js"])


class SafeAutocompleteSelect(UsableIdsOnly, NamedBoxes, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(UsableIdsOnly, NamedBoxes, AutocompleteSelectMultiple):
    def build_attrs(self, base_attrs, extra_attrs=None):
        # No "remove all" cross: select2 puts it inside the box's list of values, where a
        # list may hold only items; each value keeps its own cross.
        return {**super().build_attrs(base_attrs, extra_attrs), "data-allow-clear": "false"}


class SafeAutocomplete:
    """Admins and inlines whose autocomplete boxes are ``UsableIdsOnly``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                SafeAutocompleteSelectMultiple(
                    db_field, self.admin_site, using=kwargs.get("using")
                ),
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ReadableHistory(HistoricalRecordContextHelper):
    """The change history shows values as editors read them: a choice's label, not its code;
    an amount as HK$200,000,000."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if getattr(field, "choices", None) and value not in (None, ""):
            return str(choice_labels(field).get(value, value))
        if field.name == "amount_hkd" and value is not None:
            return f"HK${value:,}"
        return super().prepare_delta_change_value(change, value)


class KnowledgeBaseAdmin(SafeAutocomplete, SimpleHistoryAdmin):
    """The history pages answer 404, not 500, for an address whose ids are not numbers, and
    show values as editors read them."""

    # django-simple-history's list, without its inline style (the site's CSP blocks it) and
    # with room for changes made in a measure's inlines (``history_rows``).
    object_history_list_template = "admin/object_history_list.html"

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistory(self.model, historical_record)

    def render_history_view(self, request, template, context, **kwargs):
        # django-simple-history renders both the history list and one version's form (to
        # revert to it) through this method: only the list has a page of versions.
        if "page_obj" in context:
            context.update(self.history_rows(context["page_obj"], context["object"]))
        return super().render_history_view(request, template, context, **kwargs)

    def history_rows(self, page, obj):
        """``history_rows`` (the rows of the history list's ``page`` of versions of ``obj``)
        and ``history_count`` (how many in all)."""
        return {"history_rows": page.object_list, "history_count": page.paginator.count}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Long names and notes get a box wide enough to read them whole; an address typed
        without its scheme is taken as https."""
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if (
            formfield is not None
            and isinstance(db_field, models.CharField)
            and (db_field.max_length or 0) >= 200
        ):
            formfield.widget.attrs["class"] = "vTextField wide-text"
        return formfield

    def history_view(self, request, object_id, extra_context=None):
        self.check_id(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.check_id(object_id)
        if not str(version_id).isdigit():
            raise Http404(_("There is no such version."))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def check_id(self, object_id):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404(_("There is no such record.")) from None


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


class LabelledDeleteBoxes(BaseInlineFormSet):
    def get_unique_error_message(self, unique_check):
        # Django names the repeated fields by their code ("record and role").
        names = [str(self.model._meta.get_field(name).verbose_name) for name in unique_check]
        return super().get_unique_error_message(names)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete")


class LabelledRows:
    """Inline rows are a table whose column headings are not the boxes' labels: each box says
    its field's name to screen readers instead."""

    formset = LabelledDeleteBoxes

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", str(db_field.verbose_name))
        return formfield


class LinkInline(LabelledRows, SafeAutocomplete, admin.TabularInline):
    model = MeasureLink
    extra = 0
    autocomplete_fields = ["record"]
    fields = ["record", "role", "note_zh", "note_en"]


class CountInline(LabelledRows, admin.TabularInline):
    model = MeasureCount
    extra = 0
    fields = ["value", "approximation", "unit_zh", "unit_en"]


class CitationRows(BaseInlineFormSet):
    """A measure's or a development's citations: a source is cited once without a paragraph,
    and each of its paragraphs once. The database's unique constraints say so too, but being
    conditional they are not checked across the rows of one form, so two such rows saved
    together would fail in the database instead of showing a message."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("source") is None:
                continue
            cited = (data["source"].pk, data.get("paragraph"))
            if cited in seen:
                message = (
                    _("This paragraph of the source is cited twice.")
                    if cited[1] is not None
                    else _("This source is cited twice without a paragraph.")
                )
                form.add_error("source", message)
            seen.add(cited)


class CitationInline(SafeAutocomplete, admin.StackedInline):
    model = Citation
    formset = CitationRows
    fk_name = "measure"
    extra = 0
    autocomplete_fields = ["source"]
    fields = [("source", "paragraph"), "quote_zh"]


class DevelopmentInline(admin.StackedInline):
    """A measure's developments; their sources and figures are edited on each development's
    own page (the link under each)."""

    model = Development
    form = StaleSaveForm
    extra = 0
    fields = [
        ("happened_on", "date_precision", "status"),
        ("text_zh", "text_en"),
        "slug",
        "opened_version",
    ]
    show_change_link = True
    ordering = ["-happened_on", "-pk"]


class RelationInline(LabelledRows, SafeAutocomplete, admin.TabularInline):
    model = MeasureRelation
    fk_name = "from_measure"
    extra = 0
    autocomplete_fields = ["to_measure"]
    fields = ["kind", "to_measure", "note_zh", "note_en"]


@dataclass
class InlineChange:
    """A row of a measure's inline (a linked record, a stated count, a citation) added, changed
    or removed, as the measure's history lists it among the measure's own changes."""

    history_object: str
    action: str
    history_date: datetime
    history_user: object
    history_delta_changes: list
    is_inline_change = True

    @property
    def history_user_id(self):
        return getattr(self.history_user, "pk", None)


INLINE_ACTIONS = {"+": _("Added"), "~": _("Changed"), "-": _("Removed")}


def inline_changes(model, measure_id, measure_field="measure"):
    """Every change to the rows of ``model`` that belong (or belonged) to the measure through
    ``measure_field``, each compared with the row's previous version. Historical rows keep the
    measure's id, so rows since removed are listed too."""
    history = (
        model.history.filter(**{f"{measure_field}_id": measure_id})
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous = {}
    for entry in history:
        before = previous.get(entry.id)
        previous[entry.id] = entry
        changes = []
        if entry.history_type == "~" and before is not None:
            delta = entry.diff_against(before, foreign_keys_are_objs=True)
            if not delta.changes:
                continue
            changes = ReadableHistory(model, entry).context_for_delta_changes(delta)
        yield InlineChange(
            history_object=_("%(kind)s: %(name)s")
            % {"kind": capfirst(model._meta.verbose_name), "name": describe(entry.instance)},
            action=INLINE_ACTIONS[entry.history_type],
            history_date=entry.history_date,
            history_user=entry.history_user,
            history_delta_changes=changes,
        )


def describe(row):
    """An inline row as editors know it: the record and its role, the count, the citation."""
    try:
        if isinstance(row, MeasureCount):
            return f"{row.value} {row.unit}"
        return str(row)
    except ObjectDoesNotExist:  # it named a record or article deleted since
        return _("(a record deleted since)")


def page_period(page):
    """The times a page of history covers, newest first: from its oldest entry (from the
    beginning, on the last page) until the oldest entry of the page before (until now, on
    the first page)."""
    since = page[-1].history_date if page.has_next() else None
    until = None
    if page.has_previous():
        until = page.paginator.object_list[page.start_index() - 2].history_date
    return since, until


@admin.register(Measure)
class MeasureAdmin(KnowledgeBaseAdmin):
    form = MeasureAdminForm
    list_display = [
        "name_zh",
        "name_en",
        "kind",
        "status",
        "amount_display",
        "timing_in_language",
        "updated_at",
    ]
    list_display_links = ["name_zh", "name_en"]
    list_filter = ["budget", "kind", "status", HasAmountFilter, "amount_type", "themes"]
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
    readonly_fields = ["status", "status_as_of", "created_at", "updated_at", "version"]
    fieldsets = [
        (None, {"fields": ["slug", ("name_zh", "name_en"), ("summary_zh", "summary_en")]}),
        (
            _("Classification"),
            {
                "fields": [
                    ("budget", "kind"),
                    ("status_at_announcement", "status", "status_as_of"),
                    "themes",
                ],
                "description": _(
                    "The status is that of the latest development below, or the status when "
                    "announced while there is none."
                ),
            },
        ),
        (_("Timing"), {"fields": [("timing_zh", "timing_en"), ("starts_on", "ends_on")]}),
        (_("Money"), {"fields": [("amount_hkd", "amount_type")]}),
        (_("Record"), {"fields": [("created_at", "updated_at", "version"), "opened_version"]}),
    ]
    inlines = [
        LinkInline,
        CountInline,
        CitationInline,
        DevelopmentInline,
        RelationInline,
    ]

    # Inlines whose changes the measure's history lists among its own, with the field that
    # names the measure.
    history_inlines = [
        (MeasureLink, "measure"),
        (MeasureCount, "measure"),
        (Citation, "measure"),
        (Development, "measure"),
        (MeasureRelation, "from_measure"),
    ]

    def history_rows(self, page, obj):
        since, until = page_period(page)
        changes = [
            change
            for model, field in self.history_inlines
            for change in inline_changes(model, obj.pk, field)
        ]
        on_page = [
            change
            for change in changes
            if (since is None or change.history_date >= since)
            and (until is None or change.history_date < until)
        ]
        rows = sorted([*page, *on_page], key=lambda row: row.history_date, reverse=True)
        return {"history_rows": rows, "history_count": page.paginator.count + len(changes)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "amount_hkd" in form.changed_data and obj.amount_hkd is not None:
            self.message_user(
                request,
                _("The amount was read as HK$%(amount)s.") % {"amount": f"{obj.amount_hkd:,}"},
                messages.INFO,
            )

    @admin.display(description=_("amount"), ordering="amount_hkd")
    def amount_display(self, measure):
        if measure.amount_hkd is None:
            return "—"
        return format_amount(measure.amount_hkd, get_language())

    @admin.display(description=_("timing as stated"), ordering="starts_on")
    def timing_in_language(self, measure):
        return measure.localized("timing") or "—"


class LabelledCitationRows(LabelledDeleteBoxes, CitationRows):
    pass


class DevelopmentCitationInline(LabelledRows, SafeAutocomplete, admin.TabularInline):
    model = Citation
    formset = LabelledCitationRows
    fk_name = "development"
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "paragraph"]
    verbose_name = _("source")
    verbose_name_plural = _("sources")


class FigureInline(LabelledRows, admin.TabularInline):
    model = DevelopmentFigure
    extra = 0
    fields = ["label_zh", "label_en", "value", "is_money", "unit_zh", "unit_en", "approximation"]


@admin.register(Development)
class DevelopmentAdmin(KnowledgeBaseAdmin):
    """A development with its sources and the figures it states."""

    form = StaleSaveForm
    list_display = ["happened_on", "measure", "text_in_language", "status"]
    list_filter = ["status", "date_precision"]
    search_fields = ["slug", "text_zh", "text_en", "measure__name_zh", "measure__name_en"]
    date_hierarchy = "happened_on"
    autocomplete_fields = ["measure"]

    @admin.display(description=_("what happened"))
    def text_in_language(self, development):
        return Truncator(development.text).chars(120)

    readonly_fields = ["updated_at", "version"]
    fields = [
        "measure",
        ("happened_on", "date_precision"),
        "slug",
        ("text_zh", "text_en"),
        "status",
        ("updated_at", "version"),
        "opened_version",
    ]
    inlines = [DevelopmentCitationInline, FigureInline]


class RecordAdmin(KnowledgeBaseAdmin):
    """One kind of record (``model.TYPE``): its shared fields and those of its kind."""

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
    form = StaleSaveForm

    def get_list_display(self, request):
        if self.model.TYPE == RecordType.BUREAU:
            return [*self.list_display[:3], "kind", "successor", "measure_count"]
        if self.model.TYPE == RecordType.TRAINING_COURSE:
            return [*self.list_display[:3], "provider", "measure_count"]
        return self.list_display

    def get_list_filter(self, request):
        return {RecordType.BUREAU: ["kind"], RecordType.TRAINING_COURSE: ["provider"]}.get(
            self.model.TYPE, []
        )

    def get_autocomplete_fields(self, request):
        own = Record.TYPE_FIELDS[self.model.TYPE]
        return [name for name in ("successor", "provider") if name in own]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (None, {"fields": ["slug", ("name_zh", "name_en"), "short_name_en", "other_names"]}),
            (_("Description"), {"fields": [("description_zh", "description_en")]}),
        ]
        own = paired(Record.TYPE_FIELDS[self.model.TYPE])
        if own:
            fieldsets.append((_("Details"), {"fields": own}))
        return fieldsets + [(_("Record"), {"fields": ["updated_at", "opened_version"]})]


def paired(field_names):
    """Chinese and English variants of a field side by side: ``[("chair_zh", "chair_en")]``."""
    result = []
    for name in field_names:
        if name.endswith("_en") and result and result[-1] == name.removesuffix("_en") + "_zh":
            result[-1] = (result[-1], name)
        else:
            result.append(name)
    return result


for _model in RECORD_MODELS.values():
    admin.site.register(_model, RecordAdmin)


@admin.register(Record)
class AnyRecordAdmin(RecordAdmin):
    """Every record, whatever its kind: what the link inline's autocomplete searches. Not
    listed on the admin index; editors edit a record in the section of its kind."""

    list_display = ["name_zh", "name_en", "type", "short_name_en", "measure_count"]
    list_filter = ["type"]

    def get_model_perms(self, request):
        return {}

    def get_list_display(self, request):
        return self.list_display

    def get_list_filter(self, request):
        return self.list_filter

    def get_autocomplete_fields(self, request):
        return []

    def has_add_permission(self, request):
        # A record is added in the section of its kind, which sets its type (so the link
        # inline offers no "+" beside the record).
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, object_id)
        if record is None:
            return super().change_view(request, object_id, form_url, extra_context)
        address = reverse(f"admin:measures_{record._meta.model_name}_change", args=[record.pk])
        query = request.META.get("QUERY_STRING")  # a popup (_popup, _to_field) stays a popup
        return redirect(f"{address}?{query}" if query else address)


@admin.register(Theme)
class ThemeAdmin(KnowledgeBaseAdmin):
    list_display = ["name_zh", "name_en", "slug"]
    search_fields = ["slug", "name_zh", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}
    form = StaleSaveForm
    fields = ["slug", ("name_zh", "name_en"), "opened_version"]


@admin.register(Source)
class SourceAdmin(KnowledgeBaseAdmin):
    form = StaleSaveForm
    list_display = ["title_in_language", "kind", "publisher_in_language", "published_on"]
    list_filter = ["kind", "language"]
    search_fields = ["slug", "title_zh", "title_en", "publisher_zh", "publisher_en", "url"]
    fields = [
        "slug",
        ("kind", "language"),
        ("publisher_zh", "publisher_en"),
        ("title_zh", "title_en"),
        ("section_zh", "published_on", "published_time"),
        "url",
        ("has_numbered_paragraphs", "full_text_held"),
        "opened_version",
    ]

    @admin.display(description=_("title"), ordering="title_en")
    def title_in_language(self, source):
        return source.title

    @admin.display(description=_("publisher"), ordering="publisher_en")
    def publisher_in_language(self, source):
        return source.publisher
