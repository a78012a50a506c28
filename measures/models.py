"""What a Budget AI measure is, what it involves, and where each fact was stated.

A ``Measure`` is one artificial-intelligence measure of the 2026-27 Budget. It links to the five
kinds of record it involves (committees, institutes, funding schemes, bureaux/departments and
training courses) through link tables that say the role each record plays. Every measure cites
the sentences it was curated from (``Citation``) in a news ``Article``.

Every record has a Chinese and an English name; ``localized()`` picks the one for the language
of the page being rendered.
"""

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models, transaction
from django.db.models import Count, F, Func, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

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


class SlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Theme(BilingualMixin, models.Model):
    """A theme or sector a measure serves: life and health, embodied AI, flooding, banking ..."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    objects = SlugManager()
    history = HistoricalRecords()

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


class LinkedRecordQuerySet(models.QuerySet):
    def with_measure_totals(self):
        """Annotates how many measures each record is linked to and the money they carry.

        A record linked to one measure in two roles counts that measure (and its money) once.
        """
        link_model = self.model.links.rel.related_model
        linked_measures = Measure.objects.filter(
            pk__in=link_model.objects.filter(record=OuterRef(OuterRef("pk"))).values("measure_id")
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
        """The ``limit`` records linked to most measures, with their totals, most first."""
        link_model = self.model.links.rel.related_model
        top_ids = (
            link_model.objects.values("record")
            .annotate(n=Count("measure", distinct=True))
            .order_by("-n", "record")
            .values_list("record", flat=True)[:limit]
        )
        return (
            self.filter(pk__in=list(top_ids))
            .with_measure_totals()
            .order_by("-measure_count", "name_en")
        )


class LinkedRecordManager(SlugManager.from_queryset(LinkedRecordQuerySet)):
    pass


class LinkedRecord(BilingualMixin, models.Model):
    """What the five kinds of record a measure involves have in common."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=300)
    short_name_en = models.CharField(
        _("English abbreviation"), max_length=40, blank=True, help_text=_("e.g. HKMA, VTC")
    )
    description_zh = models.TextField(_("Chinese description"), blank=True)
    description_en = models.TextField(_("English description"), blank=True)
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)

    objects = LinkedRecordManager()

    # The `type` value of the API and the URL segment of each concrete kind.
    record_type = ""
    url_segment = ""

    class Meta:
        abstract = True
        ordering = ["name_en"]

    def __str__(self):
        return f"{self.name_zh} / {self.name_en}"

    def get_absolute_url(self):
        return reverse(f"measures:{self.record_type}-detail", args=[self.slug])

    def natural_key(self):
        return (self.slug,)

    @classmethod
    def get_list_url(cls):
        return reverse(f"measures:{cls.record_type}-list")

    @property
    def description(self):
        return self.localized("description")


class Committee(LinkedRecord):
    """A committee, task force or team that steers or coordinates AI work."""

    chair_zh = models.CharField(
        _("chaired by (Chinese)"), max_length=200, blank=True, help_text=_("As named in the source")
    )
    chair_en = models.CharField(_("chaired by (English)"), max_length=200, blank=True)
    record_type = "committee"
    url_segment = "committees"
    history = HistoricalRecords()

    class Meta(LinkedRecord.Meta):
        verbose_name = _("committee")
        verbose_name_plural = _("committees")

    @property
    def chair(self):
        return self.localized("chair")


class Institute(LinkedRecord):
    """A research institute, laboratory platform, university or other education institution."""

    record_type = "institute"
    url_segment = "institutes"
    history = HistoricalRecords()

    class Meta(LinkedRecord.Meta):
        verbose_name = _("institute")
        verbose_name_plural = _("institutes")


class FundingScheme(LinkedRecord):
    """A named fund, subsidy scheme or funding programme."""

    record_type = "funding_scheme"
    url_segment = "funding-schemes"
    history = HistoricalRecords()

    class Meta(LinkedRecord.Meta):
        verbose_name = _("funding scheme")
        verbose_name_plural = _("funding schemes")


class BodyKind(models.TextChoices):
    """What kind of body a Bureau record is."""

    BUREAU = "bureau", _("Policy bureau")
    DEPARTMENT = "department", _("Government department")
    OFFICE = "office", _("Government office or unit")
    PUBLIC_BODY = "public_body", _("Public body")
    POST = "post", _("Public office holder")


class Bureau(LinkedRecord):
    """A policy bureau, government department, office, team or public body."""

    kind = models.CharField(_("kind of body"), max_length=20, choices=BodyKind.choices)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("renamed or succeeded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
    )
    succession_note_zh = models.CharField(
        _("succession note (Chinese)"), max_length=300, blank=True
    )
    succession_note_en = models.CharField(
        _("succession note (English)"), max_length=300, blank=True
    )
    record_type = "bureau"
    url_segment = "bureaux"
    history = HistoricalRecords()

    class Meta(LinkedRecord.Meta):
        verbose_name = _("bureau or department")
        verbose_name_plural = _("bureaux and departments")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=BodyKind.values),
                name="bureau_kind_valid",
                violation_error_message=_("Choose a kind of body from the list."),
            ),
            models.CheckConstraint(
                condition=~Q(successor=F("pk")),
                name="bureau_not_own_successor",
                violation_error_message=_("A body cannot be its own successor."),
            ),
        ]

    @property
    def succession_note(self):
        return self.localized("succession_note")


class TrainingCourse(LinkedRecord):
    """A course, degree programme, module or training offered under a measure."""

    provider = models.ForeignKey(
        Bureau,
        verbose_name=_("provider"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
        help_text=_("The body that runs it, where the source says"),
    )
    audience_zh = models.CharField(_("audience (Chinese)"), max_length=200, blank=True)
    audience_en = models.CharField(_("audience (English)"), max_length=200, blank=True)
    record_type = "training_course"
    url_segment = "training-courses"
    history = HistoricalRecords()

    class Meta(LinkedRecord.Meta):
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")

    @property
    def audience(self):
        return self.localized("audience")


LINKED_RECORD_MODELS = {
    model.record_type: model
    for model in (Committee, Institute, FundingScheme, Bureau, TrainingCourse)
}


class MeasureQuerySet(models.QuerySet):
    def with_amount(self):
        return self.filter(amount_hkd__isnull=False)

    def without_amount(self):
        return self.filter(amount_hkd__isnull=True)

    def for_display(self):
        """Everything a detail page or the API shows, in a fixed number of queries."""
        return self.prefetch_related(
            *(
                models.Prefetch(f"{record_type}_links", link_model.objects.select_related("record"))
                for record_type, link_model in LINK_MODELS.items()
            ),
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


class Measure(BilingualMixin, models.Model):
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

    committees = models.ManyToManyField(
        Committee, through="MeasureCommittee", related_name="measures", blank=True
    )
    institutes = models.ManyToManyField(
        Institute, through="MeasureInstitute", related_name="measures", blank=True
    )
    funding_schemes = models.ManyToManyField(
        FundingScheme, through="MeasureFundingScheme", related_name="measures", blank=True
    )
    bureaux = models.ManyToManyField(
        Bureau, through="MeasureBureau", related_name="measures", blank=True
    )
    training_courses = models.ManyToManyField(
        TrainingCourse, through="MeasureTrainingCourse", related_name="measures", blank=True
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last edited"), auto_now=True)
    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Raised by one on every save")
    )

    objects = SlugManager.from_queryset(MeasureQuerySet)()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])
    _attached_links = None  # see attach_links()

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

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self.version = (self.version or 0) + 1
        super().save(*args, **kwargs)

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

        Counts matches in the link tables alone (one grouped query over their measure ids),
        then fetches the ``limit`` best; uses the prefetched links of ``for_display()``.
        """
        matches, params = [], []
        sources = [(Measure.themes.through, "theme_id", [t.pk for t in self.themes.all()])]
        for record_type, link_model in LINK_MODELS.items():
            links = getattr(self, f"{record_type}_links").all()
            sources.append((link_model, "record_id", [link.record_id for link in links]))
        for model, column, ids in sources:
            if ids:
                placeholders = ", ".join(["%s"] * len(ids))
                matches.append(
                    f"SELECT measure_id FROM {model._meta.db_table} "
                    f"WHERE {column} IN ({placeholders})"
                )
                params += ids
        if not matches:
            return []
        sql = (
            f"SELECT measure_id FROM ({' UNION ALL '.join(matches)}) AS matches "
            "WHERE measure_id <> %s GROUP BY measure_id "
            "ORDER BY COUNT(*) DESC, measure_id LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, self.pk, limit])
            ranked = [row[0] for row in cursor.fetchall()]
        by_id = Measure.objects.in_bulk(ranked)
        return [by_id[pk] for pk in ranked if pk in by_id]

    def links(self):
        """Every linked record with its role, ordered by record type then name.

        Uses the links given by ``attach_links()``, or those prefetched by ``for_display()``.
        """
        if self._attached_links is not None:
            return self._attached_links
        result = []
        for record_type in LINK_MODELS:
            result.extend(getattr(self, f"{record_type}_links").all())
        return result


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


class MeasureLinkManager(models.Manager):
    def get_by_natural_key(self, measure_slug, record_slug, role):
        return self.get(measure__slug=measure_slug, record__slug=record_slug, role=role)


class MeasureLink(models.Model):
    """A measure's link to one record, with the role that record plays in the measure."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    note_zh = models.CharField(_("note (Chinese)"), max_length=300, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=300, blank=True)

    objects = MeasureLinkManager()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.measure} — {self.get_role_display()} — {self.record}"

    def natural_key(self):
        return (self.measure.slug, self.record.slug, self.role)

    natural_key.dependencies = ["measures.measure"]

    @property
    def record_type(self):
        return self.record.record_type

    @property
    def note(self):
        return in_language(self.note_zh, self.note_en)


def _role_constraints(table):
    return [
        models.UniqueConstraint(
            fields=["measure", "record", "role"],
            name=f"{table}_unique_role",
            violation_error_message=_("This record already has this role in the measure."),
        ),
        models.CheckConstraint(
            condition=Q(role__in=Role.values),
            name=f"{table}_role_valid",
            violation_error_message=_("Choose a role from the list."),
        ),
    ]


class MeasureCommittee(MeasureLink):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="committee_links")
    record = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="links"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["record__name_en"]
        verbose_name = _("linked committee")
        verbose_name_plural = _("linked committees")
        constraints = _role_constraints("measurecommittee")
        indexes = [models.Index(fields=["record", "measure"], name="measurecommittee_record_idx")]


class MeasureInstitute(MeasureLink):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="institute_links")
    record = models.ForeignKey(
        Institute, verbose_name=_("institute"), on_delete=models.PROTECT, related_name="links"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["record__name_en"]
        verbose_name = _("linked institute")
        verbose_name_plural = _("linked institutes")
        constraints = _role_constraints("measureinstitute")
        indexes = [models.Index(fields=["record", "measure"], name="measureinstitute_record_idx")]


class MeasureFundingScheme(MeasureLink):
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="funding_scheme_links"
    )
    record = models.ForeignKey(
        FundingScheme,
        verbose_name=_("funding scheme"),
        on_delete=models.PROTECT,
        related_name="links",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["record__name_en"]
        verbose_name = _("linked funding scheme")
        verbose_name_plural = _("linked funding schemes")
        constraints = _role_constraints("measurefundingscheme")
        indexes = [models.Index(fields=["record", "measure"], name="fundingschemelink_record_idx")]


class MeasureBureau(MeasureLink):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="bureau_links")
    record = models.ForeignKey(
        Bureau,
        verbose_name=_("bureau or department"),
        on_delete=models.PROTECT,
        related_name="links",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["record__name_en"]
        verbose_name = _("linked bureau or department")
        verbose_name_plural = _("linked bureaux and departments")
        constraints = _role_constraints("measurebureau")
        indexes = [models.Index(fields=["record", "measure"], name="measurebureau_record_idx")]


class MeasureTrainingCourse(MeasureLink):
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="training_course_links"
    )
    record = models.ForeignKey(
        TrainingCourse,
        verbose_name=_("training course"),
        on_delete=models.PROTECT,
        related_name="links",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["record__name_en"]
        verbose_name = _("linked training course")
        verbose_name_plural = _("linked training courses")
        constraints = _role_constraints("measuretrainingcourse")
        indexes = [models.Index(fields=["record", "measure"], name="courselink_record_idx")]


LINK_MODELS = {
    "committee": MeasureCommittee,
    "institute": MeasureInstitute,
    "funding_scheme": MeasureFundingScheme,
    "bureau": MeasureBureau,
    "training_course": MeasureTrainingCourse,
}


def attach_links(measures):
    """Gives each of ``measures`` its links (``Measure.links()``), fetched for all of them in
    one query instead of one per kind of record: what the cards of a list page show.

    Links and records carry the fields read here; any other field of a record is deferred.
    """
    measures = list(measures)
    if not measures:
        return measures
    record_fields = ["id", "slug", "name_zh", "name_en", "short_name_en"]
    link_fields = ["id", "measure_id", "record_id", "role", "note_zh", "note_en"]
    branches = [
        link_model.objects.filter(measure__in=[measure.pk for measure in measures])
        .order_by()
        .annotate(record_type=models.Value(record_type))
        .values_list("record_type", *link_fields, *(f"record__{f}" for f in record_fields))
        for record_type, link_model in LINK_MODELS.items()
    ]
    # By name in the database's collation, as the detail page's links (Meta.ordering) are.
    rows = branches[0].union(*branches[1:], all=True).order_by("record__name_en", "id")
    by_measure = {measure.pk: [] for measure in measures}
    for record_type, *values in rows:
        link_values = dict(zip(link_fields, values[: len(link_fields)], strict=True))
        record_values = dict(zip(record_fields, values[len(link_fields) :], strict=True))
        link = loaded(LINK_MODELS[record_type], rows.db, link_values)
        link.record = loaded(LINKED_RECORD_MODELS[record_type], rows.db, record_values)
        by_measure[link.measure_id].append(link)
    order = {record_type: number for number, record_type in enumerate(LINK_MODELS)}
    for measure in measures:
        # By kind of record; within a kind, the order of the query (sorted() is stable).
        measure._attached_links = sorted(
            by_measure[measure.pk], key=lambda link: order[link.record.record_type]
        )
    return measures


def loaded(model, db, values):
    """An instance of ``model`` as if read from the database with only the fields in
    ``values`` (``{attname: value}``); reading another field loads it."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


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


class Article(BilingualMixin, models.Model):
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
    history = HistoricalRecords()

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
