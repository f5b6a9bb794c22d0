"""`manage.py build_fixture DOC [DOC ...] --output PATH`: news documents in, one fixture out."""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import importing


class Command(BaseCommand):
    help = (
        "Build one fixture from plain-text news documents: an article body, two blank lines, "
        "then one headline per line. See docs/staff.md."
    )
    # It reads and writes files only: project checks would add start-up time and stderr noise, nothing else.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("documents", nargs="+", metavar="DOC")
        parser.add_argument("--output", metavar="PATH", help="Where to write the fixture.")
        parser.add_argument(
            "--title", help="The article's title (one document only); else from its lead sentence."
        )
        parser.add_argument(
            "--published-at",
            metavar="TIME",
            help="ISO 8601 with an offset, e.g. 2025-09-19T09:00:00Z; else published_at in DOC's .meta.toml.",
        )
        parser.add_argument(
            "--lexicon",
            default=Path(settings.BASE_DIR, "fixtures", "lexicon.toml"),
            metavar="PATH",
            help="The tagging lexicon (default: fixtures/lexicon.toml).",
        )
        parser.add_argument(
            "--check", action="store_true", help="Print what would be created; write nothing."
        )

    def handle(self, *args, documents, output, title, published_at, lexicon, check, **options):
        if output is None and not check:
            raise CommandError("--output PATH is required (or --check to write nothing)")
        # call_command() hands options over unparsed, so paths may arrive as text.
        documents, lexicon = [Path(path) for path in documents], Path(lexicon)
        output = None if output is None else Path(output)
        if output is not None and output.resolve() in {path.resolve() for path in [*documents, lexicon]}:
            raise CommandError(f"{output}: is an input; choose another --output")
        try:
            when = (
                None if published_at is None else importing.parse_published_at(published_at, "--published-at")
            )
            result = importing.build(
                documents, importing.load_lexicon(lexicon), title=title, published_at=when
            )
        except importing.DocumentError as error:
            raise CommandError(error) from None
        if check:
            self.stdout.write(importing.report(result))
            self.stdout.write("Nothing written (--check).")
            return
        write_atomically(output, importing.json_chunks(importing.fixture_objects(result)))
        self.stdout.write(
            f"Wrote {output}: {len(result.articles)} article(s), {len(result.headlines)} headline(s), "
            f"{len(result.tags)} tag(s)."
        )


def write_atomically(path, chunks):
    """Write the text `chunks` to `path`, which then holds its old content or all the new, never a part."""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise CommandError(f"{path}: cannot write ({error.strerror})") from None
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as file:
            file.writelines(chunks)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as error:
        os.unlink(temporary)
        if isinstance(error, OSError):
            raise CommandError(f"{path}: cannot write ({error.strerror})") from None
        raise
