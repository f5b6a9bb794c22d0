"""The project as a new user and CI meet it: the README's commands, migrations, checks."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def readme_commands():
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_opens_with_two_setup_commands():
    start, test = readme_commands()[:2]
    assert "loaddata seed" in start and start.endswith("runserver")
    assert test.endswith("pytest")


def test_ci_runs_the_readme_test_command():
    test_command = readme_commands()[1]
    assert test_command in (ROOT / ".ci" / "run").read_text()


@pytest.mark.django_db
def test_models_have_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_requirements_are_pinned_exactly():
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines
    assert all("==" in line for line in lines), [line for line in lines if "==" not in line]
