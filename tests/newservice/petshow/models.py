from django.db import models


class ShowClass(models.Model):
    """A class of the show ("Best rescue dog"); carries the entry form's questions."""

    name = models.CharField(max_length=100)
    name_es = models.CharField(max_length=100, blank=True)
    fee_cents = models.PositiveIntegerField()
    show_day = models.DateField()

    def __str__(self) -> str:
        return self.name


class Entry(models.Model):
    """One pet entered in one class: a case of kind "pet_show_entry"."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="pet_entry")
    show_class = models.ForeignKey(ShowClass, on_delete=models.PROTECT)
    pet_name = models.CharField(max_length=100)
    answers = models.JSONField(default=dict)

    def __str__(self) -> str:
        return self.pet_name
