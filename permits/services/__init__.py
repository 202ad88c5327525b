"""Every write of the permits app, by topic (import the module you need):

- `permits.services.types`: publishing permit types;
- `permits.services.apply` (a package: `drafts`, `sending`), `apply_contractor`,
  `apply_plans`: the applying journey (drafts, contractor check, plans, fee);
- `permits.services.reviews`: plan review (rounds, comments, decisions, correction letters).
"""
