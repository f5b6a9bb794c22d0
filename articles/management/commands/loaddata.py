"""`loaddata` that never clobbers editors' work: the way staff load fixtures.

Django's own command overwrites every row whose key matches a fixture row,
resetting whatever an editor changed since. This one takes the same arguments,
loads in the same single transaction and exits 0 on success, with these
differences:

- An article or headline edited since it was imported is SKIPPED, with its tag
  links, and reported on one line. Imports keep the fixture's `updated_at`
  (raw saves do not run `auto_now`) and note it in the import record, so a row
  whose `updated_at` is neither the fixture's nor the one its last import gave
  it was saved by someone else since. A row no import record knows counts as
  edited unless its `updated_at` is the fixture's.
- A tag an editor merged into another is not recreated: it is skipped and
  reported, and the fixture's links to it go to the tag it became.
- A tag has no edit time: the import record keeps a hash of the name and
  description each import gave it, and a tag edited since is skipped the same
  way. A tag no import knows takes the fixture's name and description (and
  keeps its links), as a tag created ahead of the seed should.
- A fixture row carrying a primary key that belongs to another item is added
  as a new row instead of overwriting that item.
- Articles, headlines, tags and corrections are checked as the admin would
  check them (slugs, lengths, choices, link schemes), their text normalised
  to NFC with invisible formatting characters (zero-width, bidi controls,
  BOM) removed; a control character such as NUL refuses the whole load, which
  says which row and field.
- Rows already as in the fixture are counted as unchanged: loading the same
  fixture twice changes nothing.
- Every successful run leaves an `ImportRecord` (who, when, which files and the
  counts). A failed run changes nothing, that record included; on the command
  line it says why on one line (`CommandError: Nothing was loaded: ...`, exit
  status 1), while `call_command` raises the error as Django's command does.
"""

import getpass
import hashlib
import os
import re
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, models

from articles.models import (
    Article,
    Correction,
    Headline,
    ImportRecord,
    Tag,
    TaggedArticle,
    TaggedHeadline,
    TagRedirect,
)
from articles.text import ControlCharacterError, normalise_text

# Items an editor works on, and the through model holding each one's tag links.
EDITED_ITEMS = {Article: TaggedArticle, Headline: TaggedHeadline}
TAG_LINKS = {through: item for item, through in EDITED_ITEMS.items()}
# Content whose rows are checked and normalised before they are saved.
CHECKED = {Article, Headline, Tag, Correction}
# What Django's `<slug:>` converter accepts: any other slug would leave its page unreachable.
URL_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# What a fixture can fail with, besides the CommandErrors this command raises itself.
LOAD_ERRORS = (DatabaseError, DeserializationError, ValueError, LookupError, OSError)


def one_line(exc):
    """The messages along an exception's chain, de-duplicated, on one line."""
    messages = []
    while exc is not None:
        message = re.sub(r"\s+", " ", str(exc)).strip()
        if message and not any(message in seen for seen in messages):
            messages.append(message)
        exc = exc.__cause__ or exc.__context__
    text = ": ".join(messages) or "unknown error"
    return text if len(text) <= 500 else text[:497] + "..."


def current_user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def field_values(instance):
    return {field.attname: field.value_from_object(instance) for field in instance._meta.concrete_fields}


class Command(loaddata.Command):
    help = (
        "Installs the named fixture(s) in the database, skipping articles and headlines edited since "
        "they were imported, and records the import."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--user",
            default=None,
            help="Who runs the import, for the audit record. Defaults to the operating-system user.",
        )

    def handle(self, *fixture_labels, **options):
        self.user = options["user"] or current_user()
        self.fixture_files = []
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        self.report = []
        self.skipped_pks = {model: set() for model in EDITED_ITEMS}
        self.stamps = {}
        super().handle(*fixture_labels, **options)

    def run_from_argv(self, argv):
        """A failed load on the command line: one line, exit status 1 (`call_command` raises)."""
        try:
            super().run_from_argv(argv)
        except LOAD_ERRORS as exc:
            if "--traceback" in argv:
                raise
            # Django's transaction has rolled everything back by now.
            self.stderr.write(f"CommandError: Nothing was loaded: {one_line(exc)}")
            sys.exit(1)

    def check_row(self, instance):
        """Normalise the row's text and check it as a form would; CommandError says what is wrong."""
        opts = instance._meta
        key = getattr(instance, "slug", None) or instance.pk or "new"
        where = f"{self.fixture_files[-1]}: {opts.verbose_name} '{key}'"
        for field in opts.concrete_fields:
            value = getattr(instance, field.attname)
            if isinstance(field, (models.CharField, models.TextField)) and isinstance(value, str):
                try:
                    setattr(instance, field.attname, normalise_text(value))
                except ControlCharacterError as error:
                    raise CommandError(f"Nothing was loaded: {where}: {field.name}: {error}") from None
        slug = getattr(instance, "slug", None)
        if slug is not None and not URL_SLUG.fullmatch(slug):
            raise CommandError(
                f"Nothing was loaded: {where}: slug: only ASCII letters, digits, hyphens and "
                "underscores, or readers' addresses cannot reach it"
            )
        relations = [field.name for field in opts.concrete_fields if field.is_relation]
        try:
            instance.clean_fields(exclude=relations)
        except ValidationError as error:
            problems = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
            )
            raise CommandError(f"Nothing was loaded: {where}: {problems}") from None

    def load_label(self, fixture_label):
        self.fixture_files.extend(str(path) for path, _dir, _name in self.find_fixtures(fixture_label))
        super().load_label(fixture_label)

    def loaddata(self, fixture_labels):
        self.imported_stamps = {}
        for stamps in ImportRecord.objects.using(self.using).order_by("pk").values_list("stamps", flat=True):
            self.imported_stamps.update(stamps)
        super().loaddata(fixture_labels)
        if not self.fixture_count:
            return
        record = ImportRecord.objects.using(self.using).create(
            user=self.user,
            fixtures="\n".join(self.fixture_files),
            report="\n".join(self.report),
            stamps=self.stamps,
            **self.counts,
        )
        if self.verbosity >= 1:
            self.stdout.write(
                "Import recorded (#{pk}) for {user}: {created} created, {updated} updated, "
                "{unchanged} unchanged, {skipped} skipped.".format(
                    pk=record.pk, user=self.user, **self.counts
                )
            )

    def save_obj(self, obj):
        instance = obj.object
        model = type(instance)
        if instance._meta.app_config in self.excluded_apps or model in self.excluded_models:
            return super().save_obj(obj)
        if model in CHECKED:
            self.check_row(instance)
        before = self.existing_row(instance)
        reason = self.reason_to_skip(instance, before)
        if reason:
            self.counts["skipped"] += 1
            if reason is not True:
                self.report.append(reason)
                if self.verbosity >= 1:
                    self.stdout.write(reason)
            return False
        saved = super().save_obj(obj)
        if saved and (model in EDITED_ITEMS or model is Tag):
            self.stamps[self.stamp_key(instance)] = self.stamp(instance)
        if saved:
            if before is None:
                self.counts["created"] += 1
            elif field_values(before) == field_values(instance):
                self.counts["unchanged"] += 1
            else:
                self.counts["updated"] += 1
        return saved

    def existing_row(self, instance):
        """The row this fixture object would overwrite, found by natural key where the model has one."""
        model = type(instance)
        rows = model._base_manager.using(self.using)
        if model in EDITED_ITEMS or model is Tag:
            existing = rows.filter(slug=instance.slug).first()
            if existing is None and instance.pk is not None and rows.filter(pk=instance.pk).exists():
                # The fixture's primary key belongs to another item: add this one as new.
                instance.pk = None
            elif existing is not None:
                instance.pk = existing.pk
            return existing
        if instance.pk is None:
            return None
        return rows.filter(pk=instance.pk).first()

    def reason_to_skip(self, instance, existing):
        """Why this fixture row must not be saved: a line to report, True to skip quietly, or None."""
        model = type(instance)
        if existing is None:
            if model is Tag:
                merged = TagRedirect.objects.db_manager(self.using).merged_from(instance.slug)
                if merged is not None:
                    return (
                        f"skipped tag '{instance.slug}': merged into '{merged.tag.slug}', "
                        "which its items in this fixture get instead"
                    )
            if model in TAG_LINKS:
                return instance.content_object_id in self.skipped_pks[TAG_LINKS[model]] or None
            return None
        if model in EDITED_ITEMS and self.stamp(existing) not in {
            self.stamp(instance),
            self.imported_stamps.get(self.stamp_key(existing)),
        }:
            self.skipped_pks[model].add(existing.pk)
            return (
                f"skipped {model._meta.verbose_name} '{existing.slug}': edited since import "
                f"at {existing.updated_at.isoformat()} (the fixture has {self.iso(instance.updated_at)})"
            )
        if model is Tag:
            current = self.stamp(existing)
            if current not in {
                self.stamp(instance),
                self.imported_stamps.get(self.stamp_key(existing), current),
            }:
                return f"skipped tag '{existing.slug}': its name or description were edited since import"
        if model in TAG_LINKS:
            return instance.content_object_id in self.skipped_pks[TAG_LINKS[model]] or None
        return None

    @staticmethod
    def stamp_key(instance):
        return f"{instance._meta.model_name}:{instance.slug}"

    def stamp(self, instance):
        """What tells this row's version: its edit time, or for a tag (which has none) a hash of its text."""
        if isinstance(instance, Tag):
            return hashlib.sha256(f"{instance.name}\0{instance.description}".encode()).hexdigest()[:16]
        return self.iso(instance.updated_at)

    @staticmethod
    def iso(value):
        return value.isoformat() if value else "no edit time"
