"""A synthetic knowledge base of N measures, spread like the real 20, for benchmarks.

    DATABASE_URL=postgres://... DJANGO_SETTINGS_MODULE=bench.settings \\
        python -m bench.dataset --measures 100000

Migrates the database, then (only if the number of measures differs) empties the knowledge
base and fills it again with ``bulk_create`` in batches. The spread follows the curated
fixtures: about 2,000 linked records in the five types' real proportions, whose popularity is
Zipf-like (a few departments take part in thousands of measures, most in a handful); 60 themes;
no amount for 80% of measures (16 of the 20 real ones state none), otherwise log-uniform between
HK$1 million and HK$10 billion rounded as newspapers print it; kinds and statuses in the real
proportions; 1 to 3 links with roles; one citation each.

Measure number ``i`` is drawn from its own seeded generator, so the first 1,000 measures of a
100,000-measure database are the 1,000 measures of a small one: pages can be compared.

Bulk inserts send no signals, so the data revision is raised once at the end, as the model asks
(``DataRevision.bump()``), and the tables are vacuumed and analysed, as a database that has
lived a while would be. The measures are written twice (their search documents after every
row exists), so their table is compacted first, as a restored copy of it would be.
"""

import argparse
import bisect
import datetime
import itertools
import json
import math
import random
import sys
import time
from pathlib import Path

SEED = 2026
BATCH = 5_000
THEME_COUNT = 60
# The five record types in the proportions of the fixtures (14 : 8 : 5 : 4 : 1), ~2,000 in all.
RECORD_COUNTS = {
    "bureau": 875,
    "training_course": 500,
    "institute": 312,
    "funding_scheme": 250,
    "committee": 63,
}
# How often each type is linked in the fixtures (19 : 8 : 5 : 4 : 1 links).
LINK_WEIGHTS = {
    "bureau": 19,
    "training_course": 8,
    "institute": 5,
    "funding_scheme": 4,
    "committee": 1,
}
ROLES = {
    "bureau": [
        "leads",
        "leads",
        "leads",
        "funds",
        "delivers",
        "partners",
        "provides_training",
        "subject",
        "chairs",
        "coordinates",
    ],
    "training_course": ["subject", "subject", "delivers", "provides_training"],
    "institute": ["delivers", "partners", "subject", "benefits"],
    "funding_scheme": ["funds", "funds", "subject"],
    "committee": ["subject", "coordinates", "chairs"],
}
KIND_WEIGHTS = {
    "governance": 2,
    "institution": 2,
    "industry": 1,
    "research": 2,
    "education": 6,
    "workforce": 2,
    "public_service": 5,
}
STATUS_WEIGHTS = {"announced": 10, "in_preparation": 3, "in_operation": 2, "ongoing": 5}
AMOUNT_TYPE_WEIGHTS = {"new_allocation": 2, "earmark": 1, "scheme_size": 1}
AMOUNT_SHARE = 4 / 20
THEME_COUNT_WEIGHTS = {1: 50, 2: 25, 3: 12, 4: 8, 5: 5}
LINK_COUNT_WEIGHTS = {1: 45, 2: 35, 3: 20}

TOPICS = [
    ("醫療", "healthcare"),
    ("金融", "finance"),
    ("交通", "transport"),
    ("物流", "logistics"),
    ("教育", "education"),
    ("建造", "construction"),
    ("水務", "water supply"),
    ("環境", "the environment"),
    ("旅遊", "tourism"),
    ("零售", "retail"),
    ("法律", "legal services"),
    ("保險", "insurance"),
    ("社福", "social welfare"),
    ("房屋", "housing"),
    ("能源", "energy"),
    ("海事", "maritime services"),
    ("航空", "aviation"),
    ("漁農", "agriculture and fisheries"),
    ("文化", "culture"),
    ("體育", "sport"),
    ("警務", "policing"),
    ("消防", "fire services"),
    ("衞生", "public health"),
    ("稅務", "taxation"),
    ("郵政", "postal services"),
    ("氣象", "weather forecasting"),
    ("斜坡", "slope safety"),
    ("渠務", "drainage"),
    ("勞工", "employment"),
    ("安老", "elderly care"),
    ("兒童", "child care"),
    ("創科", "innovation"),
    ("數據", "data"),
    ("網絡安全", "cyber security"),
    ("半導體", "semiconductors"),
    ("生物科技", "biotechnology"),
    ("新材料", "new materials"),
    ("機械人", "robotics"),
    ("大語言模型", "large language models"),
    ("智慧城市", "smart city"),
]
ACTIONS = [
    ("推出", "Launch of"),
    ("擴展", "Expansion of"),
    ("研究", "Study of"),
    ("試行", "Pilot of"),
    ("撥款支持", "Funding for"),
    ("設立", "Setting up of"),
    ("優化", "Improvement of"),
    ("推廣", "Promotion of"),
    ("資助", "Subsidy for"),
    ("培訓", "Training in"),
]
OBJECTS = [
    ("應用平台", "application platform"),
    ("試驗計劃", "pilot scheme"),
    ("培訓課程", "training courses"),
    ("研發項目", "research projects"),
    ("資助計劃", "subsidy scheme"),
    ("數據庫", "data hub"),
    ("沙盒", "sandbox"),
    ("預警系統", "warning system"),
    ("配對服務", "matching service"),
    ("專責小組", "task force"),
]
BODY_SUFFIXES = {
    "bureau": [
        ("署", "Department"),
        ("處", "Office"),
        ("局", "Bureau"),
        ("辦公室", "Unit"),
        ("管理局", "Authority"),
    ],
    "training_course": [
        ("證書課程", "Certificate"),
        ("文憑課程", "Diploma"),
        ("工作坊", "Workshop"),
        ("學士學位課程", "Degree Programme"),
    ],
    "institute": [
        ("研究所", "Research Institute"),
        ("實驗室", "Laboratory"),
        ("大學", "University"),
        ("研發中心", "R&D Centre"),
    ],
    "funding_scheme": [
        ("基金", "Fund"),
        ("資助計劃", "Subsidy Scheme"),
        ("配對計劃", "Matching Scheme"),
    ],
    "committee": [
        ("委員會", "Committee"),
        ("專責小組", "Task Force"),
        ("督導小組", "Steering Group"),
    ],
}
BODY_KIND_WEIGHTS = {"department": 8, "bureau": 3, "office": 3, "public_body": 6, "post": 1}
UNITS = [
    ("間實驗室", "laboratories"),
    ("個科研項目", "research projects"),
    ("個課程", "courses"),
    ("名學員", "trainees"),
    ("間學校", "schools"),
]
HALVES = [("上半年", "first half of {year}", 1), ("下半年", "second half of {year}", 7)]


def weighted(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Zipf:
    """Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1) ** exponent."""

    def __init__(self, n, exponent=1.0):
        self.cumulative = list(itertools.accumulate(1 / (r + 1) ** exponent for r in range(n)))

    def draw(self, rng):
        return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])


def round_amount(value):
    """Two significant figures, as a budget prints it: HK$3,400萬, HK$1.2億, HK$30億."""
    digits = int(math.floor(math.log10(value))) - 1
    return int(round(value / 10**digits) * 10**digits)


def fixture_records():
    path = Path(__file__).resolve().parent.parent / "fixtures" / "budget2026.json"
    records = json.loads(path.read_text())
    by_model = {}
    for record in records:
        by_model.setdefault(record["model"].split(".")[1], []).append(record["fields"])
    return by_model


# --- Building -------------------------------------------------------------------------------


def wanted_sizes(measures):
    return {"measures": measures, "records": sum(RECORD_COUNTS.values()), "themes": THEME_COUNT}


def current_sizes():
    from measures.models import Measure, Record, Theme

    return {
        "measures": Measure.objects.count(),
        "records": Record.objects.count(),
        "themes": Theme.objects.count(),
    }


def empty_knowledge_base():
    """Empties every table of the app but the data revision (its number must only go up, or a
    cache could serve pages of an earlier dataset)."""
    from django.apps import apps
    from django.db import connection

    from measures.models import DataRevision

    tables = {
        model._meta.db_table
        for model in apps.get_app_config("measures").get_models(include_auto_created=True)
        if model is not DataRevision
    }
    with connection.cursor() as cursor:
        quoted = ", ".join(connection.ops.quote_name(table) for table in sorted(tables))
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")


def build(measure_count, seed=SEED, log=print):
    from django.db import transaction

    from measures import models as m

    started = time.monotonic()
    fixtures = fixture_records()
    rng = random.Random(seed)
    with transaction.atomic():
        empty_knowledge_base()
        themes = build_themes(fixtures, m)
        records = build_records(fixtures, rng, m)
        article_fields = next(fields for fields in fixtures["source"] if fields["full_text_held"])
        article = m.Source.objects.create(**article_fields)
        log(f"  {len(themes)} themes, {sum(map(len, records.values()))} linked records")

        theme_zipf = Zipf(len(themes), 0.8)
        record_zipf = {kind: Zipf(len(ids)) for kind, ids in records.items()}
        for start in range(0, measure_count, BATCH):
            numbers = range(start, min(start + BATCH, measure_count))
            build_measures(numbers, seed, themes, theme_zipf, records, record_zipf, article, m)
            log(f"  {numbers[-1] + 1:,} measures ({time.monotonic() - started:.0f} s)")
        m.Measure.objects.refresh_search()
        log(f"  search documents written ({time.monotonic() - started:.0f} s)")
        m.Record.objects.refresh_totals()
        m.Theme.objects.refresh_totals()
        log(f"  record and theme totals written ({time.monotonic() - started:.0f} s)")
    m.DataRevision.bump()
    compact()
    log(f"  built in {time.monotonic() - started:.0f} s")


def compact():
    """Rewrites the measures' table (each row was written twice, or a migration rewrote it)
    and refreshes the planner's statistics and the visibility map: measured straight after a
    migration rewrote every search document, with autovacuum still at work, row 7 ran at half
    its rate and every cold page was slower."""
    from django.db import connection

    from measures.models import Measure

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM FULL {Measure._meta.db_table}")
        cursor.execute("VACUUM ANALYZE")


def build_themes(fixtures, m):
    themes = [m.Theme(**fields) for fields in fixtures["theme"]]
    for number in range(len(themes), THEME_COUNT):
        zh, en = TOPICS[number % len(TOPICS)]
        themes.append(
            m.Theme(
                slug=f"theme-{number:02d}",
                name_zh=f"{zh}{number}",
                name_en=f"{en} {number}".capitalize(),
            )
        )
    return [theme.pk for theme in m.Theme.objects.bulk_create(themes, batch_size=BATCH)]


def build_records(fixtures, rng, m):
    """The records of each type, most popular first: the real ones, then synthetic ones."""
    keep = {"slug", "name_zh", "name_en", "short_name_en", "description_zh", "description_en"}
    ids = {}
    for record_type in ("bureau", "committee", "institute", "funding_scheme", "training_course"):
        model = m.RECORD_MODELS[record_type]
        objects = []
        for fields in fixtures.get("record", []):
            if fields["type"] != record_type:
                continue
            extra = {"kind": fields["kind"]} if record_type == "bureau" else {}
            objects.append(
                m.Record(
                    type=record_type, **{k: v for k, v in fields.items() if k in keep}, **extra
                )
            )
        prefix = "body" if record_type == "bureau" else model.url_segment[:-1]
        for number in range(len(objects), RECORD_COUNTS[record_type]):
            topic_zh, topic_en = rng.choice(TOPICS)
            suffix_zh, suffix_en = rng.choice(BODY_SUFFIXES[record_type])
            fields = {
                "slug": f"{prefix}-{number:04d}",
                "name_zh": f"{topic_zh}{suffix_zh}（{number}）",
                "name_en": f"{topic_en.capitalize()} {suffix_en} {number}",
                "description_zh": f"負責{topic_zh}範疇的人工智能應用。",
                "description_en": f"Works on the use of AI in {topic_en}.",
            }
            if record_type == "bureau":
                fields["kind"] = weighted(rng, BODY_KIND_WEIGHTS)
            if record_type == "training_course" and ids.get("bureau") and rng.random() < 0.5:
                fields["provider_id"] = rng.choice(ids["bureau"][:200])
            objects.append(m.Record(type=record_type, **fields))
        ids[record_type] = [
            record.pk for record in m.Record.objects.bulk_create(objects, batch_size=BATCH)
        ]
    return ids


def build_measures(numbers, seed, themes, theme_zipf, records, record_zipf, article, m):
    measures, theme_links, links, citations, counts = [], [], [], [], []
    plans = []
    for number in numbers:
        rng = random.Random(seed * 1_000_003 + number)
        measure, plan = measure_fields(number, rng, themes, theme_zipf, records, record_zipf, m)
        measures.append(measure)
        plans.append(plan)
    m.Measure.objects.bulk_create(measures, batch_size=BATCH)
    for measure, (theme_ids, link_plan, paragraph, count) in zip(measures, plans, strict=True):
        theme_links += [
            m.Measure.themes.through(measure_id=measure.pk, theme_id=t) for t in theme_ids
        ]
        for _record_type, record_id, role, note in link_plan:
            links.append(
                m.MeasureLink(
                    measure_id=measure.pk,
                    record_id=record_id,
                    role=role,
                    note_zh=note[0],
                    note_en=note[1],
                )
            )
        citations.append(
            m.Citation(
                measure_id=measure.pk,
                source=article,
                paragraph=paragraph,
                quote_zh=f"{measure.name_zh}。{measure.summary_zh}",
            )
        )
        if count:
            counts.append(m.MeasureCount(measure_id=measure.pk, **count))
    m.Measure.themes.through.objects.bulk_create(theme_links, batch_size=BATCH)
    m.MeasureLink.objects.bulk_create(links, batch_size=BATCH)
    m.Citation.objects.bulk_create(citations, batch_size=BATCH)
    m.MeasureCount.objects.bulk_create(counts, batch_size=BATCH)


def measure_fields(number, rng, themes, theme_zipf, records, record_zipf, m):
    topic_zh, topic_en = rng.choice(TOPICS)
    action_zh, action_en = rng.choice(ACTIONS)
    object_zh, object_en = rng.choice(OBJECTS)
    fields = {
        "slug": f"measure-{number:06d}",
        "name_zh": f"{action_zh}{topic_zh}AI{object_zh}（第{number}號）",
        "name_en": f"{action_en} an AI {object_en} for {topic_en} (no. {number:06d})",
        "summary_zh": (
            f"政府將{action_zh}{topic_zh}範疇的人工智能{object_zh}，提升服務效率及質素，"
            f"並與業界、大專院校及公營機構合作，推動相關應用及人才培訓。"
        ),
        "summary_en": (
            f"The Government will work on an AI {object_en} for {topic_en}, to make services "
            f"faster and better, with industry, universities and public bodies, and will train "
            f"people to use it."
        ),
        "kind": weighted(rng, KIND_WEIGHTS),
        # bulk_create does not save() each measure: the derived status is written here.
        "budget": "2026-27",
        "status": (status := weighted(rng, STATUS_WEIGHTS)),
        "status_at_announcement": status,
        "status_as_of": datetime.date(2026, 2, 25),
    }
    if rng.random() < AMOUNT_SHARE:
        fields["amount_hkd"] = round_amount(10 ** rng.uniform(6, 10))
        fields["amount_type"] = weighted(rng, AMOUNT_TYPE_WEIGHTS)
    if rng.random() < 0.7:
        year = rng.randint(1997, 2030)
        half_zh, half_en, month = rng.choice(HALVES)
        fields["starts_on"] = datetime.date(year, month, 1)
        fields["timing_zh"] = f"{year}年{half_zh}"
        fields["timing_en"] = half_en.format(year=year)
        if rng.random() < 0.3:
            fields["ends_on"] = datetime.date(
                year + rng.randint(1, 5), month, 1
            ) - datetime.timedelta(days=1)
    theme_ids = sorted(
        {themes[theme_zipf.draw(rng)] for _ in range(weighted(rng, THEME_COUNT_WEIGHTS))}
    )
    link_plan, seen = [], set()
    for _ in range(weighted(rng, LINK_COUNT_WEIGHTS)):
        record_type = weighted(rng, LINK_WEIGHTS)
        record_id = records[record_type][record_zipf[record_type].draw(rng)]
        role = rng.choice(ROLES[record_type])
        if (record_type, record_id, role) in seen:
            continue
        seen.add((record_type, record_id, role))
        note = ("與業界合作推行", "Works with industry on it") if rng.random() < 0.3 else ("", "")
        link_plan.append((record_type, record_id, role, note))
    count = None
    if rng.random() < 0.2:
        unit_zh, unit_en = rng.choice(UNITS)
        count = {
            "value": rng.randint(1, 500),
            "approximation": "about" if rng.random() < 0.3 else "exact",
            "unit_zh": unit_zh,
            "unit_en": unit_en,
        }
    return m.Measure(**fields), (theme_ids, link_plan, rng.randint(1, 40), count)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--measures", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="Rebuild even if the size matches.")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def log(message):
        print(message, file=sys.stderr, flush=True)

    name = connection.settings_dict["NAME"]
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", interactive=False, verbosity=0)
    wanted, current = wanted_sizes(args.measures), current_sizes()
    if current == wanted and not args.force:
        log(f"{name}: already holds {args.measures:,} measures")
        if pending:
            log(f"{name}: {len(pending)} migrations applied: compacting the measures' table")
            compact()
        return
    log(f"{name}: building {args.measures:,} measures (had {current['measures']:,})")
    build(args.measures, args.seed, log)


if __name__ == "__main__":
    main()
