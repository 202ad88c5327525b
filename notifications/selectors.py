def inbox_for(*, user):
    """Return `user`'s in-app messages, newest first."""
    return []
