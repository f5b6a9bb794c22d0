"""The two desks: Reporters write drafts, Editors also publish, schedule and unpublish."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ["article", "headline", "tag", "correction", "tagredirect"]
REPORTER_PERMISSIONS = [
    "add_article", "change_article", "view_article",
    "add_headline", "change_headline", "view_headline",
    "add_tag", "view_tag", "view_correction",
]
EDITOR_PERMISSIONS = [
    f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")
] + ["publish_article", "publish_headline"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrations; these groups need them now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in [("Reporters", REPORTER_PERMISSIONS), ("Editors", EDITOR_PERMISSIONS)]:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reporters", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
