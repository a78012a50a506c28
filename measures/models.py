"""What a Budget AI measure is, what it involves, and where each fact was stated.

A ``Measure`` is one artificial-intelligence measure of the 2026-27 Budget. It links to the five
kinds of ``Record`` it involves (committees, institutes, funding schemes, bureaux/departments and
training courses, all in one table) through ``MeasureLink``, which says the role each plays.
Every measure cites the sentences it was curated from (``Citation``) in a news ``Article``.

Every record has a Chinese and an English name; ``localized()`` picks the one for the language
of the page being rendered.
"""

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
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import search
from .money import MAX_AMOUNT as MAX_AMOUNT_HKD


def is_english(language=None):
    return not (language or get_language() or "zh-hant").lower().startswith("zh")


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


class ThemeQuerySet(models.QuerySet):
    def with_measure_totals(self):
        """Annotates how many measures serve each theme (``measure_count``), how many of them
        state an amount (``measures_with_amount``), the money they carry, each in full
        (``total_amount_hkd``), and how much of it comes from measures that serve other themes
        too (``shared_amount_hkd``)."""
        serving_several = (
            Measure.themes.through.objects.values("measure")
            .annotate(n=Count("theme"))
            .filter(n__gt=1)
            .values("measure")
        )
        return self.annotate(
            measure_count=Count("measures"),
            measures_with_amount=Count("measures", filter=Q(measures__amount_hkd__isnull=False)),
            total_amount_hkd=Sum("measures__amount_hkd"),
            shared_amount_hkd=Sum("measures__amount_hkd", filter=Q(measures__in=serving_several)),
        )


class ThemeManager(SlugManager.from_queryset(ThemeQuerySet)):
    pass


class Theme(BilingualMixin, Versioned):
    """A theme or sector a measure serves: life and health, embodied AI, flooding, banking ..."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    objects = ThemeManager()
    history = HistoricalRecords(excluded_fields=["version"])

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

    BUREAU = "bureau", _("Policy bureau")
    DEPARTMENT = "department", _("Government department")
    OFFICE = "office", _("Government office or unit")
    PUBLIC_BODY = "public_body", _("Public body")
    POST = "post", _("Public office holder")


class RecordQuerySet(models.QuerySet):
    def with_measure_totals(self):
        """Annotates how many measures each record is linked to and the money they carry.

        A record linked to one measure in two roles counts that measure (and its money) once.
        """
        linked_measures = Measure.objects.filter(
            pk__in=MeasureLink.objects.filter(record=OuterRef(OuterRef("pk"))).values("measure")
        ).order_by()
        return self.annotate(
            measure_count=Subquery(
                linked_measures.annotate(n=Func(F("pk"), function="COUNT")).values("n")
            ),
            total_amount_hkd=Subquery(
                linked_measures.annotate(total=Func(F("amount_hkd"), function="SUM")).values(
                    "total"
                )
            ),
        )

    def most_linked(self, limit):
        """The ``limit`` records of this queryset linked to most measures, with their totals."""
        top_ids = (
            MeasureLink.objects.filter(record__in=self.order_by().values("pk"))
            .values("record")
            .annotate(n=Count("measure", distinct=True))
            .order_by("-n", "record")
            .values_list("record", flat=True)[:limit]
        )
        return (
            self.filter(pk__in=list(top_ids))
            .with_measure_totals()
            .order_by("-measure_count", "name_en")
        )


class RecordManager(models.Manager.from_queryset(RecordQuerySet)):
    def get_by_natural_key(self, record_type, slug):
        return self.get(type=record_type, slug=slug)


# Kept to connect the proxies of each kind below: django-simple-history records the saves of the
# model it is declared on, and a Bureau's save is sent as the Bureau proxy's.
RECORD_HISTORY = HistoricalRecords(excluded_fields=["version"])


class Record(BilingualMixin, Versioned):
    """A committee, institute, funding scheme, bureau or department, or training course.

    The five kinds share one table; the few fields that belong to one kind only (listed in
    ``TYPE_FIELDS``) stay empty on the others, as the table's constraints require. Each kind
    has a proxy model (``Committee``, ``Bureau`` ...) with its own admin section and pages, and
    a record read from the database comes back as an instance of its kind's proxy.
    """

    type = models.CharField(_("type"), max_length=20, choices=RecordType.choices)
    slug = models.SlugField(_("slug"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300)
    short_name_en = models.CharField(
        _("English abbreviation"), max_length=40, blank=True, help_text=_("e.g. HKMA, VTC")
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
        on_delete=models.SET_NULL,
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
        on_delete=models.SET_NULL,
        related_name="courses",
        limit_choices_to={"type": RecordType.BUREAU},
        help_text=_("The body that runs it, where the source says"),
    )
    audience_zh = models.CharField(_("audience (Chinese)"), max_length=200, blank=True)
    audience_en = models.CharField(_("audience (English)"), max_length=200, blank=True)

    updated_at = models.DateTimeField(_("last edited"), auto_now=True)

    objects = RecordManager()
    history = RECORD_HISTORY

    # The fields every kind has, and those that belong to one kind: what the admin form, the
    # API and the CSV tables show of each kind.
    SHARED_FIELDS = [
        "slug",
        "name_zh",
        "name_en",
        "short_name_en",
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
            models.Index(fields=["-updated_at"], name="record_updated_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["type", "slug"],
                name="record_slug_unique_in_type",
                violation_error_message=_("Another record of this type has this slug."),
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
        return reverse(f"measures:{self.type}-detail", args=[self.slug])

    def natural_key(self):
        return (self.type, self.slug)

    def clean(self):
        super().clean()
        errors = {}
        for field_name in ("successor", "provider"):
            related = getattr(self, field_name)
            if related is not None and related.type != RecordType.BUREAU:
                errors[field_name] = _("Choose a bureau or department.")
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
                MeasureLink.objects.select_related("record").in_display_order(),
            )
        )

    def refresh_search(self, chunk_size=1000):
        """Rewrites the search documents of these measures that changed (see search.py)."""
        measures = self.prefetch_related(
            "themes", models.Prefetch("record_links", MeasureLink.objects.select_related("record"))
        ).order_by("pk")
        changed = []
        for measure in measures.iterator(chunk_size=chunk_size):
            documents = measure.search_documents()
            if documents != (measure.search_names, measure.search_text):
                measure.search_names, measure.search_text = documents
                changed.append(measure)
            if len(changed) >= chunk_size:
                search.write_documents(Measure.objects.all(), changed)
                changed = []
        search.write_documents(Measure.objects.all(), changed)

    def for_display(self):
        """Everything a detail page or the API shows, in a fixed number of queries."""
        return self.with_links().prefetch_related(
            "themes",
            models.Prefetch("citations", Citation.objects.select_related("article")),
            "counts",
        )


class MeasureKind(models.TextChoices):
    GOVERNANCE = "governance", _("Strategy and governance")
    INSTITUTION = "institution", _("New or reorganised body")
    RESEARCH = "research", _("Research and development")
    INDUSTRY = "industry", _("Industry adoption")
    EDUCATION = "education", _("Education and talent")
    WORKFORCE = "workforce", _("Workforce skills")
    PUBLIC_SERVICE = "public_service", _("Government services")


class MeasureStatus(models.TextChoices):
    """Where a measure stands, as the source describes it."""

    # Stated in the Budget as something that will be done; no start date or work yet reported.
    ANNOUNCED = "announced", _("Announced")
    # Being set up, with a stated start or completion period still ahead.
    IN_PREPARATION = "in_preparation", _("In preparation")
    # Newly set up or launched and now running.
    IN_OPERATION = "in_operation", _("In operation")
    # An existing programme that continues, reported with its results so far.
    ONGOING = "ongoing", _("Ongoing")


class AmountType(models.TextChoices):
    NEW_ALLOCATION = "new_allocation", _("New allocation")
    EARMARK = "earmark", _("Earmarked or reserved")
    SCHEME_SIZE = "scheme_size", _("Size of an existing scheme")


class Measure(BilingualMixin, Versioned):
    """One artificial-intelligence measure of the 2026-27 Budget."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300)
    summary_zh = models.TextField(_("Chinese summary"))
    summary_en = models.TextField(_("English summary"))
    kind = models.CharField(_("kind"), max_length=20, choices=MeasureKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=MeasureStatus.choices)
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
    ]
    AMOUNT_FIELDS = ["amount_hkd", "amount_type"]
    TIMING_FIELDS = ["timing_zh", "timing_en", "starts_on", "ends_on"]

    objects = SlugManager.from_queryset(MeasureQuerySet)()
    history = HistoricalRecords(
        excluded_fields=["version", "updated_at", "search_names", "search_text", "search_vector"]
    )

    class Meta:
        ordering = ["starts_on", "name_en"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [
            # Each holds the id and every other column the filters compare, so filtering by
            # amount, start, kind or status reads an index alone, never the (wide) table rows.
            models.Index(
                fields=["amount_hkd", "id"],
                include=["kind", "status", "starts_on"],
                name="measure_amount_filter_idx",
            ),
            models.Index(
                fields=["starts_on", "id"],
                include=["kind", "status", "amount_hkd"],
                name="measure_starts_filter_idx",
            ),
            models.Index(
                fields=["kind", "status"],
                include=["id", "amount_hkd", "starts_on"],
                name="measure_kind_filter_idx",
            ),
            models.Index(fields=["-updated_at"], name="measure_updated_idx"),
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
                violation_error_message=_(
                    "Give an amount and say what it is, or leave both empty."
                ),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MeasureKind.values),
                name="measure_kind_valid",
                violation_error_message=_("Choose a kind from the list."),
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
                violation_error_message=_("A measure cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.name_zh} / {self.name_en}"

    def get_absolute_url(self):
        return reverse("measures:measure-detail", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    @property
    def summary(self):
        return self.localized("summary")

    @property
    def timing(self):
        return self.localized("timing")

    def related_measures(self, limit=5):
        """Other measures sharing linked records or themes with this one, most shared first.

        A record or theme of more than ``RELATED_THROUGH_AT_MOST`` measures (the Government,
        a department in thousands of measures) says little about what is related, as a
        common word says little about a text: it is not counted, which also bounds the work.
        Uses the prefetched links and themes of ``for_display()``.
        """
        record_ids = {link.record_id for link in self.links()}
        theme_ids = {theme.pk for theme in self.themes.all()}
        record_ids -= popular(MeasureLink.objects, "record", record_ids)
        theme_ids -= popular(Measure.themes.through.objects, "theme", theme_ids)
        shared_links = MeasureLink.objects.filter(record__in=record_ids)
        shared_themes = Measure.themes.through.objects.filter(theme__in=theme_ids)
        return list(
            Measure.objects.filter(
                Q(pk__in=shared_links.values("measure")) | Q(pk__in=shared_themes.values("measure"))
            )
            .exclude(pk=self.pk)
            .annotate(
                shared=count_of(shared_links.filter(measure=OuterRef("pk")))
                + count_of(shared_themes.filter(measure=OuterRef("pk")))
            )
            .order_by("-shared", "pk")[:limit]
        )

    def links(self):
        """Every linked record with its role, by kind of record, then name (prefetched by
        ``with_links()`` or ``for_display()``)."""
        return self.record_links.all()

    def search_documents(self):
        """``(search_names, search_text)`` from this measure, its links and its themes (both
        prefetched by ``with_search_sources()``, or read here)."""
        names = (self.name_zh, self.name_en)
        text = search.document(
            *names,
            self.summary_zh,
            self.summary_en,
            self.timing_zh,
            self.timing_en,
            *(
                value
                for link in self.links()
                for value in (link.record.name_zh, link.record.name_en, link.record.short_name_en)
            ),
            *(value for theme in self.themes.all() for value in (theme.name_zh, theme.name_en)),
        )
        return search.document(*names), text


# See Measure.related_measures().
RELATED_THROUGH_AT_MOST = 500


def popular(links, field, ids):
    """Those of ``ids`` (records or themes) linked to more than ``RELATED_THROUGH_AT_MOST``
    measures, counting no further than that."""
    popular_ids = set()
    for pk in ids:
        linked = links.filter(**{field: pk}).values("measure")[: RELATED_THROUGH_AT_MOST + 1]
        if linked.count() > RELATED_THROUGH_AT_MOST:
            popular_ids.add(pk)
    return popular_ids


def count_of(subquery):
    """How many rows ``subquery`` (correlated to a measure) has, 0 when none."""
    counted = subquery.order_by().values("measure").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


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


def in_record_type_order(field="type"):
    """An expression giving each record type its position in ``RecordType`` (for ordering)."""
    return Case(
        *(
            When(**{field: value}, then=Value(position))
            for position, value in enumerate(RecordType.values)
        ),
        output_field=models.IntegerField(),
    )


class MeasureLinkQuerySet(models.QuerySet):
    def in_display_order(self):
        """By kind of record (in the order of ``RecordType``), then by the record's name."""
        return self.order_by(in_record_type_order("record__type"), "record__name_en", "pk")

    def leading(self):
        """The links naming each measure's lead body: the bureaux or departments said to lead
        it; where none is, those that fund it."""
        bureaux = self.filter(record__type=RecordType.BUREAU)
        led = MeasureLink.objects.filter(
            measure=OuterRef("measure"), record__type=RecordType.BUREAU, role=Role.LEADS
        )
        return bureaux.alias(measure_is_led=Exists(led)).filter(
            Q(role=Role.LEADS) | Q(role=Role.FUNDS, measure_is_led=False)
        )


class MeasureLinkManager(models.Manager.from_queryset(MeasureLinkQuerySet)):
    def get_by_natural_key(self, measure_slug, record_type, record_slug, role):
        return self.get(
            measure__slug=measure_slug,
            record__type=record_type,
            record__slug=record_slug,
            role=role,
        )


class MeasureLink(models.Model):
    """A measure's link to one record, with the role that record plays in the measure."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="record_links"
    )
    record = models.ForeignKey(
        Record, verbose_name=_("record"), on_delete=models.PROTECT, related_name="measure_links"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    note_zh = models.CharField(_("note (Chinese)"), max_length=300, blank=True)
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

    @property
    def record_type(self):
        return self.record.type

    @property
    def note(self):
        return in_language(self.note_zh, self.note_en)


class MeasureCountManager(models.Manager):
    def get_by_natural_key(self, measure_slug, unit_en):
        return self.get(measure__slug=measure_slug, unit_en=unit_en)


class MeasureCount(models.Model):
    """A number the source states about a measure: 16 laboratories, about 30 projects ..."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="counts")
    value = models.PositiveIntegerField(_("number"))
    is_approximate = models.BooleanField(
        _("approximate"), default=False, help_text=_("The source says about / nearly (近)")
    )
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


class Article(BilingualMixin, Versioned):
    """A published text the knowledge base is curated from."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    publisher_zh = models.CharField(_("publisher (Chinese)"), max_length=100)
    publisher_en = models.CharField(_("publisher (English)"), max_length=100)
    headline_zh = models.CharField(_("headline (Chinese)"), max_length=300)
    headline_en = models.CharField(
        _("headline (English)"), max_length=300, help_text=_("Our translation")
    )
    section_zh = models.CharField(_("section (Chinese)"), max_length=50, blank=True)
    published_at = models.DateTimeField(_("published"))
    url = models.URLField(_("address"), blank=True, help_text=_("Leave empty when not known"))

    objects = SlugManager()
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self):
        return f"{self.publisher_zh}：{self.headline_zh}"

    def natural_key(self):
        return (self.slug,)

    @property
    def publisher(self):
        return self.localized("publisher")

    @property
    def headline(self):
        return self.localized("headline")


class CitationManager(models.Manager):
    def get_by_natural_key(self, measure_slug, article_slug, paragraph):
        return self.get(measure__slug=measure_slug, article__slug=article_slug, paragraph=paragraph)


class Citation(models.Model):
    """Where a measure's facts were stated: the exact Chinese sentences, quoted verbatim."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="citations")
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="citations"
    )
    paragraph = models.PositiveSmallIntegerField(
        _("article paragraph"),
        validators=[MinValueValidator(1)],
        help_text=_("Counting the article's body paragraphs from 1, sub-headings not counted"),
    )
    quote_zh = models.TextField(
        _("quoted sentences (Chinese)"), help_text=_("Copied verbatim from the article")
    )
    speech_paragraph = models.PositiveSmallIntegerField(
        _("Budget Speech paragraph"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty unless the official speech paragraph is known"),
    )

    objects = CitationManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "article", "paragraph"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "article", "paragraph"],
                name="citation_unique_paragraph",
                violation_error_message=_("This paragraph is already cited for this measure."),
            ),
            models.CheckConstraint(
                condition=Q(paragraph__gte=1),
                name="citation_paragraph_positive",
                violation_error_message=_("Paragraphs are counted from 1."),
            ),
            models.CheckConstraint(
                condition=~Q(quote_zh=""),
                name="citation_has_quote",
                violation_error_message=_("A citation must quote the source."),
            ),
        ]

    def __str__(self):
        return f"{self.article.publisher_zh} ¶{self.paragraph}"

    def natural_key(self):
        return (self.measure.slug, self.article.slug, self.paragraph)

    natural_key.dependencies = ["measures.measure", "measures.article"]


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
