"""Who may change whose account: the one rule of the API and the admin."""

# The flags that widen what an account may do.
PRIVILEGE_FLAGS = ("is_staff", "is_superuser")


def is_privileged(user):
    return any(getattr(user, flag, False) for flag in PRIVILEGE_FLAGS)


def may_manage(actor, user):
    """A superuser manages anyone; staff manage themselves and non-staff accounts."""
    return actor.is_superuser or user.pk == actor.pk or not is_privileged(user)


def may_grant(actor, values, user=None):
    """Only a superuser turns a privilege flag on that ``user`` (None: a new one) lacks."""
    if actor.is_superuser:
        return True
    return not any(values.get(flag) and not getattr(user, flag, False) for flag in PRIVILEGE_FLAGS)
