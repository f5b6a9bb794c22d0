"""Paging long lists without counting them.

Django's `Paginator` counts the whole list to number its pages. For a popular
tag that count is most of the page's cost (21,000 headlines: 88 ms on
PostgreSQL, on every uncached tag page), while readers of a news archive page
by "Newer" and "Older", not by a total. `UncountedPaginator` fetches one item
more than a page shows, to know whether another page follows, and never counts.
"""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator


class UncountedPage(Page):
    def __init__(self, rows, number, paginator):
        super().__init__(rows[: paginator.per_page], number, paginator)
        self.followed = len(rows) > paginator.per_page

    def has_next(self):
        return self.followed


class UncountedPaginator(Paginator):
    """A `Paginator` whose pages know whether another follows, but not how many: no count query."""

    uncounted = True  # templates show "Page 3", not "Page 3 of N"
    # What Django checks page numbers against instead of a count: past any real list, and an
    # OFFSET every database still takes.
    num_pages = 100_000

    def page(self, number):
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start : start + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        return UncountedPage(rows, number, self)

    def get_page(self, number):
        """The page `number` names, the first for junk; EmptyPage outside the list: no last page is known."""
        try:
            number = self.validate_number(number)
        except PageNotAnInteger:
            number = 1
        return self.page(number)
