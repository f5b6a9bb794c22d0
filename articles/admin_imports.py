"""The import audit trail in the admin: staff read it, nobody edits or deletes it."""

from django.contrib import admin

from .models import ImportRecord


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["imported_at", "user", "fixture_files", "created", "updated", "unchanged", "skipped"]
    list_filter = ["user"]
    search_fields = ["user", "fixtures", "report"]
    date_hierarchy = "imported_at"
    fields = ["imported_at", "user", "fixtures", "created", "updated", "unchanged", "skipped", "report"]

    @admin.display(description="fixtures")
    def fixture_files(self, record):
        return ", ".join(path.rsplit("/", 1)[-1] for path in record.fixtures.splitlines())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
