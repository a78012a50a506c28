import itertools
from pathlib import Path

from django.core import serializers
from django.core.exceptions import ValidationError
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


class Command(BaseCommand):
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
        count = 0
        try:
            records = serializers.deserialize("json", text, ignorenonexistent=False)
        except DeserializationError as error:
            problems.append(f"the file is not valid JSON: {error.__cause__ or error}")
            return count
        for position in itertools.count(1):
            try:
                record = next(records)
            except StopIteration:
                return count
            except DeserializationError as error:
                # Broken JSON, an unknown model or field, or a link to a record that does not
                # exist: the rest of the file cannot be read reliably.
                problems.append(f"record {position}: {error or error.__cause__}")
                return count
            instance = record.object
            if instance.pk is not None:
                # Matched an existing row by its natural key: an update, not a duplicate.
                instance._state.adding = not type(instance).objects.filter(pk=instance.pk).exists()
            try:
                instance.full_clean()
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    where = "" if field == "__all__" else f" field {field}:"
                    for message in messages:
                        problems.append(
                            f"record {position} ({describe(instance)}):{where} {message}"
                        )
                continue
            try:
                with transaction.atomic():
                    record.save()
            except DatabaseError as error:
                problems.append(f"record {position} ({describe(instance)}): {error}")
                continue
            count += 1
