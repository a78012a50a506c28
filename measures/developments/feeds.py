"""Atom feeds of the developments: all of them, and one measure's, in the page's language."""

import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import CONTROL_CHARACTER, Development, Measure
from ..views import renamed_redirect

FEED_LENGTH = 50
# An entry's title is its date and the start of its text, cut at this many characters.
TITLE_LENGTH = 100


def for_xml(text):
    """``text`` without the control characters XML 1.0 cannot hold, each written as a space.
    The models refuse them now; a text saved before may still hold one, and one would make
    the whole feed fail to render."""
    return CONTROL_CHARACTER.sub(" ", str(text))


class AtomFeed(Atom1Feed):
    """Atom, where a feed with no entry yet is last updated when its subject was (the
    ``updated`` given to it), not at each request: feed readers then see nothing new."""

    def latest_post_date(self):
        if not self.items and self.feed.get("updated"):
            return self.feed["updated"]
        return super().latest_post_date()


class DevelopmentFeed(Feed):
    feed_type = AtomFeed

    def author_name(self):
        return _("Budget 2026 AI measures")

    def title(self):
        return _("Developments of the Budget’s AI measures")

    def subtitle(self):
        return _("What has happened to each AI measure of Hong Kong’s Budget, with its sources")

    def link(self):
        return reverse("measures:development-list")

    def feed_url(self):
        return reverse("measures:development-feed")

    def developments(self):
        return Development.objects.for_display().newest_first()

    def items(self):
        return self.developments()[:FEED_LENGTH]

    def item_title(self, development):
        """The date and what happened, cut short: the measure's name alone, such as "... comes
        into operation", would read as the event itself."""
        date = development.happened_on.strftime("%Y-%m" if development.month_only else "%Y-%m-%d")
        return for_xml(f"{date} {Truncator(development.text).chars(TITLE_LENGTH)}")

    def item_description(self, development):
        """The text, then its sources as links (Atom readers show the summary as HTML)."""
        sources = format_html_join(
            "; ",
            '<a href="{}">{}: {}</a>',
            (
                (citation.source.url, citation.source.publisher, citation.source.original_title)
                for citation in development.citations.all()
            ),
        )
        return for_xml(
            format_html(
                "<p>{} {}</p><p>{}</p><p>{} {}</p>",
                _("Measure:"),
                development.measure.name,
                development.text,
                _("Source:"),
                sources,
            )
        )

    def item_link(self, development):
        return development.get_absolute_url()

    def item_guid(self, development):
        """A lasting identifier per development and language (the two feeds are separate)."""
        return f"tag:budget2026-ai,2026:development/{development.pk}/{get_language()}"

    item_guid_is_permalink = False

    def item_pubdate(self, development):
        return timezone.make_aware(
            datetime.datetime.combine(development.happened_on, datetime.time())
        )

    def item_updateddate(self, development):
        return development.updated_at

    def item_categories(self, development):
        return [development.get_status_display()] if development.status else []


class MeasureDevelopmentFeed(DevelopmentFeed):
    def __call__(self, request, *args, **kwargs):
        """Asked for by a slug its measure had before, the feed redirects for good to the
        measure's feed now, as the measure's page does, so that subscriptions keep working."""
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            redirect_to_renamed = renamed_redirect(request, Measure.objects.all(), kwargs)
            if redirect_to_renamed is None:
                raise
        return redirect_to_renamed

    def get_object(self, request, slug):
        return get_object_or_404(Measure, slug=slug)

    def title(self, measure):
        return for_xml(_("Developments: %(name)s") % {"name": measure.name})

    def subtitle(self, measure):
        return for_xml(measure.summary)

    def link(self, measure):
        return measure.get_absolute_url()

    def feed_url(self, measure):
        return reverse("measures:measure-development-feed", args=[measure.slug])

    def items(self, measure):
        return self.developments().filter(measure=measure)[:FEED_LENGTH]

    def feed_extra_kwargs(self, measure):
        return {"updated": measure.updated_at}
