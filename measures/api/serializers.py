"""How measures and the records they link to look in the JSON API and the JSON export.

Every record carries both languages' text (``name_zh`` and ``name_en`` ...), whatever the
language of the URL; only the ``url`` and ``api_url`` addresses follow the language prefix.
Each field's ``help_text`` is what the ``/api/`` documentation page shows for it.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..addresses import slug_address
from ..models import (
    RECORD_MODELS,
    Approximation,
    Citation,
    Development,
    DevelopmentFigure,
    Measure,
    MeasureCount,
    Record,
    Source,
    Theme,
)
from ..money import format_amount


def absolute_url(context, path):
    """``path`` as a full address when the serializer has the request, else as it is."""
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


def api_detail_path(record_type, slug):
    return slug_address(f"measures:api-{record_type}-detail", slug)


@extend_schema_field(OpenApiTypes.URI)
class AddressField(serializers.Field):
    """The full address of a page or an API endpoint of the object, read-only."""

    def __init__(self, path_of, **kwargs):
        self.path_of = path_of
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        return absolute_url(self.context, self.path_of(value))


class ThemeSerializer(serializers.ModelSerializer):
    """A theme, as listed in a measure."""

    slug = serializers.SlugField(help_text=_("The theme’s identifier, for the theme parameter"))
    name_zh = serializers.CharField(help_text=_("Name in Chinese"))
    name_en = serializers.CharField(help_text=_("Name in English"))
    url = AddressField(
        lambda theme: theme.get_absolute_url(), help_text=_("The list of its measures")
    )

    class Meta:
        model = Theme
        fields = ["slug", "name_zh", "name_en", "url"]


class ThemeListSerializer(ThemeSerializer):
    """A theme in the list of themes, with how many measures serve it."""

    measure_count = serializers.IntegerField(help_text=_("How many measures serve it"))

    class Meta(ThemeSerializer.Meta):
        fields = [*ThemeSerializer.Meta.fields, "measure_count"]


class LinkSerializer(serializers.Serializer):
    """One record a measure links to, with the role it plays in the measure."""

    type = serializers.CharField(
        source="record_type",
        help_text=_("committee, institute, funding_scheme, bureau or training_course"),
    )
    slug = serializers.CharField(source="record.slug", help_text=_("The record’s identifier"))
    name_zh = serializers.CharField(source="record.name_zh", help_text=_("Name in Chinese"))
    name_en = serializers.CharField(source="record.name_en", help_text=_("Name in English"))
    role = serializers.CharField(
        help_text=_(
            "subject, chairs, leads, funds, delivers, partners, provides_training, "
            "coordinates or benefits"
        )
    )
    note_zh = serializers.CharField(help_text=_("What the source says of this role, in Chinese"))
    note_en = serializers.CharField(help_text=_("The same in English"))
    url = AddressField(
        lambda link: link.record.get_absolute_url(), help_text=_("The record’s page")
    )
    api_url = AddressField(
        lambda link: api_detail_path(link.record_type, link.record.slug),
        help_text=_("The record in the API"),
    )


class SourceSerializer(serializers.ModelSerializer):
    """A published source: a news article, a Budget Speech, a press release ..."""

    slug = serializers.CharField(help_text=_("The source’s identifier"))
    kind = serializers.CharField(
        help_text=_(
            "news_article, budget_speech, press_release, government_news, legco_reply or "
            "policy_address"
        )
    )
    language = serializers.CharField(help_text=_("The source’s language: zh-hant or en"))
    publisher_zh = serializers.CharField(help_text=_("Publisher in Chinese"))
    publisher_en = serializers.CharField(help_text=_("Publisher in English"))
    title_zh = serializers.CharField(
        help_text=_("Title in Chinese (ours when the source is in English)")
    )
    title_en = serializers.CharField(
        help_text=_("Title in English (ours when the source is in Chinese)")
    )
    published_on = serializers.DateField(help_text=_("The day it was published"))
    url = serializers.URLField(help_text=_("Its address"))

    class Meta:
        model = Source
        fields = [
            "slug",
            "kind",
            "language",
            "publisher_zh",
            "publisher_en",
            "title_zh",
            "title_en",
            "published_on",
            "url",
        ]


class CitationSerializer(serializers.ModelSerializer):
    """Where a fact was stated: the source, its paragraph, and the sentences quoted."""

    source = SourceSerializer(help_text=_("The source"))
    paragraph = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "The paragraph: numbered by the source (a Budget Speech), or the body paragraph "
            "of a news article counted from 1; null when not given"
        ),
    )
    quote = serializers.CharField(
        source="quote_zh",
        help_text=_("The sentences quoted verbatim, in Chinese; empty when we quote none"),
    )

    class Meta:
        model = Citation
        fields = ["source", "paragraph", "quote"]


class StatedNumberFields(serializers.Serializer):
    """How a stated count or figure is worded."""

    is_approximate = serializers.BooleanField(
        read_only=True, help_text=_("True when the source says “about” or “nearly”")
    )
    approximation = serializers.ChoiceField(
        choices=Approximation.choices,
        help_text=_("How the source words the number: exact, about or nearly"),
    )


class DevelopmentFigureSerializer(StatedNumberFields, serializers.ModelSerializer):
    """A figure a development states that is not Government spending (never in a total)."""

    label_zh = serializers.CharField(help_text=_("What it is, in Chinese"))
    label_en = serializers.CharField(help_text=_("What it is, in English"))
    value = serializers.DecimalField(
        max_digits=20, decimal_places=2, coerce_to_string=False, help_text=_("The number")
    )
    is_money = serializers.BooleanField(help_text=_("True when the number is in HK$"))
    unit_zh = serializers.CharField(help_text=_("Its unit in Chinese, or empty"))
    unit_en = serializers.CharField(help_text=_("Its unit in English, or empty"))

    class Meta:
        model = DevelopmentFigure
        fields = [
            "label_zh",
            "label_en",
            "value",
            "is_money",
            "unit_zh",
            "unit_en",
            "is_approximate",
            "approximation",
        ]


class DevelopmentSerializer(serializers.ModelSerializer):
    """Something that happened to a measure, on a date, from its sources."""

    date = serializers.DateField(
        source="happened_on",
        help_text=_("The day; the first of the month when only the month is known"),
    )
    date_precision = serializers.CharField(
        help_text=_("day, or month when only the month is known")
    )
    text_zh = serializers.CharField(help_text=_("What happened, in Chinese"))
    text_en = serializers.CharField(help_text=_("What happened, in English"))
    status = serializers.SerializerMethodField(
        help_text=_("The status it moved the measure to, or null")
    )
    figures = DevelopmentFigureSerializer(
        many=True, help_text=_("Figures it states that are not Government spending")
    )
    sources = CitationSerializer(
        source="citations", many=True, help_text=_("Where it was reported")
    )

    class Meta:
        model = Development
        fields = ["date", "date_precision", "text_zh", "text_en", "status", "figures", "sources"]

    def get_status(self, development) -> str | None:
        return development.status or None


class DevelopmentListSerializer(DevelopmentSerializer):
    """A development in the list of all developments, with its measure."""

    measure = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text=_("The measure’s identifier")
    )
    measure_url = AddressField(
        lambda development: development.get_absolute_url(),
        help_text=_("The development on its measure’s page"),
    )
    api_url = AddressField(
        lambda development: api_detail_path("measure", development.measure.slug),
        help_text=_("Its measure in the API"),
    )

    class Meta(DevelopmentSerializer.Meta):
        fields = ["measure", "measure_url", "api_url", *DevelopmentSerializer.Meta.fields]


class RelationSerializer(serializers.Serializer):
    """Another measure this one relates to, read from this one."""

    relation = serializers.SerializerMethodField(
        help_text=_(
            "continues, funds or follows_from; continued_by, funded_by or led_to when the "
            "other measure is the one that continues, funds or follows from this one"
        )
    )
    measure = serializers.SerializerMethodField(help_text=_("The other measure’s identifier"))
    budget = serializers.SerializerMethodField(help_text=_("The other measure’s Budget"))
    note_zh = serializers.CharField(help_text=_("A note in Chinese, or empty"))
    note_en = serializers.CharField(help_text=_("A note in English, or empty"))
    api_url = serializers.SerializerMethodField(help_text=_("The other measure in the API"))

    def get_relation(self, relation) -> str:
        return relation.reading_from(self.context["measure"])

    def get_measure(self, relation) -> str:
        return relation.other(self.context["measure"]).slug

    def get_budget(self, relation) -> str:
        return relation.other(self.context["measure"]).budget

    def get_api_url(self, relation) -> str:
        other = relation.other(self.context["measure"])
        return absolute_url(self.context, api_detail_path("measure", other.slug))


class StatedCountSerializer(StatedNumberFields, serializers.ModelSerializer):
    """A number the source states about a measure: 16 laboratories, about 30 projects ..."""

    value = serializers.IntegerField(help_text=_("The number"))
    unit_zh = serializers.CharField(help_text=_("What is counted, in Chinese"))
    unit_en = serializers.CharField(help_text=_("What is counted, in English"))

    class Meta:
        model = MeasureCount
        fields = ["value", "is_approximate", "approximation", "unit_zh", "unit_en"]


class TimingSerializer(serializers.Serializer):
    """When a measure happens: as stated in each language, and as dates."""

    zh = serializers.CharField(source="timing_zh", help_text=_("As stated, in Chinese"))
    en = serializers.CharField(source="timing_en", help_text=_("As stated, in English"))
    starts_on = serializers.DateField(
        allow_null=True, help_text=_("First day of the stated start period, or null")
    )
    ends_on = serializers.DateField(
        allow_null=True, help_text=_("Last day of the stated period, or null")
    )


class AmountTextSerializer(serializers.Serializer):
    """A measure's amount as a reader of each language writes it."""

    zh = serializers.SerializerMethodField(help_text=_("e.g. HK$30億, or null"))
    en = serializers.SerializerMethodField(help_text=_("e.g. HK$3 billion, or null"))

    def get_zh(self, measure) -> str | None:
        return self.written(measure, "zh-hant")

    def get_en(self, measure) -> str | None:
        return self.written(measure, "en")

    @staticmethod
    def written(measure, language):
        if measure.amount_hkd is None:
            return None
        return format_amount(measure.amount_hkd, language)


class MeasureSerializer(serializers.ModelSerializer):
    """One measure with everything it links to and where it was stated.

    Reads the prefetched relations of ``Measure.objects.for_display()``.
    """

    slug = serializers.SlugField(help_text=_("The measure’s identifier"))
    url = AddressField(
        lambda measure: measure.get_absolute_url(), help_text=_("The measure’s page")
    )
    api_url = AddressField(
        lambda measure: api_detail_path("measure", measure.slug),
        help_text=_("The measure in the API"),
    )
    name_zh = serializers.CharField(help_text=_("Name in Chinese"))
    name_en = serializers.CharField(help_text=_("Name in English"))
    summary_zh = serializers.CharField(help_text=_("Summary in Chinese"))
    summary_en = serializers.CharField(help_text=_("Summary in English"))
    kind = serializers.CharField(help_text=_("What kind of measure it is (see the kind parameter)"))
    status = serializers.CharField(help_text=_("Where it stands (see the status parameter)"))
    amount_hkd = serializers.IntegerField(
        allow_null=True,
        help_text=_("The amount in whole Hong Kong dollars, or null when the source states none"),
    )
    amount_type = serializers.SerializerMethodField(
        help_text=_("new_allocation, earmark or scheme_size; null when there is no amount")
    )
    amount_text = AmountTextSerializer(
        source="*", help_text=_("The amount written for readers of each language")
    )
    timing = TimingSerializer(source="*", help_text=_("When it happens"))
    themes = ThemeSerializer(many=True, help_text=_("The themes and sectors it serves"))
    links = LinkSerializer(
        many=True, help_text=_("Every record it involves, by record type then English name")
    )
    stated_counts = StatedCountSerializer(
        source="counts", many=True, help_text=_("Numbers the source states about it")
    )
    status_as_of = serializers.DateField(
        help_text=_("The day of its latest development, or of its Budget when it has none")
    )
    status_at_announcement = serializers.CharField(
        help_text=_("Where it stood when its Budget announced it")
    )
    budget = serializers.CharField(
        help_text=_("The Budget that announced it: 2024-25, 2025-26 or 2026-27")
    )
    source = CitationSerializer(
        source="citations",
        many=True,
        help_text=_("Where it was stated: every citation, with its source and paragraph"),
    )
    sources = SourceSerializer(
        many=True,
        help_text=_("Every source cited for it or its developments, oldest first"),
    )
    developments = DevelopmentSerializer(
        many=True, help_text=_("What happened since it was announced, newest first")
    )
    relations = serializers.SerializerMethodField(
        help_text=_("Other measures it continues, funds or follows from, and the reverse")
    )
    updated_at = serializers.DateTimeField(help_text=_("When it was last edited"))

    class Meta:
        model = Measure
        fields = [
            "slug",
            "url",
            "api_url",
            *Measure.DESCRIPTION_FIELDS[1:],
            *Measure.AMOUNT_FIELDS,
            "amount_text",
            "timing",
            "themes",
            "links",
            "stated_counts",
            "source",
            "sources",
            "developments",
            "relations",
            "updated_at",
        ]

    def get_amount_type(self, measure) -> str | None:
        return measure.amount_type or None

    @extend_schema_field(RelationSerializer(many=True))
    def get_relations(self, measure):
        relations = [relation for _, _, relation in measure.relations()]
        return RelationSerializer(
            relations, many=True, context={**self.context, "measure": measure}
        ).data


class RecordMeasureListSerializer(serializers.ListSerializer):
    """Turns a record's links into its measures: each measure once, with every role it has."""

    def to_representation(self, links):
        roles_by_measure = {}
        for link in links:
            roles_by_measure.setdefault(link.measure, []).append(link.role)
        for measure, roles in roles_by_measure.items():
            measure.roles = roles
        return super().to_representation(list(roles_by_measure))


class RecordMeasureSerializer(serializers.Serializer):
    """A measure a record takes part in, with every role the record plays in it."""

    slug = serializers.CharField(help_text=_("The measure’s identifier"))
    name_zh = serializers.CharField(help_text=_("Name in Chinese"))
    name_en = serializers.CharField(help_text=_("Name in English"))
    amount_hkd = serializers.IntegerField(
        allow_null=True,
        help_text=_("The amount in whole Hong Kong dollars, or null when the source states none"),
    )
    roles = serializers.ListField(
        child=serializers.CharField(), help_text=_("The roles the record plays in it")
    )
    url = AddressField(
        lambda measure: measure.get_absolute_url(), help_text=_("The measure’s page")
    )
    api_url = AddressField(
        lambda measure: api_detail_path("measure", measure.slug),
        help_text=_("The measure in the API"),
    )

    class Meta:
        list_serializer_class = RecordMeasureListSerializer


class SlugReferenceField(serializers.SlugRelatedField):
    """Another record, given by its slug (null when there is none)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", read_only=True, allow_null=True, **kwargs)


class RecordSerializer(serializers.ModelSerializer):
    """A record of any kind: names, description, its measures, and the fields of its kind.

    Expects ``first_links``: its first links with
    their measures, in the order the measures should be listed. Each kind's serializer
    (``RECORD_SERIALIZERS``) keeps the fields of its own kind only.
    """

    type = serializers.CharField(
        source="record_type",
        help_text=_("committee, institute, funding_scheme, bureau or training_course"),
    )
    slug = serializers.SlugField(help_text=_("The record’s identifier, for the filter of its type"))
    url = AddressField(lambda record: record.get_absolute_url(), help_text=_("The record’s page"))
    api_url = AddressField(
        lambda record: api_detail_path(record.record_type, record.slug),
        help_text=_("The record in the API"),
    )
    name_zh = serializers.CharField(help_text=_("Name in Chinese"))
    name_en = serializers.CharField(help_text=_("Name in English"))
    short_name_en = serializers.CharField(help_text=_("English abbreviation, or empty"))
    other_names = serializers.CharField(
        help_text=_("Other names it is known by, separated by “; ”, or empty")
    )
    description_zh = serializers.CharField(help_text=_("Description in Chinese"))
    description_en = serializers.CharField(help_text=_("Description in English"))

    chair_zh = serializers.CharField(help_text=_("Who chairs it, in Chinese, or empty"))
    chair_en = serializers.CharField(help_text=_("Who chairs it, in English, or empty"))
    kind = serializers.CharField(
        help_text=_(
            "government (as a whole), bureau, department, office, public_body or post (an office "
            "holder)"
        )
    )
    successor = SlugReferenceField(
        help_text=_("The slug of the body it was renamed to or succeeded by, or null")
    )
    succession_note_zh = serializers.CharField(help_text=_("Succession note in Chinese"))
    succession_note_en = serializers.CharField(help_text=_("Succession note in English"))
    provider = SlugReferenceField(
        help_text=_("The slug of the bureau or body that runs it, or null")
    )
    audience_zh = serializers.CharField(help_text=_("Who it is for, in Chinese, or empty"))
    audience_en = serializers.CharField(help_text=_("Who it is for, in English, or empty"))

    measure_count = serializers.IntegerField(help_text=_("How many measures it takes part in"))
    total_amount_hkd = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "The money of those of its measures in the 2026-27 Budget, each counted once (money "
            "of earlier Budgets is not added); null when none states any"
        ),
    )
    measures = RecordMeasureSerializer(
        source="first_links",
        many=True,
        help_text=_(
            "The measures it takes part in, with its roles, by start (its first 100 links; "
            "measures_url lists them all)"
        ),
    )
    measures_url = AddressField(
        lambda record: f"{reverse('measures:api-measure-list')}?{record.type}={record.slug}",
        help_text=_("Every measure it takes part in, in the API's list of measures"),
    )
    updated_at = serializers.DateTimeField(help_text=_("When it was last edited"))

    common_fields = ["type", "slug", "url", "api_url", *Record.SHARED_FIELDS[1:]]
    totals_fields = ["measure_count", "total_amount_hkd", "measures", "measures_url", "updated_at"]

    class Meta:
        model = Record
        fields = "__all__"


def serializer_for(record_type):
    """The serializer of one kind of record: the shared fields, its own, then its measures."""
    model = RECORD_MODELS[record_type]
    own = Record.TYPE_FIELDS[record_type]
    not_its_own = {
        name: None for fields in Record.TYPE_FIELDS.values() for name in fields if name not in own
    }
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": [*RecordSerializer.common_fields, *own, *RecordSerializer.totals_fields],
        },
    )
    return type(
        f"{model.__name__}Serializer",
        (RecordSerializer,),
        {**not_its_own, "Meta": meta, "__doc__": model.__doc__, "__module__": __name__},
    )


RECORD_SERIALIZERS = {record_type: serializer_for(record_type) for record_type in RECORD_MODELS}
