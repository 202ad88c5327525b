"""Forms as data: questions and document checklists an administrator attaches to any owner
(a license type, a concern category, a permit type, a facility) in the admin.

- `models`: `Question` and `DocumentRequirement`, each on a generic owner (contenttypes).
- `rules`: form fields for questions, validation of answers, the stored form of answers,
  conditional questions, and answers as a resident reads them.
- `forms`: `QuestionsForm`, a page of an owner's questions.
- `selectors`: an owner's questions and documents, in order.
- `summary`: the rows of a "check your answers" page.
- `admin`: inlines that put the questions and documents on any owner's admin page.

Answers are stored by the owning service (JSON keyed by question code), so a question can be
moved or reworded without touching the answers already given.
"""
