import itertools
import json
import os
from pathlib import Path

from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, transaction

from measures.signals import changes_written_at_end

# Larger files are refused before they are read (the curated data is about 100 KB; the full
# download of 100,000 measures about 200 MB): set IMPORT_MAX_MEGABYTES for a bigger import.
DEFAULT_MAX_MEGABYTES = 50
# The only models a file may hold, with the fields that name an object of each (its natural
# key): two entries naming the same object are refused.
IMPORTABLE = {
    "measures.theme": ("slug",),
    "measures.source": ("slug",),
    "measures.record": ("type", "slug"),
    "measures.measure": ("slug",),
    "measures.measurelink": ("measure", "record", "role"),
    "measures.measurecount": ("measure", "unit_en"),
    "measures.measurerelation": ("from_measure", "to_measure", "kind"),
    "measures.development": ("measure", "slug"),
    "measures.developmentfigure": ("development", "label_en"),
    "measures.citation": ("measure", "development", "source", "paragraph"),
}


class InvalidImport(Exception):
    pass


def frozen(value):
    """A JSON value as something hashable (natural keys hold lists)."""
    return tuple(frozen(part) for part in value) if isinstance(value, list) else value


def check_entries(entries):
    """Problems of the file's shape, found before anything is written: entries that are not
    objects, models outside the knowledge base, database ids of existing rows, two entries for
    one object, successions that go round in a circle."""
    from django.apps import apps

    if not isinstance(entries, list):
        return ["the file must hold a list of records, [ {...}, {...} ]"]
    problems, seen, successors = [], {}, {}
    for position, entry in enumerate(entries, 1):
        where = f"record {position}"
        if not isinstance(entry, dict) or not isinstance(entry.get("fields"), dict):
            problems.append(f"{where}: not a record ({json.dumps(entry)[:80]})")
            continue
        label = str(entry.get("model", "")).lower()
        if label not in IMPORTABLE:
            problems.append(
                f"{where}: model {label or '(none)'} cannot be imported; a file holds only "
                f"{', '.join(sorted(IMPORTABLE))}"
            )
            continue
        fields = entry["fields"]
        key = tuple(frozen(fields.get(name)) for name in IMPORTABLE[label])
        where = f"{where} ({label} {list(key)})"
        if "pk" in entry:
            model = apps.get_model(label)
            if model._default_manager.filter(pk=entry["pk"]).exists():
                problems.append(
                    f"{where}: field pk: {entry['pk']!r} is the database id of an existing row; "
                    "name records by their natural keys, without pk"
                )
        if (label, key) in seen:
            problems.append(f"{where}: the same record as record {seen[label, key]}")
        seen.setdefault((label, key), position)
        if label == "measures.record" and fields.get("successor"):
            successors[key] = (position, frozen(fields["successor"]))
    for key, (position, successor) in successors.items():
        chain, current = [key], successor
        while current in successors and current not in chain:
            chain.append(current)
            current = successors[current][1]
        if current in chain:
            circle = " → ".join("/".join(map(str, part)) for part in [*chain, current])
            problems.append(
                f"record {position} (measures.record {list(key)}): field successor: "
                f"the succession goes round in a circle: {circle}"
            )
    return problems


def describe(instance):
    key = instance.natural_key() if hasattr(instance, "natural_key") else (instance.pk,)
    try:
        key_text = ", ".join(str(part) for part in key)
    except Exception:  # a link whose measure or record could not be resolved
        key_text = "?"
    return f"{instance._meta.label_lower} [{key_text}]"


def raw_record(text, position):
    """The ``position``-th object of the JSON file, shortened, to show what a problem is in."""
    try:
        record = json.loads(text)[position - 1]
        shown = f"{record['model']} {json.dumps(record.get('fields'), ensure_ascii=False)}"
    except (ValueError, IndexError, KeyError, TypeError):
        return "unreadable"
    return shown if len(shown) <= 300 else f"{shown[:300]}…"


def max_megabytes():
    value = os.environ.get("IMPORT_MAX_MEGABYTES", "")
    if not value:
        return DEFAULT_MAX_MEGABYTES
    if not value.isdigit() or int(value) < 1:
        raise CommandError(f"IMPORT_MAX_MEGABYTES must be a whole number of 1 or more: {value!r}")
    return int(value)


class Command(BaseCommand):
    """``manage.py import_data FILE``: all-or-nothing import of knowledge-base records."""

    help = (
        "Imports a JSON file of knowledge-base records (Django's fixture format with natural "
        "keys, like fixtures/budget2026.json or the full download of the data page). Every "
        "record is checked with the same rules as the admin; if any record is invalid, nothing "
        "is imported and each problem is reported with its record and field."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The JSON file to import.")

    @no_translations
    def handle(self, *args, path, verbosity=1, **options):
        limit = max_megabytes()
        try:
            size = path.stat().st_size
            if size > limit * 2**20:
                raise CommandError(
                    f"{path}: nothing imported: the file has {size / 2**20:.1f} MB, over the "
                    f"limit of {limit} MB (IMPORT_MAX_MEGABYTES)"
                )
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            problems = check_entries(json.loads(text))
        except ValueError:
            problems = []  # reported with its position by the deserializer below
        try:
            with transaction.atomic():
                if problems:
                    raise InvalidImport
                # Search documents, totals and the data revision are written once, at the end.
                with changes_written_at_end():
                    count = self.load(text, problems)
                if problems:
                    raise InvalidImport
        except InvalidImport:
            listing = "\n".join(f"- {problem}" for problem in problems)
            raise CommandError(
                f"{path}: nothing imported, {len(problems)} problem(s):\n{listing}"
            ) from None
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Imported {count} records from {path}."))

    def load(self, text, problems):
        try:
            records = serializers.deserialize(
                "json", text, ignorenonexistent=False, handle_forward_references=True
            )
        except DeserializationError as error:
            problems.append(f"the file is not valid JSON: {error.__cause__ or error}")
            return 0
        count, waiting = 0, []
        for position in itertools.count(1):
            try:
                record = next(records)
            except StopIteration:
                break
            except DeserializationError as error:
                # An unknown model or field, or a link to a record that does not exist: the
                # rest of the file cannot be read reliably.
                problems.append(f"record {position} ({raw_record(text, position)}): {error}")
                return count
            if self.save(position, record, problems):
                count += 1
                if record.deferred_fields:
                    waiting.append((position, record))
        # References to records that came later in the file.
        for position, record in waiting:
            try:
                with transaction.atomic():
                    record.save_deferred_fields()
            except DatabaseError as error:
                problems.extend(self.rules_broken(position, record.object, [], error))
            except (DeserializationError, ObjectDoesNotExist) as error:
                problems.append(
                    f"{self.where(position, record.object)}: refers to a record that does not "
                    f"exist: {error}"
                )
        return count

    def save(self, position, record, problems):
        """Checks and saves one record, with a history entry; False if it has problems.

        The rules between fields (the database's constraints) are checked by saving: Django
        checks them with a query each, most of an import's time. Only a record the database
        refuses is checked with them, to name the rule and the field it broke."""
        instance = record.object
        unresolved = [field for field in record.deferred_fields if not field.null]
        for field in unresolved:
            problems.append(
                f"{self.where(position, instance)}: field {field.name}: no "
                f"{field.related_model._meta.label_lower} {record.deferred_fields[field]} exists"
            )
        if unresolved:
            return False
        if instance.pk is not None:
            # Matched an existing row by its natural key: an update, not a duplicate.
            instance._state.adding = not type(instance).objects.filter(pk=instance.pk).exists()
        is_new = instance._state.adding
        exclude = [field.name for field in record.deferred_fields]
        try:
            instance.full_clean(exclude=exclude, validate_constraints=False)
        except ValidationError:
            problems.extend(self.rules_broken(position, instance, exclude))
            return False
        try:
            with transaction.atomic():
                record.save()
        except DatabaseError as error:
            problems.extend(self.rules_broken(position, instance, exclude, error))
            return False
        if hasattr(type(instance), "history"):
            # A raw save writes no history of its own; keep the admin's history complete.
            type(instance).history.bulk_history_create([instance], update=not is_new)
        return True

    @staticmethod
    def where(position, instance):
        return f"record {position} ({describe(instance)})"

    @classmethod
    def rules_broken(cls, position, instance, exclude, error=None):
        """Every rule ``instance`` breaks, of its fields and between them, as a problem naming
        the record (and the field); ``error``, the database's refusal, if none is found."""
        where = cls.where(position, instance)
        try:
            instance.full_clean(exclude=exclude)
        except ValidationError as invalid:
            return [
                f"{where}:{'' if field == '__all__' else f' field {field}:'} {message}"
                for field, messages in invalid.message_dict.items()
                for message in messages
            ]
        return [f"{where}: {error}"]
