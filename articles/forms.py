"""The editors' desk forms: rich-text body, tag entry, publishing rules and the no-lost-edits check."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import display_for_value
from django.contrib.admin.widgets import AdminURLFieldWidget, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget

from .models import Article, Headline, Status, Tag
from .text import ControlCharacterError, normalise_text

# What the body editor offers, kept within articles.html.ALLOWED_TAGS: anything
# else it produced would be dropped by the sanitiser on save.
BODY_EXTENSIONS = {
    "Heading": {"levels": [2, 3, 4]},
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Code": True,
    "CodeBlock": True,
    "HardBreak": True,
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
}

PUBLISHING_HELP = (
    "Draft: only staff see it (use “View on site” for a preview). "
    "Published with a publication time in the past or empty: readers see it now. "
    "Published with a time in the future: scheduled, readers see it from that moment. "
    "Only editors can publish, schedule or unpublish."
)


class TagAutocompleteWidget(AutocompleteSelectMultiple):
    """The admin's autocomplete over tag names, which also takes a name that is no tag yet."""

    url_name = "%s:articles_tag_names"

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        attrs["data-tags"] = "true"
        attrs["data-token-separators"] = '[","]'
        return attrs

    def optgroups(self, name, value, attrs=None):
        return [(None, [self.create_option(name, tag, tag, True, i) for i, tag in enumerate(value)], 0)]


class TagNamesField(forms.Field):
    """Tag names, existing or new; taggit matches them to tags ignoring case, so none is duplicated."""

    def __init__(self, model, **kwargs):
        field = model._meta.get_field("tags")
        kwargs.setdefault("widget", TagAutocompleteWidget(field, admin.site))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Type to find a tag; a name that is no tag yet creates one.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return [getattr(tag, "name", tag) for tag in value or []]

    def to_python(self, value):
        names = {}
        for name in value or []:
            try:
                name = " ".join(normalise_text(str(name)).split())
            except ControlCharacterError as error:
                raise ValidationError(f"Tag “{name}”: {error}.", code="control_character") from None
            if name:
                names.setdefault(name.casefold(), name)
        return list(names.values())


class NormalisedTextForm(forms.ModelForm):
    """Applies the project's text rule (articles/text.py) to `normalised_fields`, as `loaddata` does."""

    normalised_fields = ()

    def clean(self):
        cleaned_data = super().clean()
        for name in self.normalised_fields:
            if isinstance(cleaned_data.get(name), str):
                try:
                    cleaned_data[name] = normalise_text(cleaned_data[name])
                except ControlCharacterError as error:
                    message = str(error)
                    self.add_error(name, f"{message[:1].upper()}{message[1:]}.")
        return cleaned_data


class TagAdminForm(NormalisedTextForm):
    normalised_fields = ("name", "description")

    class Meta:
        model = Tag
        fields = ["name", "slug", "description"]


class PublishableAdminForm(NormalisedTextForm):
    """Publishing defaults and the no-lost-edits check shared by articles and headlines.

    `version` carries the id of the newest history record when the form was
    opened. Every save records history, so a different newest record at save
    time means someone else saved in between: the save is refused and the
    error says who, when, and what the fields hold now.
    """

    normalised_fields = ("title", "text", "standfirst", "byline")
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.latest_version()

    def latest_version(self):
        return str(self.instance.history.values_list("history_id", flat=True).first() or "")

    def clean(self):
        cleaned_data = super().clean()
        latest = self.instance.pk and self.latest_version()
        if latest and cleaned_data.get("version") != latest:
            raise ValidationError(self.conflict_message(cleaned_data.get("version", "")), code="conflict")
        if cleaned_data.get("status") == Status.PUBLISHED and not cleaned_data.get("published_at"):
            cleaned_data["published_at"] = timezone.now().replace(microsecond=0)
        return cleaned_data

    def conflict_message(self, opened_version):
        latest = self.instance.history.select_related("history_user").first()
        opened = None
        if opened_version.isdigit():
            opened = self.instance.history.filter(history_id=opened_version).first()
        opts = self.instance._meta
        if opened is None:
            changed = [field.name for field in opts.fields if field.name in self.fields]
        else:
            changed = latest.diff_against(opened).changed_fields
        current = "; ".join(
            f"{opts.get_field(name).verbose_name}: “{display_value(getattr(latest, name))}”"
            for name in changed
        )
        who = latest.history_user or "someone"
        when = timezone.localtime(latest.history_date).strftime("%H:%M:%S")
        return (
            f"Not saved: {who} saved this {opts.verbose_name} at {when}, after you opened it. "
            f"Now saved — {current or 'tags or corrections'}. "
            "Your changes are still in the form: copy them, reload the page and apply them again."
        )


def display_value(value):
    return Truncator(strip_tags(display_for_value(value, "—"))).chars(120)


class ArticleAdminForm(PublishableAdminForm):
    body = ProseEditorFormField(
        extensions=BODY_EXTENSIONS,
        widget=AdminProseEditorWidget,
        help_text=Article._meta.get_field("body").help_text,
    )
    tags = TagNamesField(Article)

    class Meta:
        model = Article
        fields = ["title", "slug", "standfirst", "body", "byline", "tags", "status", "published_at"]

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not strip_tags(body).strip():
            raise ValidationError("Write the story before saving.", code="required")
        return body


class HeadlineAdminForm(PublishableAdminForm):
    url = forms.URLField(
        label="external link",
        max_length=500,
        required=False,
        assume_scheme="https",
        widget=AdminURLFieldWidget,
        help_text=Headline._meta.get_field("url").help_text,
    )
    tags = TagNamesField(Headline)

    class Meta:
        model = Headline
        fields = [
            "text",
            "slug",
            "article",
            "url",
            "tags",
            "position",
            "is_breaking",
            "breaking_until",
            "status",
            "published_at",
        ]


class ScheduleForm(forms.Form):
    published_at = forms.DateTimeField(
        label="Publication time",
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=f"In {timezone.get_default_timezone_name()}. Readers see the items from this moment.",
    )

    def clean_published_at(self):
        published_at = self.cleaned_data["published_at"]
        if published_at <= timezone.now():
            raise ValidationError("Choose a time in the future; to publish now, use “Publish now”.")
        return published_at


class MergeTagsForm(forms.Form):
    survivor = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        label="Keep",
        help_text="The other tags' articles and headlines move to this one; their pages redirect here.",
    )

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = tags
