from tests.authorizations.fixtures import (  # noqa: F401
    _fast_passwords,
    coordinator,
    member,
    network,
    open_request,
    provider,
    provider_staff,
)
