from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from taggit.models import Tag as TaggitTag

from .models import Article, Correction, Headline, Tag

# Our own Tag model replaces taggit's: one "Tags" in the admin, not two.
admin.site.unregister(TaggitTag)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ["title", "status", "published_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "standfirst", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    inlines = [CorrectionInline]


@admin.register(Headline)
class HeadlineAdmin(SimpleHistoryAdmin):
    list_display = ["text", "position", "status", "published_at"]
    list_editable = ["position"]
    list_filter = ["status"]
    search_fields = ["text"]
    autocomplete_fields = ["article"]
