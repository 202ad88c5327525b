from django.db.models import QuerySet


def cases_visible_to(*, user) -> QuerySet:
    """Return the cases `user` may see."""
    from cases.models import Case

    return Case.objects.none()
