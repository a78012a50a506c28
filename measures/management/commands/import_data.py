import itertools
import json
from pathlib import Path

from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, transaction

from measures.models import DataRevision


class InvalidImport(Exception):
    pass


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
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        problems = []
        try:
            with transaction.atomic():
                count = self.load(text, problems)
                if problems:
                    raise InvalidImport
                DataRevision.bump()
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
                record.save_deferred_fields()
            except (DeserializationError, ObjectDoesNotExist) as error:
                problems.append(
                    f"record {position} ({describe(record.object)}): refers to a record that "
                    f"does not exist: {error}"
                )
        return count

    def save(self, position, record, problems):
        """Checks and saves one record, with a history entry; False if it has problems."""
        instance = record.object
        where = f"record {position} ({describe(instance)})"
        unresolved = [field for field in record.deferred_fields if not field.null]
        for field in unresolved:
            problems.append(
                f"{where}: field {field.name}: no {field.related_model._meta.label_lower} "
                f"{record.deferred_fields[field]} exists"
            )
        if unresolved:
            return False
        if instance.pk is not None:
            # Matched an existing row by its natural key: an update, not a duplicate.
            instance._state.adding = not type(instance).objects.filter(pk=instance.pk).exists()
        is_new = instance._state.adding
        try:
            instance.full_clean(exclude=[field.name for field in record.deferred_fields])
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                field_text = "" if field == "__all__" else f" field {field}:"
                problems.extend(f"{where}:{field_text} {message}" for message in messages)
            return False
        try:
            with transaction.atomic():
                record.save()
        except DatabaseError as error:
            problems.append(f"{where}: {error}")
            return False
        if hasattr(type(instance), "history"):
            # A raw save writes no history of its own; keep the admin's history complete.
            type(instance).history.bulk_history_create([instance], update=not is_new)
        return True
