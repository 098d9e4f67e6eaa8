from organisations.selectors import user_roles


def roles(request) -> dict:
    """The signed-in user's roles, for navigation in every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": None}
    return {"roles": user_roles(user)}
