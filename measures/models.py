"""What a Budget AI measure is, what it involves, and where each fact was stated.

A ``Measure`` is one artificial-intelligence measure of a Budget (the 2026-27 Budget's, or an
earlier commitment one of them continues). It links to the five kinds of ``Record`` it involves
(committees, institutes, funding schemes, bureaux/departments and training courses, all in one
table) through ``MeasureLink``, which says the role each plays. Every fact cites its ``Source``
(``Citation``): the sentences of the news article it was curated from, a Budget Speech
paragraph, a press release. A ``Development`` is what happened to a measure since, and a
``MeasureRelation`` ties it to an earlier or later commitment.

Every record has a Chinese and an English name; ``localized()`` picks the one for the language
of the page being rendered.
"""

import datetime
import functools
import re

from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import search
from .addresses import slug_address
from .money import MAX_AMOUNT as MAX_AMOUNT_HKD


def is_english(language=None):
    return not (language or get_language() or "zh-hant").lower().startswith("zh")


def list_separator(language=None):
    """What stands between the items of a list written in a sentence: "; " in English, "；" in
    Chinese."""
    return "; " if is_english(language) else "；"


def in_language(zh, en, language=None):
    """The Chinese or the English text, following the language; the other one if it is empty."""
    if is_english(language):
        return en or zh
    return zh or en


class BilingualMixin:
    """Reads the Chinese or English variant of a field, following the active language."""

    def localized(self, field, language=None):
        return in_language(getattr(self, f"{field}_zh"), getattr(self, f"{field}_en"), language)

    @property
    def name(self):
        return self.localized("name")

    @property
    def other_name(self):
        """The name in the language the page is not in, shown beside the main one."""
        return self.localized("name", "zh-hant" if is_english() else "en")


@functools.cache
def choice_labels(field):
    """``{value: label}`` of a field with choices (the labels translated when shown)."""
    return dict(field.flatchoices)


class ChoiceLabels:
    """``get_FOO_display()`` reads each field's table of choices, made once. Django's own
    rebuilds that table at every call, translating each label to hash it: a list page of 20
    measures asks about 160 times (4.3 ms that way, 0.5 ms this way)."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(choice_labels(field).get(value, value), strings_only=True)


# Control characters other than tab and line breaks: pasted from a PDF or a word processor
# (a vertical tab, a form feed), they show as nothing on a page but XML cannot hold them.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# A year written in a text, in ASCII or full-width digits (2026, ２０２６).
WRITTEN_YEAR = re.compile(r"(?<![0-9０-９])[0-9０-９]{4}(?![0-9０-９])")


def with_years(label, years, *, always=False):
    """``label`` with ``years`` after it (下半年（2026年）) when it names no year of its own (or
    ``always``): a timing such as 下半年 read a year later would be ambiguous."""
    if always or not WRITTEN_YEAR.search(label):
        return _("%(label)s (%(years)s)") % {"label": label, "years": years}
    return label


class PlainText:
    """Refuses a control character in any text field, on the field (the admin's forms and
    ``import_data`` validate through ``full_clean``)."""

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if field.name in (exclude or ()) or field.name in errors:
                continue
            value = getattr(self, field.attname)
            if isinstance(value, str) and CONTROL_CHARACTER.search(value):
                errors[field.name] = [
                    _(
                        "This text holds a control character, such as a vertical tab pasted "
                        "from a document: type the text again or remove it."
                    )
                ]
        if errors:
            raise ValidationError(errors)


class Versioned(models.Model):
    """Something editors change in the admin: ``version`` rises by one on every save, so a form
    opened on an older version is refused instead of silently undoing a colleague's edit (see
    ``forms.StaleSaveForm``)."""

    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Raised by one on every save")
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


def renamed_objects(objects, slugs):
    """``{slug: object}``: for each of ``slugs`` the object of ``objects`` that had it last, if
    that object is still here under another slug (the change history keeps every slug an object
    had). Three queries, however many slugs."""
    model = objects.model
    former = model.history.filter(slug__in=slugs)
    if getattr(model, "TYPE", ""):  # a kind of record: a slug is unique within its kind
        former = former.filter(type=model.TYPE)
    latest = dict(former.order_by("history_date").values_list("slug", "id"))  # the last wins
    found = objects.exclude(slug__in=slugs).in_bulk(set(latest.values()))
    return {slug: found[pk] for slug, pk in latest.items() if pk in found}


def renamed_object(objects, slug):
    """The object of ``objects`` that had ``slug`` last, if it is still here under another
    slug, or None."""
    return renamed_objects(objects, [slug]).get(slug)


def single_value(queryset, function, field):
    """A subquery giving ``function(field)`` (COUNT, SUM) over ``queryset``'s rows as one value,
    without a GROUP BY."""
    return Subquery(
        queryset.order_by().annotate(value=Func(F(field), function=function)).values("value")
    )


def theme_totals():
    """The values ``Theme.refresh_totals()`` writes (migration 0016 keeps a copy)."""
    themes_table = Measure.themes.through.objects
    serving_several = (
        themes_table.values("measure").annotate(n=Count("theme")).filter(n__gt=1).values("measure")
    )
    served = Measure.objects.filter(themes=OuterRef("pk"))
    with_money = served.filter(amount_hkd__isnull=False, budget=Budget.current())
    return {
        "measure_count": Coalesce(single_value(served, "COUNT", "pk"), 0),
        "measures_with_amount": Coalesce(single_value(with_money, "COUNT", "pk"), 0),
        "total_amount_hkd": single_value(with_money, "SUM", "amount_hkd"),
        "shared_amount_hkd": single_value(
            with_money.filter(pk__in=serving_several), "SUM", "amount_hkd"
        ),
    }


def record_totals():
    """The values ``Record.refresh_totals()`` writes (migration 0016 keeps a copy). A record
    linked to one measure in two roles counts that measure, and its money, once."""
    linked = Measure.objects.filter(
        pk__in=MeasureLink.objects.filter(record=OuterRef(OuterRef("pk"))).values("measure")
    )
    return {
        "measure_count": Coalesce(single_value(linked, "COUNT", "pk"), 0),
        "total_amount_hkd": single_value(
            linked.filter(budget=Budget.current()), "SUM", "amount_hkd"
        ),
    }


class ThemeQuerySet(models.QuerySet):
    def refresh_totals(self):
        """Writes each theme's totals (see ``Theme``) from its measures. The signals call it
        for the themes an edit touches; call it after a bulk load."""
        return self.update(**theme_totals())


class ThemeManager(SlugManager.from_queryset(ThemeQuerySet)):
    pass


class Theme(PlainText, BilingualMixin, Versioned):
    """A theme or sector a measure serves: life and health, embodied AI, flooding, banking ..."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    # Kept by the signals (ThemeQuerySet.refresh_totals()), so that pages listing themes read
    # them instead of counting tens of thousands of measures: how many measures serve it (every
    # Budget's), and for today's Budget how many state an amount, their money, each in full,
    # and how much of it comes from measures that serve other themes too.
    measure_count = models.PositiveIntegerField(_("measures"), default=0, editable=False)
    measures_with_amount = models.PositiveIntegerField(default=0, editable=False)
    total_amount_hkd = models.BigIntegerField(null=True, editable=False)
    shared_amount_hkd = models.BigIntegerField(null=True, editable=False)
    TOTALS_FIELDS = [
        "measure_count",
        "measures_with_amount",
        "total_amount_hkd",
        "shared_amount_hkd",
    ]

    objects = ThemeManager()
    history = HistoricalRecords(
        excluded_fields=[
            "version",
            "measure_count",
            "measures_with_amount",
            "total_amount_hkd",
            "shared_amount_hkd",
        ]
    )

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return f"{self.name_zh} / {self.name_en}"

    def get_absolute_url(self):
        return f"{reverse('measures:measure-list')}?theme={self.slug}"

    def natural_key(self):
        return (self.slug,)


class RecordType(models.TextChoices):
    """The five kinds of record a measure involves, in the order pages list them."""

    COMMITTEE = "committee", _("committee")
    INSTITUTE = "institute", _("institute")
    FUNDING_SCHEME = "funding_scheme", _("funding scheme")
    BUREAU = "bureau", _("bureau or department")
    TRAINING_COURSE = "training_course", _("training course")


class BodyKind(models.TextChoices):
    """What kind of body a bureau or department record is."""

    GOVERNMENT = "government", _("The Government as a whole")
    BUREAU = "bureau", _("Policy bureau")
    DEPARTMENT = "department", _("Government department")
    OFFICE = "office", _("Government office or unit")
    PUBLIC_BODY = "public_body", _("Public body")
    POST = "post", _("Public office holder")


class RecordQuerySet(models.QuerySet):
    def refresh_totals(self):
        """Writes each record's totals (see ``Record``) from its links. The signals call it for
        the records an edit touches; call it after a bulk load."""
        return self.update(**record_totals())

    def most_linked(self, limit):
        """The ``limit`` records of this queryset linked to most measures."""
        return self.order_by("-measure_count", "name_en")[:limit]


class RecordManager(models.Manager.from_queryset(RecordQuerySet)):
    def get_by_natural_key(self, record_type, slug):
        return self.get(type=record_type, slug=slug)


# Kept to connect the proxies of each kind below: django-simple-history records the saves of the
# model it is declared on, and a Bureau's save is sent as the Bureau proxy's.
RECORD_HISTORY = HistoricalRecords(excluded_fields=["version", "measure_count", "total_amount_hkd"])


SLUG_TAKEN_IN_TYPE = _("Another record of this type has this slug.")
ADDRESS_HELP = _(
    "The last part of its page's address. If you change it, the old address leads to the new one."
)
AMOUNT_WITHOUT_TYPE = _("Give an amount and say what it is, or leave both empty.")
ENDS_BEFORE_IT_STARTS = _("A measure cannot end before it starts.")
DEVELOPMENT_SLUG_TAKEN = _("This measure already has a development with this slug.")


class Record(PlainText, ChoiceLabels, BilingualMixin, Versioned):
    """A committee, institute, funding scheme, bureau or department, or training course.

    The five kinds share one table; the few fields that belong to one kind only (listed in
    ``TYPE_FIELDS``) stay empty on the others, as the table's constraints require. Each kind
    has a proxy model (``Committee``, ``Bureau`` ...) with its own admin section and pages, and
    a record read from the database comes back as an instance of its kind's proxy.
    """

    type = models.CharField(_("type"), max_length=20, choices=RecordType.choices)
    slug = models.SlugField(_("slug"), max_length=100, help_text=ADDRESS_HELP)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300)
    short_name_en = models.CharField(
        _("English abbreviation"), max_length=40, blank=True, help_text=_("e.g. HKMA, VTC")
    )
    other_names = models.CharField(
        _("other names"),
        max_length=300,
        blank=True,
        help_text=_(
            "Other names readers may search for, such as the full official name where the "
            "source uses a short one; separated by “; ”"
        ),
    )
    description_zh = models.TextField(_("Chinese description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)

    # Committees only
    chair_zh = models.CharField(
        _("chaired by (Chinese)"), max_length=200, blank=True, help_text=_("As named in the source")
    )
    chair_en = models.CharField(_("chaired by (English)"), max_length=200, blank=True)
    # Bureaux and departments only
    kind = models.CharField(_("kind of body"), max_length=20, choices=BodyKind.choices, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("renamed or succeeded by"),
        null=True,
        blank=True,
        # A body named as another's successor or a course's provider is not deleted until the
        # editor has changed those records (the admin lists them): none loses it unseen.
        on_delete=models.PROTECT,
        related_name="predecessors",
        limit_choices_to={"type": RecordType.BUREAU},
    )
    succession_note_zh = models.CharField(
        _("succession note (Chinese)"), max_length=300, blank=True
    )
    succession_note_en = models.CharField(
        _("succession note (English)"), max_length=300, blank=True
    )
    # Training courses only
    provider = models.ForeignKey(
        "self",
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
        limit_choices_to={"type": RecordType.BUREAU},
        help_text=_("The body that runs it, where the source says"),
    )
    audience_zh = models.CharField(_("audience (Chinese)"), max_length=200, blank=True)
    audience_en = models.CharField(_("audience (English)"), max_length=200, blank=True)

    updated_at = models.DateTimeField(_("last edited"), auto_now=True)

    # Kept by the signals (RecordQuerySet.refresh_totals()), so that the record indexes and the
    # home page read them instead of counting tens of thousands of links: how many measures it
    # takes part in (every Budget's) and the money of those of today's Budget.
    measure_count = models.PositiveIntegerField(_("measures"), default=0, editable=False)
    total_amount_hkd = models.BigIntegerField(null=True, editable=False)
    TOTALS_FIELDS = ["measure_count", "total_amount_hkd"]

    objects = RecordManager()
    history = RECORD_HISTORY

    # The fields every kind has, and those that belong to one kind: what the admin form, the
    # API and the CSV tables show of each kind.
    SHARED_FIELDS = [
        "slug",
        "name_zh",
        "name_en",
        "short_name_en",
        "other_names",
        "description_zh",
        "description_en",
    ]
    TYPE_FIELDS = {
        RecordType.COMMITTEE: ["chair_zh", "chair_en"],
        RecordType.INSTITUTE: [],
        RecordType.FUNDING_SCHEME: [],
        RecordType.BUREAU: ["kind", "successor", "succession_note_zh", "succession_note_en"],
        RecordType.TRAINING_COURSE: ["provider", "audience_zh", "audience_en"],
    }

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("record")
        verbose_name_plural = _("records")
        indexes = [
            models.Index(fields=["type", "name_en"], name="record_type_name_idx"),
            models.Index(
                fields=["type", "-measure_count", "name_en"], name="record_type_busiest_idx"
            ),
            models.Index(fields=["-updated_at"], name="record_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "slug"],
                name="record_slug_unique_in_type",
                violation_error_message=SLUG_TAKEN_IN_TYPE,
            ),
            models.CheckConstraint(
                condition=Q(type__in=RecordType.values),
                name="record_type_valid",
                violation_error_message=_("Choose a type of record from the list."),
            ),
            models.CheckConstraint(
                condition=Q(type=RecordType.COMMITTEE) | Q(chair_zh="", chair_en=""),
                name="record_chair_only_for_committees",
                violation_error_message=_("Only a committee has a chair."),
            ),
            models.CheckConstraint(
                condition=Q(type=RecordType.BUREAU, kind__in=BodyKind.values)
                | ~Q(type=RecordType.BUREAU)
                & Q(
                    kind="",
                    successor__isnull=True,
                    succession_note_zh="",
                    succession_note_en="",
                ),
                name="record_body_fields_only_for_bureaux",
                violation_error_message=_(
                    "A bureau or department needs a kind of body from the list; other records "
                    "have no kind, successor or succession note."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(successor=F("pk")),
                name="record_not_own_successor",
                violation_error_message=_("A body cannot be its own successor."),
            ),
            models.CheckConstraint(
                condition=Q(type=RecordType.TRAINING_COURSE)
                | Q(provider__isnull=True, audience_zh="", audience_en=""),
                name="record_course_fields_only_for_courses",
                violation_error_message=_("Only a training course has a provider and audience."),
            ),
        ]

    def __str__(self):
        return f"{self.name_zh} / {self.name_en}"

    def save(self, *args, **kwargs):
        if not self.type and getattr(type(self), "TYPE", None):
            self.type = type(self).TYPE
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_address(f"measures:{self.type}-detail", self.slug)

    def natural_key(self):
        return (self.type, self.slug)

    def clean(self):
        super().clean()
        errors = {}
        for field_name in ("successor", "provider"):
            related = getattr(self, field_name)
            if related is not None and related.type != RecordType.BUREAU:
                errors[field_name] = _("Choose a bureau or department.")
        # The admin's forms leave the type out (each type's proxy model sets it, a new record's
        # in save()), so Django does not check the (type, slug) constraint before saving:
        # check it here, on the slug.
        record_type = self.type or getattr(type(self), "TYPE", "")
        taken = Record.objects.filter(type=record_type, slug=self.slug).exclude(pk=self.pk)
        if self.slug and taken.exists():
            errors["slug"] = SLUG_TAKEN_IN_TYPE
        # Checked by a constraint too, but that one names the type, which the forms leave out.
        if record_type == RecordType.BUREAU and self.kind not in BodyKind.values:
            errors["kind"] = _("A bureau or department needs a kind of body from the list.")
        if self.type == RecordType.BUREAU and self.successor_id:
            seen, body = {self.pk}, self.successor
            while body is not None:
                if body.pk in seen:
                    errors["successor"] = _("This succession would go round in a circle.")
                    break
                seen.add(body.pk)
                body = body.successor
        if errors:
            raise ValidationError(errors)

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        model = RECORD_MODELS.get(record.__dict__.get("type"))
        if model is not None and cls is not model:
            record.__class__ = model
        return record

    @property
    def record_type(self):
        return self.type

    @property
    def description(self):
        return self.localized("description")

    @property
    def chair(self):
        return self.localized("chair")

    @property
    def succession_note(self):
        return self.localized("succession_note")

    @property
    def audience(self):
        return self.localized("audience")

    @property
    def what_it_is(self):
        """What a reader calls it: its kind of body where one is stated (a public body, a
        government department: Cyberport is no bureau), else its type (a committee)."""
        return self.get_kind_display() or capfirst(self._meta.verbose_name)


class RecordOfTypeManager(RecordManager):
    def get_queryset(self):
        return super().get_queryset().filter(type=self.model.TYPE)


class TypedRecord(Record):
    """What the proxy of one kind of record adds: its manager and list page."""

    TYPE = ""
    url_segment = ""  # of its pages' addresses
    objects = RecordOfTypeManager()

    class Meta:
        proxy = True

    @classmethod
    def get_list_url(cls):
        return reverse(f"measures:{cls.TYPE}-list")


class Committee(TypedRecord):
    """A committee, task force or team that steers or coordinates AI work."""

    TYPE = RecordType.COMMITTEE
    url_segment = "committees"

    class Meta:
        proxy = True
        verbose_name = _("committee")
        verbose_name_plural = _("committees")


class Institute(TypedRecord):
    """A research institute, laboratory platform, university or other education institution."""

    TYPE = RecordType.INSTITUTE
    url_segment = "institutes"

    class Meta:
        proxy = True
        verbose_name = _("institute")
        verbose_name_plural = _("institutes")


class FundingScheme(TypedRecord):
    """A named fund, subsidy scheme or funding programme."""

    TYPE = RecordType.FUNDING_SCHEME
    url_segment = "funding-schemes"

    class Meta:
        proxy = True
        verbose_name = _("funding scheme")
        verbose_name_plural = _("funding schemes")


class Bureau(TypedRecord):
    """A policy bureau, government department, office, team or public body."""

    TYPE = RecordType.BUREAU
    url_segment = "bureaux"

    class Meta:
        proxy = True
        verbose_name = _("bureau or department")
        verbose_name_plural = _("bureaux and departments")


class TrainingCourse(TypedRecord):
    """A course, degree programme, module or training offered under a measure."""

    TYPE = RecordType.TRAINING_COURSE
    url_segment = "training-courses"

    class Meta:
        proxy = True
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")


# Each kind of record's proxy model, in the order of RecordType.
RECORD_MODELS = {
    model.TYPE: model for model in (Committee, Institute, FundingScheme, Bureau, TrainingCourse)
}
for _model in (TypedRecord, *RECORD_MODELS.values()):
    # django-simple-history reads the history manager's name from the model's options, and
    # writes history for the signals of the model it was declared on only.
    _model._meta.simple_history_manager_attribute = Record._meta.simple_history_manager_attribute
    models.signals.post_save.connect(RECORD_HISTORY.post_save, sender=_model, weak=False)
    models.signals.pre_delete.connect(RECORD_HISTORY.pre_delete, sender=_model, weak=False)
    models.signals.post_delete.connect(RECORD_HISTORY.post_delete, sender=_model, weak=False)


class MeasureQuerySet(models.QuerySet):
    def with_amount(self):
        return self.filter(amount_hkd__isnull=False)

    def without_amount(self):
        return self.filter(amount_hkd__isnull=True)

    def money_by_amount_type(self):
        """``[(amount type, total)]``: the money these measures state by what it is (a new
        allocation, an earmark, the size of an existing scheme), in that order, leaving out the
        types none of them has. Only a new allocation is new money in its Budget."""
        totals = dict(
            self.with_amount()
            .values_list("amount_type")
            .annotate(total=models.Sum("amount_hkd"))
            .order_by()
        )
        return [
            (AmountType(value), totals[value]) for value in AmountType.values if value in totals
        ]

    def linked_to(self, records):
        """The measures linked to any of ``records`` (a semi-join: no row repeats)."""
        return self.filter(pk__in=MeasureLink.objects.filter(record__in=records).values("measure"))

    def search(self, query):
        """The measures matching every word of ``query`` (see search.py)."""
        return search.matching(self, query)

    def with_links(self):
        """Each measure's links (``Measure.links()``) with their records, in one query."""
        return self.prefetch_related(
            models.Prefetch(
                "record_links",
                MeasureLink.objects.select_related("record"),
            )
        )

    def refresh_search(self, chunk_size=1000):
        """Rewrites the search documents of these measures that changed (see search.py)."""
        search.refresh_documents(self, chunk_size)

    def without_lead_body(self):
        """The measures no bureau or department leads or funds: those with no link in
        ``MeasureLink.objects.leading()``."""
        return self.exclude(
            Exists(
                MeasureLink.objects.filter(
                    measure=OuterRef("pk"),
                    record__type=RecordType.BUREAU,
                    role__in=[Role.LEADS, Role.FUNDS],
                )
            )
        )

    def of_budget(self, budget=None):
        """The measures a Budget announced (today's when ``budget`` is None)."""
        return self.filter(budget=budget or Budget.current())

    def of_earlier_budgets(self):
        """The commitments of Budgets before today's (named, so the Budget index finds them)."""
        return self.filter(budget__in=[budget for budget in Budget if budget != Budget.current()])

    def from_held_sources(self):
        """The measures curated from a source whose text we hold (the seed article)."""
        quoted = Citation.objects.filter(source__full_text_held=True, measure__isnull=False)
        return self.filter(pk__in=quoted.values("measure"))

    def origins(self):
        """Where today's Budget's measures come from: how many from the article we hold, how
        many from other sources; and how many earlier Budgets' commitments are recorded."""
        current = self.of_budget()
        from_article = current.from_held_sources().count()
        return {
            "from_article": from_article,
            "from_other_sources": current.count() - from_article,
            "earlier": self.of_earlier_budgets().count(),
        }

    def for_display(self):
        """Everything a detail page or the API shows, in a fixed number of queries."""
        return self.with_links().prefetch_related(
            "themes",
            models.Prefetch("citations", Citation.objects.select_related("source")),
            "counts",
            models.Prefetch("developments", Development.objects.for_display().newest_first()),
            models.Prefetch("relations_from", MeasureRelation.objects.select_related("to_measure")),
            models.Prefetch("relations_to", MeasureRelation.objects.select_related("from_measure")),
        )


# Written by refresh_search() and read by search.py: several kilobytes a measure that no page
# shows.
SEARCH_DOCUMENT_FIELDS = ["search_names", "search_text", "search_vector"]


class MeasureManager(SlugManager.from_queryset(MeasureQuerySet)):
    """Measures without their search documents: a page that sorts or counts thousands of
    measures would otherwise carry them all (``defer(None)`` loads them)."""

    def get_queryset(self):
        return super().get_queryset().defer(*SEARCH_DOCUMENT_FIELDS)


class MeasureKind(models.TextChoices):
    GOVERNANCE = "governance", _("Strategy and governance")
    INSTITUTION = "institution", _("New or reorganised body")
    RESEARCH = "research", _("Research and development")
    INDUSTRY = "industry", _("Industry adoption")
    EDUCATION = "education", _("Education and talent")
    WORKFORCE = "workforce", _("Workforce skills")
    PUBLIC_SERVICE = "public_service", _("Government services")


class MeasureStatus(models.TextChoices):
    """Where a measure stands, as the sources describe it (``STATUS_DEFINITIONS`` below)."""

    ANNOUNCED = "announced", _("Announced")
    IN_PREPARATION = "in_preparation", _("In preparation")
    IN_OPERATION = "in_operation", _("In operation")
    ONGOING = "ongoing", _("Ongoing")


# What each status means, for readers (the about page) and editors.
STATUS_DEFINITIONS = {
    MeasureStatus.ANNOUNCED: _(
        "Stated as something that will be done; no work on it reported yet, even where its "
        "stated period has begun."
    ),
    MeasureStatus.IN_PREPARATION: _(
        "Being set up, with a stated start or completion period still ahead."
    ),
    MeasureStatus.IN_OPERATION: _("Newly set up or launched, and now running."),
    MeasureStatus.ONGOING: _(
        "An existing programme that continues, reported with its results so far."
    ),
}


class AmountType(models.TextChoices):
    NEW_ALLOCATION = "new_allocation", _("New allocation")
    EARMARK = "earmark", _("Earmarked or reserved")
    SCHEME_SIZE = "scheme_size", _("Size of an existing scheme")


AMOUNT_TYPE_DEFINITIONS = {
    AmountType.NEW_ALLOCATION: _("New money the Budget allocates to the measure."),
    AmountType.EARMARK: _("Money set aside for the purpose, to be drawn on later."),
    AmountType.SCHEME_SIZE: _(
        "The size of a scheme funded earlier, stated again; not new money in this Budget."
    ),
}


class Budget(models.TextChoices):
    """The Budget that announced a measure: today's, or an earlier one whose commitments today's
    measures continue. Money is added up within one Budget only."""

    BUDGET_2024_25 = "2024-25", _("2024-25 Budget")
    BUDGET_2025_26 = "2025-26", _("2025-26 Budget")
    BUDGET_2026_27 = "2026-27", _("2026-27 Budget")

    @classmethod
    def current(cls):
        return cls.BUDGET_2026_27


# The years a stated date may fall in: a year typed wrong (0001, 9999 for "open-ended") is
# refused, not drawn on the timeline.
PLAUSIBLE_YEARS = range(1950, 2101)
IMPLAUSIBLE_DATE = _("Give a date from 1950 to 2100.")


def implausible_dates(instance, field_names):
    """``{field: message}`` for each date of ``instance`` outside ``PLAUSIBLE_YEARS``."""
    return {
        name: IMPLAUSIBLE_DATE
        for name in field_names
        if getattr(instance, name) is not None
        and getattr(instance, name).year not in PLAUSIBLE_YEARS
    }


# The day each Budget was delivered: the day its measures were announced.
BUDGET_DAYS = {
    Budget.BUDGET_2024_25: datetime.date(2024, 2, 28),
    Budget.BUDGET_2025_26: datetime.date(2025, 2, 26),
    Budget.BUDGET_2026_27: datetime.date(2026, 2, 25),
}


class Measure(PlainText, ChoiceLabels, BilingualMixin, Versioned):
    """One artificial-intelligence measure of a Budget (the 2026-27 Budget's, or an earlier
    commitment that one of them continues)."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True, help_text=ADDRESS_HELP)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300)
    summary_zh = models.TextField(_("Chinese summary"))
    summary_en = models.TextField(_("English summary"))
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices)
    budget = models.CharField(
        _("Budget"),
        max_length=7,
        choices=Budget.choices,
        default=Budget.current,
        help_text=_("The Budget that announced it"),
    )
    status_at_announcement = models.CharField(
        _("status when announced"),
        max_length=20,
        choices=MeasureStatus.choices,
        help_text=_("As the Budget describes it; a later development may move it on"),
    )
    # The latest development's status, or the status when announced (see refresh_status()).
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, editable=False
    )
    status_as_of = models.DateField(_("status as of"), editable=False, null=True)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), related_name="measures", blank=True
    )

    timing_zh = models.CharField(
        _("timing as stated (Chinese)"), max_length=200, blank=True, help_text=_("e.g. 下半年")
    )
    timing_en = models.CharField(
        _("timing as stated (English)"),
        max_length=200,
        blank=True,
        help_text=_("e.g. second half of 2026"),
    )
    starts_on = models.DateField(
        _("starts on"),
        null=True,
        blank=True,
        help_text=_("First day of the stated start period, for sorting and filtering by year"),
    )
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("Last day of the stated period, if any")
    )

    amount_hkd = models.BigIntegerField(
        _("amount (HK$)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AMOUNT_HKD)],
        help_text=_("In whole Hong Kong dollars; empty when the source states no amount"),
    )
    amount_type = models.CharField(
        _("what the amount is"), max_length=20, choices=AmountType.choices, blank=True
    )

    records = models.ManyToManyField(
        Record, through="MeasureLink", related_name="measures", blank=True
    )
    # Written by MeasureQuerySet.refresh_search(), read by search.py; the vector on PostgreSQL
    # only.
    search_names = models.TextField(editable=False, blank=True, default="")
    search_text = models.TextField(editable=False, blank=True, default="")
    search_vector = SearchVectorField(editable=False, null=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)

    # The measure's own columns, in the order the CSV, the API and the admin form show them.
    DESCRIPTION_FIELDS = [
        "slug",
        "name_zh",
        "name_en",
        "summary_zh",
        "summary_en",
        "kind",
        "status",
        "status_as_of",
        "status_at_announcement",
        "budget",
    ]
    # Kept up to date from the developments, never typed in (see refresh_status()).
    DERIVED_FIELDS = ["status", "status_as_of"]
    AMOUNT_FIELDS = ["amount_hkd", "amount_type"]
    TIMING_FIELDS = ["timing_zh", "timing_en", "starts_on", "ends_on"]

    objects = MeasureManager()
    history = HistoricalRecords(excluded_fields=["version", "updated_at", *SEARCH_DOCUMENT_FIELDS])

    class Meta:
        ordering = ["starts_on", "name_en"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [
            # Each holds the id and every other column the filters compare, so filtering by
            # amount, start, kind, status or Budget (and counting the facets of those columns)
            # reads an index alone, never the (wide) table rows.
            models.Index(
                fields=["amount_hkd", "id"],
                include=["kind", "status", "starts_on", "budget"],
                name="measure_amount_filter_idx",
            ),
            models.Index(
                fields=["starts_on", "id"],
                include=["kind", "status", "amount_hkd", "budget"],
                name="measure_starts_filter_idx",
            ),
            models.Index(
                fields=["kind", "status"],
                include=["id", "amount_hkd", "starts_on", "budget"],
                name="measure_kind_filter_idx",
            ),
            models.Index(fields=["-updated_at"], name="measure_updated_idx"),
            # The Budget's totals (also by kind of amount) and the budget filter read this
            # index alone.
            models.Index(
                fields=["budget", "amount_hkd", "id"],
                include=["amount_type"],
                name="measure_budget_amount_idx",
            ),
            # The timeline groups the measures by stated period, read from this index alone.
            models.Index(
                fields=["starts_on", "ends_on", "timing_zh", "timing_en"],
                name="measure_period_idx",
            ),
            # The list's sort orders (see SortFilter); the descending amount and start orders
            # have PostgreSQL-only indexes (migration 0009).
            models.Index(fields=["name_zh", "id"], name="measure_name_zh_idx"),
            models.Index(fields=["name_en", "id"], name="measure_name_en_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_hkd__isnull=True)
                | Q(amount_hkd__gte=0, amount_hkd__lte=MAX_AMOUNT_HKD),
                name="measure_amount_non_negative",
                violation_error_message=_(
                    "An amount must be from zero to HK$1,000,000,000,000,000 (10¹⁵)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(amount_hkd__isnull=True, amount_type="")
                | Q(amount_hkd__isnull=False) & ~Q(amount_type=""),
                name="measure_amount_has_type",
                violation_error_message=AMOUNT_WITHOUT_TYPE,
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MeasureKind.values),
                name="measure_kind_valid",
                violation_error_message=_("Choose a kind from the list."),
            ),
            models.CheckConstraint(
                condition=Q(budget__in=Budget.values),
                name="measure_budget_valid",
                violation_error_message=_("Choose a Budget from the list."),
            ),
            models.CheckConstraint(
                condition=Q(status_at_announcement__in=MeasureStatus.values),
                name="measure_status_at_announcement_valid",
                violation_error_message=_("Choose a status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=MeasureStatus.values),
                name="measure_status_valid",
                violation_error_message=_("Choose a status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(amount_type="") | Q(amount_type__in=AmountType.values),
                name="measure_amount_type_valid",
                violation_error_message=_("Choose what the amount is from the list."),
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="measure_period_in_order",
                violation_error_message=ENDS_BEFORE_IT_STARTS,
            ),
        ]

    def __str__(self):
        return f"{self.name_zh} / {self.name_en}"

    def save(self, *args, **kwargs):
        self.status, self.status_as_of = self.current_status()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *self.DERIVED_FIELDS}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_address("measures:measure-detail", self.slug)

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        super().clean()
        # The constraints check the status the measure will have once saved.
        self.status, self.status_as_of = self.current_status()
        # Two of them compare fields: their errors go on the field to change, where a form
        # shows them (a constraint's error would stand above the whole form).
        errors = implausible_dates(self, ["starts_on", "ends_on"])
        if self.amount_hkd is not None and not self.amount_type:
            errors["amount_type"] = AMOUNT_WITHOUT_TYPE
        elif self.amount_hkd is None and self.amount_type:
            errors["amount_hkd"] = AMOUNT_WITHOUT_TYPE
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = ENDS_BEFORE_IT_STARTS
        if errors:
            raise ValidationError(errors)

    def current_status(self):
        """``(status, as of)``: the latest development's status and date, or, before any
        development, the status when announced, as of the day its Budget was delivered."""
        announced_on = self.announced_on
        if self.pk is None or announced_on is None:  # new, or an unknown Budget (refused)
            return self.status_at_announcement, announced_on
        since = self.developments.filter(happened_on__gte=announced_on).newest_first()
        latest = since.first()
        if latest is None:
            return self.status_at_announcement, announced_on
        moved = since.exclude(status="").first()
        return (moved.status if moved else self.status_at_announcement), latest.happened_on

    @property
    def announced_on(self):
        """The day its Budget was delivered (None for a Budget not in ``BUDGET_DAYS``)."""
        return BUDGET_DAYS.get(self.budget)

    def refresh_status(self):
        """Writes ``current_status()`` if it changed (a development was saved or deleted)."""
        status, as_of = self.current_status()
        if (status, as_of) != (self.status, self.status_as_of):
            self.status, self.status_as_of = status, as_of
            Measure.objects.filter(pk=self.pk).update(status=status, status_as_of=as_of)

    @property
    def is_current_budget(self):
        return self.budget == Budget.current()

    @property
    def summary(self):
        return self.localized("summary")

    @property
    def timing(self):
        """The timing as stated, with the year it starts in when the words name no year (the
        article's 下半年, "the second half", is 2026's): read later, it would be ambiguous. The
        admin shows the timing as stated."""
        stated = self.localized("timing")
        if stated and self.starts_on:
            return with_years(stated, self.starts_on.year)
        return stated

    @property
    def what_it_is(self):
        """What a reader calls it, as ``Record.what_it_is`` says of a record."""
        return capfirst(self._meta.verbose_name)

    def related_measures(self, limit=5):
        """Other measures sharing linked records or themes with this one, the closest first.

        Each record or theme a measure shares with this one brings it closer by one divided by
        how many measures it has (its stored ``measure_count``), as a rare word says more about
        a text than a common one: a theme of three measures relates them more than the
        Government, linked to dozens. One of more than ``RELATED_THROUGH_AT_MOST`` measures
        (the Government, a department in thousands of measures) is not counted at all, which
        also bounds the work. Uses the prefetched links and themes of ``for_display()``.
        """
        record_ids = {
            link.record_id
            for link in self.links()
            if link.record.measure_count <= RELATED_THROUGH_AT_MOST
        }
        theme_ids = {
            theme.pk
            for theme in self.themes.all()
            if theme.measure_count <= RELATED_THROUGH_AT_MOST
        }
        shared_links = MeasureLink.objects.filter(record__in=record_ids)
        shared_themes = Measure.themes.through.objects.filter(theme__in=theme_ids)
        return list(
            Measure.objects.filter(
                Q(pk__in=shared_links.values("measure")) | Q(pk__in=shared_themes.values("measure"))
            )
            .exclude(pk=self.pk)
            .annotate(
                closeness=closeness_through(shared_links, "record")
                + closeness_through(shared_themes, "theme")
            )
            .order_by("-closeness", "pk")[:limit]
        )

    def relations(self):
        """``[(label, other measure, relation)]``: the measures this one relates to, as read
        from this page (prefetched by ``for_display()``)."""
        both = [*self.relations_from.all(), *self.relations_to.all()]
        return [(relation.label_from(self), relation.other(self), relation) for relation in both]

    def sources(self):
        """Every source cited for this measure or its developments, oldest first, once each
        (prefetched by ``for_display()``)."""
        cited = {citation.source for citation in self.citations.all()}
        for development in self.developments.all():
            cited.update(citation.source for citation in development.citations.all())
        return sorted(cited, key=lambda source: (source.published_on, source.slug))

    @property
    def from_held_source(self):
        """Whether the measure was curated from a source whose text we hold (the seed)."""
        return any(citation.source.full_text_held for citation in self.citations.all())

    def links(self):
        """Every linked record with its role, by kind of record, then name (prefetched by
        ``with_links()`` or ``for_display()``)."""
        return sorted(self.record_links.all(), key=MeasureLink.display_order)


# See Measure.related_measures().
RELATED_THROUGH_AT_MOST = 500


def closeness_through(links, field):
    """How close the records or themes (``field``) that ``links`` hold bring a measure (the
    outer query's): one divided by each one's number of measures, summed over each record or
    theme once (a measure may link a record in two roles); 0 when none."""
    shared = links.model._meta.get_field(field).related_model.objects.filter(
        pk__in=links.filter(measure=OuterRef(OuterRef("pk"))).values(field)
    )
    weighted = shared.annotate(
        weight=Cast(Value(1), FloatField()) / Greatest(F("measure_count"), Value(1))
    )
    return Coalesce(single_value(weighted, "SUM", "weight"), Value(0.0))


class Role(models.TextChoices):
    SUBJECT = "subject", _("Subject of the measure")
    CHAIRS = "chairs", _("Chairs")
    LEADS = "leads", _("Leads")
    FUNDS = "funds", _("Funds")
    DELIVERS = "delivers", _("Delivers")
    PARTNERS = "partners", _("Partners")
    PROVIDES_TRAINING = "provides_training", _("Provides training")
    COORDINATES = "coordinates", _("Coordinates")
    BENEFITS = "benefits", _("Benefits")


RECORD_TYPE_POSITIONS = {value: position for position, value in enumerate(RecordType.values)}


def in_record_type_order(field="type"):
    """An expression giving each record type its position in ``RecordType`` (for ordering)."""
    return Case(
        *(
            When(**{field: value}, then=Value(position))
            for value, position in RECORD_TYPE_POSITIONS.items()
        ),
        output_field=models.IntegerField(),
    )


class MeasureLinkQuerySet(models.QuerySet):
    def with_measures(self):
        """Each link with its measure, in the same query (without the measure's search
        documents, as ``Measure.objects`` reads it)."""
        return self.select_related("measure").defer(
            *(f"measure__{name}" for name in SEARCH_DOCUMENT_FIELDS)
        )

    def leading(self):
        """The links naming each measure's lead body: the bureaux or departments said to lead
        it; where none is, those that fund it."""
        bureaux = self.filter(record__type=RecordType.BUREAU)
        # One list of the measures a bureau leads, not a lookup per link: PostgreSQL hashes it
        # while it fits in work_mem (27,000 measures at N = 100,000: the funding page's lead
        # bodies took 63 ms instead of 169 ms).
        led = MeasureLink.objects.filter(record__type=RecordType.BUREAU, role=Role.LEADS)
        return bureaux.filter(
            Q(role=Role.LEADS) | Q(role=Role.FUNDS) & ~Q(measure__in=led.values("measure"))
        )


class MeasureLinkManager(models.Manager.from_queryset(MeasureLinkQuerySet)):
    def get_by_natural_key(self, measure_slug, record_type, record_slug, role):
        return self.get(
            measure__slug=measure_slug,
            record__type=record_type,
            record__slug=record_slug,
            role=role,
        )


class MeasureLink(PlainText, ChoiceLabels, models.Model):
    """A measure's link to one record, with the role that record plays in the measure."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="record_links"
    )
    record = models.ForeignKey(
        Record, verbose_name=_("record"), on_delete=models.PROTECT, related_name="measure_links"
    )
    role = models.CharField(
        _("role"),
        max_length=20,
        choices=Role.choices,
        help_text=_(
            "Leads and Funds decide the measure's lead body on the funding page (a bureau, "
            "department or public body that leads it, else one that funds it)."
        ),
    )
    note_zh = models.CharField(
        _("note (Chinese)"),
        max_length=300,
        blank=True,
        help_text=_("What the source says of this role, shown beside it (e.g. 已預留資源)"),
    )
    note_en = models.CharField(_("note (English)"), max_length=300, blank=True)

    objects = MeasureLinkManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("linked record")
        verbose_name_plural = _("linked records")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "record", "role"],
                name="measurelink_unique_role",
                violation_error_message=_("This record already has this role in the measure."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values),
                name="measurelink_role_valid",
                violation_error_message=_("Choose a role from the list."),
            ),
        ]
        indexes = [models.Index(fields=["record", "measure"], name="measurelink_record_idx")]

    def __str__(self):
        return f"{self.record.name} ({self.get_role_display()})"

    def natural_key(self):
        return (self.measure.slug, self.record.type, self.record.slug, self.role)

    natural_key.dependencies = ["measures.measure", "measures.record"]

    def display_order(self):
        """Sorts links by kind of record (in the order of ``RecordType``), then record name."""
        return (RECORD_TYPE_POSITIONS[self.record.type], self.record.name_en, self.pk)

    @property
    def record_type(self):
        return self.record.type

    @property
    def note(self):
        return in_language(self.note_zh, self.note_en)


class Approximation(models.TextChoices):
    """How the source qualifies a number it states."""

    EXACT = "exact", _("as stated")
    ABOUT = "about", _("about")  # 約
    NEARLY = "nearly", _("nearly")  # 近: a little under


def approximation_field():
    return models.CharField(
        _("approximation"),
        max_length=10,
        choices=Approximation.choices,
        default=Approximation.EXACT,
        help_text=_("As the source words the number: about (約) or nearly (近)"),
    )


class StatedNumber:
    """A number a source states (with ``approximation = approximation_field()``)."""

    @property
    def is_approximate(self):
        return self.approximation != Approximation.EXACT


class MeasureCountManager(models.Manager):
    def get_by_natural_key(self, measure_slug, unit_en):
        return self.get(measure__slug=measure_slug, unit_en=unit_en)


class MeasureCount(StatedNumber, PlainText, models.Model):
    """A number the source states about a measure: 16 laboratories, about 30 projects ..."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="counts")
    value = models.PositiveIntegerField(_("number"))
    approximation = approximation_field()
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=100, help_text=_("e.g. 間實驗室"))
    unit_en = models.CharField(
        _("unit (English)"), max_length=100, help_text=_("e.g. laboratories")
    )

    objects = MeasureCountManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "unit_en"]
        verbose_name = _("stated count")
        verbose_name_plural = _("stated counts")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "unit_en"],
                name="measurecount_unique_unit",
                violation_error_message=_("This measure already states a count in this unit."),
            ),
        ]

    def __str__(self):
        return f"{self.value} {self.unit_en}"

    def natural_key(self):
        return (self.measure.slug, self.unit_en)

    natural_key.dependencies = ["measures.measure"]

    @property
    def unit(self):
        return in_language(self.unit_zh, self.unit_en)


class SourceKind(models.TextChoices):
    NEWS_ARTICLE = "news_article", _("News article")
    BUDGET_SPEECH = "budget_speech", _("Budget Speech")
    PRESS_RELEASE = "press_release", _("Government press release")
    GOVERNMENT_NEWS = "government_news", _("Government news")
    LEGCO_REPLY = "legco_reply", _("Legislative Council question and reply")
    POLICY_ADDRESS = "policy_address", _("Policy Address")


class SourceLanguage(models.TextChoices):
    CHINESE = "zh-hant", _("Chinese")
    ENGLISH = "en", _("English")


class SourceQuerySet(models.QuerySet):
    def with_citation_counts(self):
        """Annotates how many facts each source supports, and how many of them are measures
        (the measures the list's ``source`` filter gives)."""
        return self.annotate(
            citation_count=Count("citations"),
            measure_citation_count=Count("citations", filter=Q(citations__measure__isnull=False)),
        )


class SourceManager(SlugManager.from_queryset(SourceQuerySet)):
    pass


class Source(PlainText, ChoiceLabels, BilingualMixin, Versioned):
    """A published text the knowledge base states its facts from: a news article, a Budget
    Speech, a Government press release, a reply to the Legislative Council ..."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind of source"), max_length=20, choices=SourceKind.choices)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=SourceLanguage.choices,
        help_text=_("The language the source is written in"),
    )
    publisher_zh = models.CharField(_("publisher (Chinese)"), max_length=100)
    publisher_en = models.CharField(_("publisher (English)"), max_length=100)
    title_zh = models.CharField(
        _("title (Chinese)"),
        max_length=300,
        help_text=_("The source's own title if it is in Chinese, otherwise our translation"),
    )
    title_en = models.CharField(
        _("title (English)"),
        max_length=300,
        help_text=_("The source's own title if it is in English, otherwise our translation"),
    )
    section_zh = models.CharField(_("section (Chinese)"), max_length=50, blank=True)
    published_on = models.DateField(_("published on"))
    published_time = models.TimeField(
        _("time published"), null=True, blank=True, help_text=_("Hong Kong time, where stated")
    )
    url = models.URLField(_("address"), max_length=500)
    has_numbered_paragraphs = models.BooleanField(
        _("numbers its paragraphs"),
        default=False,
        help_text=_("As a Budget Speech does: every citation of it then gives the paragraph"),
    )
    full_text_held = models.BooleanField(
        _("we hold its full text"),
        default=False,
        help_text=_(
            "Its citations quote it verbatim, and check_sources checks the quotes against it"
        ),
    )

    objects = SourceManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-published_on", "slug"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values),
                name="source_kind_valid",
                violation_error_message=_("Choose a kind of source from the list."),
            ),
            models.CheckConstraint(
                condition=Q(language__in=SourceLanguage.values),
                name="source_language_valid",
                violation_error_message=_("Choose the source's language from the list."),
            ),
        ]

    def __str__(self):
        return f"{self.publisher_en}: {self.title_en} ({self.published_on:%Y-%m-%d})"

    def get_absolute_url(self):
        return f"{reverse('measures:source-list')}#{self.slug}"

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        super().clean()
        errors = implausible_dates(self, ["published_on"])
        if self.published_on and self.published_on > timezone.localdate():
            errors["published_on"] = _("A source's date cannot be after today.")
        if errors:
            raise ValidationError(errors)

    @property
    def publisher(self):
        return self.localized("publisher")

    @property
    def title(self):
        """The title in the page's language (ours where the source is in the other)."""
        return self.localized("title")

    @property
    def original_title(self):
        """The title as the source itself gives it."""
        return self.title_en if self.language == SourceLanguage.ENGLISH else self.title_zh

    @property
    def html_language(self):
        return "zh-Hant-HK" if self.language == SourceLanguage.CHINESE else "en"


class CitationManager(models.Manager):
    def get_by_natural_key(self, measure_slug, development_slug, source_slug, paragraph):
        citations = self.filter(source__slug=source_slug, paragraph=paragraph)
        if development_slug:
            return citations.get(
                development__measure__slug=measure_slug, development__slug=development_slug
            )
        return citations.get(measure__slug=measure_slug)


class Citation(PlainText, models.Model):
    """Where a fact was stated: a source (and its paragraph) cited for a measure or for one of
    its developments. Where we hold the source's text, the sentences are quoted verbatim."""

    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        related_name="citations",
        db_index=False,  # citation_source_idx starts with it
    )
    measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.CASCADE,
        related_name="citations",
        null=True,
        blank=True,
    )
    development = models.ForeignKey(
        "Development",
        verbose_name=_("development"),
        on_delete=models.CASCADE,
        related_name="citations",
        null=True,
        blank=True,
    )
    paragraph = models.PositiveSmallIntegerField(
        _("paragraph"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "The paragraph's number where the source numbers them (a Budget Speech); for a "
            "news article we hold, its body paragraphs counted from 1"
        ),
    )
    quote_zh = models.TextField(
        _("quoted sentences (Chinese)"),
        blank=True,
        help_text=_("Copied verbatim, where we hold the source's text"),
    )

    objects = CitationManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["source__published_on", "source__slug", "paragraph", "pk"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        # A source's first citations, and how many it has, read from the index alone.
        indexes = [models.Index(fields=["source", "id"], name="citation_source_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(measure__isnull=False, development__isnull=True)
                | Q(measure__isnull=True, development__isnull=False),
                name="citation_supports_one_thing",
                violation_error_message=_("A citation supports a measure or a development."),
            ),
            models.UniqueConstraint(
                fields=["measure", "source", "paragraph"],
                name="citation_unique_for_measure",
                condition=Q(paragraph__isnull=False),
                violation_error_message=_("This paragraph is already cited for this measure."),
            ),
            models.UniqueConstraint(
                fields=["measure", "source"],
                name="citation_unique_unnumbered_for_measure",
                condition=Q(paragraph__isnull=True),
                violation_error_message=_("This source is already cited for this measure."),
            ),
            models.UniqueConstraint(
                fields=["development", "source", "paragraph"],
                name="citation_unique_for_development",
                condition=Q(paragraph__isnull=False),
                violation_error_message=_("This paragraph is already cited for this development."),
            ),
            models.UniqueConstraint(
                fields=["development", "source"],
                name="citation_unique_unnumbered_for_development",
                condition=Q(paragraph__isnull=True),
                violation_error_message=_("This source is already cited for this development."),
            ),
            models.CheckConstraint(
                condition=Q(paragraph__isnull=True) | Q(paragraph__gte=1),
                name="citation_paragraph_positive",
                violation_error_message=_("Paragraphs are counted from 1."),
            ),
        ]

    def __str__(self):
        if self.paragraph:
            return f"{self.source.publisher_en} ¶{self.paragraph}"
        return self.source.publisher_en

    def natural_key(self):
        if self.development_id:
            development = self.development
            return (development.measure.slug, development.slug, self.source.slug, self.paragraph)
        return (self.measure.slug, "", self.source.slug, self.paragraph)

    natural_key.dependencies = ["measures.measure", "measures.development", "measures.source"]

    def clean(self):
        super().clean()
        if self.source_id and self.source.has_numbered_paragraphs and self.paragraph is None:
            raise ValidationError(
                {"paragraph": _("This source numbers its paragraphs: give the paragraph.")}
            )
        if self.quote_zh and self.source_id and not self.source.full_text_held:
            raise ValidationError({"quote_zh": _("Quote only a source whose full text we hold.")})


class DevelopmentManager(models.Manager):
    def get_by_natural_key(self, measure_slug, slug):
        return self.get(measure__slug=measure_slug, slug=slug)


class DatePrecision(models.TextChoices):
    DAY = "day", _("day")
    MONTH = "month", _("month only")


class DevelopmentQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-happened_on", "-pk")

    def for_display(self):
        return self.select_related("measure").prefetch_related(
            models.Prefetch("citations", Citation.objects.select_related("source")),
            "figures",
        )


class Development(PlainText, ChoiceLabels, BilingualMixin, Versioned):
    """Something that happened to a measure after it was announced, on a date, from sources:
    a board appointed, a tender awarded, construction begun. It may move the measure to a new
    status; the measure's status is its latest development's (see ``Measure.refresh_status``)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="developments"
    )
    slug = models.SlugField(_("slug"), max_length=100, help_text=_("Unique within its measure"))
    happened_on = models.DateField(
        _("date"), help_text=_("Where only the month is known, its first day")
    )
    date_precision = models.CharField(
        _("date known to the"), max_length=5, choices=DatePrecision.choices, default="day"
    )
    text_zh = models.TextField(_("what happened (Chinese)"))
    text_en = models.TextField(_("what happened (English)"))
    status = models.CharField(
        _("status it moved the measure to"),
        max_length=20,
        choices=MeasureStatus.choices,
        blank=True,
        help_text=_("Empty when the status did not change"),
    )
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)

    objects = DevelopmentManager.from_queryset(DevelopmentQuerySet)()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("development")
        verbose_name_plural = _("developments")
        indexes = [
            models.Index(fields=["-happened_on", "-id"], name="development_date_idx"),
            models.Index(fields=["measure", "-happened_on"], name="development_measure_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "slug"],
                name="development_slug_unique_in_measure",
                violation_error_message=DEVELOPMENT_SLUG_TAKEN,
            ),
            models.CheckConstraint(
                condition=Q(status="") | Q(status__in=MeasureStatus.values),
                name="development_status_valid",
                violation_error_message=_("Choose a status from the list."),
            ),
            models.CheckConstraint(
                condition=Q(date_precision__in=DatePrecision.values),
                name="development_precision_valid",
                violation_error_message=_("Say whether the day or only the month is known."),
            ),
        ]

    def __str__(self):
        return f"{self.happened_on:%Y-%m-%d} {self.measure.slug}: {self.text[:60]}"

    def get_absolute_url(self):
        return f"{self.measure.get_absolute_url()}#development-{self.slug}"

    @property
    def is_before_announcement(self):
        """Happened before the Budget that announced its measure was delivered (a tender run
        beforehand, say): part of the story, but it moves no status (see
        ``Measure.current_status``)."""
        announced_on = self.measure.announced_on
        return announced_on is not None and self.happened_on < announced_on

    def natural_key(self):
        return (self.measure.slug, self.slug)

    natural_key.dependencies = ["measures.measure"]

    def clean(self):
        super().clean()
        errors = implausible_dates(self, ["happened_on"])
        if self.happened_on and self.happened_on > timezone.localdate():
            errors["happened_on"] = _(
                "A development is something that has happened: its date cannot be after today."
            )
        if (
            self.date_precision == DatePrecision.MONTH
            and self.happened_on
            and self.happened_on.day != 1
        ):
            errors["happened_on"] = _("Where only the month is known, give its first day.")
        # On the slug, where a form shows it, rather than as the constraint's error above it.
        if self.measure_id and self.slug:
            taken = Development.objects.filter(measure_id=self.measure_id, slug=self.slug)
            if taken.exclude(pk=self.pk).exists():
                errors["slug"] = DEVELOPMENT_SLUG_TAKEN
        if errors:
            raise ValidationError(errors)

    @property
    def text(self):
        return self.localized("text")

    @property
    def month_only(self):
        return self.date_precision == DatePrecision.MONTH


class DevelopmentFigureManager(models.Manager):
    def get_by_natural_key(self, measure_slug, development_slug, label_en):
        return self.get(
            development__measure__slug=measure_slug,
            development__slug=development_slug,
            label_en=label_en,
        )


class DevelopmentFigure(StatedNumber, PlainText, models.Model):
    """A figure a development states that is not Government spending: a land premium paid to
    the Government, a company's investment commitment, computing power, jobs. It is a stated
    fact only: never a measure's amount, never added to a money total."""

    development = models.ForeignKey(Development, on_delete=models.CASCADE, related_name="figures")
    label_zh = models.CharField(_("what it is (Chinese)"), max_length=200)
    label_en = models.CharField(_("what it is (English)"), max_length=200)
    value = models.DecimalField(_("number"), max_digits=20, decimal_places=2)
    is_money = models.BooleanField(
        _("in Hong Kong dollars"), default=False, help_text=_("Shown as HK$; never a spending")
    )
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=50, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=50, blank=True)
    approximation = approximation_field()

    objects = DevelopmentFigureManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["development", "pk"]
        verbose_name = _("stated figure")
        verbose_name_plural = _("stated figures")
        constraints = [
            models.UniqueConstraint(
                fields=["development", "label_en"],
                name="developmentfigure_unique_label",
                violation_error_message=_("This development already states this figure."),
            ),
            models.CheckConstraint(
                condition=Q(is_money=False) | Q(unit_zh="", unit_en=""),
                name="developmentfigure_money_has_no_unit",
                violation_error_message=_("An amount in HK$ needs no other unit."),
            ),
        ]

    def __str__(self):
        return f"{self.label_en}: {self.value} {self.unit_en}".strip()

    def natural_key(self):
        return (*self.development.natural_key(), self.label_en)

    natural_key.dependencies = ["measures.development"]

    @property
    def label(self):
        return in_language(self.label_zh, self.label_en)

    @property
    def unit(self):
        return in_language(self.unit_zh, self.unit_en)


class RelationKind(models.TextChoices):
    """How one measure relates to another, read from the first: "continues" the second."""

    CONTINUES = "continues", _("continues")
    FUNDS = "funds", _("funds")
    FOLLOWS_FROM = "follows_from", _("follows from")


# How each relation reads from the other measure: its code and its label.
INVERSE_RELATIONS = {
    RelationKind.CONTINUES: ("continued_by", _("continued by")),
    RelationKind.FUNDS: ("funded_by", _("funded by")),
    RelationKind.FOLLOWS_FROM: ("led_to", _("led to")),
}


class MeasureRelationManager(models.Manager):
    def get_by_natural_key(self, from_slug, to_slug, kind):
        return self.get(from_measure__slug=from_slug, to_measure__slug=to_slug, kind=kind)


class MeasureRelation(PlainText, ChoiceLabels, models.Model):
    """One measure continuing, funding or following from another: a 2026-27 measure and the
    commitment an earlier Budget made, for example."""

    from_measure = models.ForeignKey(
        Measure,
        verbose_name=_("measure"),
        on_delete=models.CASCADE,
        related_name="relations_from",
    )
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    to_measure = models.ForeignKey(
        Measure,
        verbose_name=_("related measure"),
        on_delete=models.CASCADE,
        related_name="relations_to",
    )
    note_zh = models.CharField(_("note (Chinese)"), max_length=300, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=300, blank=True)

    objects = MeasureRelationManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["from_measure", "kind", "to_measure"]
        verbose_name = _("relation between measures")
        verbose_name_plural = _("relations between measures")
        constraints = [
            models.UniqueConstraint(
                fields=["from_measure", "to_measure", "kind"],
                name="measurerelation_unique",
                violation_error_message=_("These measures already have this relation."),
            ),
            models.CheckConstraint(
                condition=~Q(from_measure=F("to_measure")),
                name="measurerelation_not_to_itself",
                violation_error_message=_("A measure cannot relate to itself."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RelationKind.values),
                name="measurerelation_kind_valid",
                violation_error_message=_("Choose a relation from the list."),
            ),
        ]

    def __str__(self):
        return f"{self.from_measure.slug} {self.kind} {self.to_measure.slug}"

    def clean(self):
        super().clean()
        # Checked by a constraint too, which Django skips in a measure's inline rows: the
        # measure there is the page's, not a field of the row.
        if self.from_measure_id is not None and self.from_measure_id == self.to_measure_id:
            raise ValidationError({"to_measure": _("A measure cannot relate to itself.")})

    def natural_key(self):
        return (self.from_measure.slug, self.to_measure.slug, self.kind)

    natural_key.dependencies = ["measures.measure"]

    @property
    def note(self):
        return in_language(self.note_zh, self.note_en)

    def reading_from(self, measure):
        """The relation's code as read from ``measure``: ``continues`` or ``continued_by`` ..."""
        if measure.pk == self.from_measure_id:
            return self.kind
        return INVERSE_RELATIONS[self.kind][0]

    def label_from(self, measure):
        """How the relation reads on ``measure``'s page."""
        if measure.pk == self.from_measure_id:
            return self.get_kind_display()
        return INVERSE_RELATIONS[self.kind][1]

    def other(self, measure):
        return self.to_measure if measure.pk == self.from_measure_id else self.from_measure


class DataRevision(models.Model):
    """A counter raised by every change to the knowledge base (see ``signals.py``).

    Caches, ETags and Last-Modified headers are keyed on it, so a saved edit is visible on the
    very next request in every worker. Bulk ``QuerySet.update()`` bypasses it: call ``bump()``.

    The current revision is also kept in the cache, so a cached page costs no database query:
    ``bump()`` drops it at once and writes the new one when the transaction commits. Its short
    lifetime bounds what a rare race between two simultaneous edits could leave behind.
    """

    CACHE_KEY = "data-revision"
    CACHE_SECONDS = 2

    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("data revision")

    def __str__(self):
        return f"revision {self.number} ({self.changed_at:%Y-%m-%d %H:%M:%S})"

    @classmethod
    def current(cls):
        revision = cache.get(cls.CACHE_KEY)
        if revision is None:
            revision = cls.from_database()
            cache.add(cls.CACHE_KEY, revision, cls.CACHE_SECONDS)
        return revision

    @classmethod
    def from_database(cls):
        revision = cls.objects.filter(pk=1).first()
        return revision or cls(pk=1, number=0, changed_at=timezone.now())

    @classmethod
    def bump(cls):
        updated = cls.objects.filter(pk=1).update(number=F("number") + 1, changed_at=timezone.now())
        if not updated:
            cls.objects.get_or_create(pk=1, defaults={"number": 1})
        cache.delete(cls.CACHE_KEY)
        transaction.on_commit(cls.publish)

    @classmethod
    def publish(cls):
        cache.set(cls.CACHE_KEY, cls.from_database(), cls.CACHE_SECONDS)
