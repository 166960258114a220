"""Pure rules about providers and users: no database access."""


def npi_is_valid(value: str) -> bool:
    """NPI check digit: Luhn over the 9 base digits with the 80840 prefix (constant sum 24).
    ASCII digits only: str.isdigit() also accepts other scripts' and superscript digits."""
    if len(value) != 10 or not (value.isascii() and value.isdigit()):
        return False
    digits = [int(c) for c in value[:9]]
    total = 24
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(value[9])


def role_problem(role: str, organization) -> str | None:
    """Why a role does not fit an organization, or None. Takes any object with the kind flags."""
    if organization is None:
        return (
            None
            if role == "system_admin"
            else "Every user except a system admin needs an organization."
        )
    if role == "utilization_reviewer" and not organization.is_caloptima:
        return "Utilization reviewers work for CalOptima Health only."
    if role == "system_admin" and not organization.is_caloptima:
        return "System admins work for CalOptima Health only."
    if role == "health_network_staff" and not organization.is_health_network:
        return "Health network staff must belong to a health network."
    return None


def two_factor_required(*, role: str, is_caloptima: bool, is_superuser: bool) -> bool:
    """CalOptima Health staff (who see every member, R-X2) and system admins sign in with a second
    factor; for everyone else it is optional."""
    return is_caloptima or is_superuser or role == "system_admin"
