import factory
from allauth.account.models import EmailAddress

from accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A resident with a verified e-mail address, who can sign in with DEFAULT_PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"resident{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.update_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class StaffFactory(UserFactory):
    """A clerk: staff, without MFA until a test enrols it.

    `roles` are the staff roles it holds (cases/permissions.py): each a role, held across
    the agency, or a (role, department) pair. A clerk across the agency unless given;
    `roles=[]` for staff without any role.
    """

    email = factory.Sequence(lambda n: f"clerk{n}@springfield.example.gov")
    is_staff = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        from cases.staffing import staff_membership_grant

        for entry in ["clerk"] if extracted is None else extracted:
            role, department = entry if isinstance(entry, tuple) else (entry, None)
            staff_membership_grant(user=self, role=role, department=department)
