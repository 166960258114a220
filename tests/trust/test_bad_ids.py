"""Ids that are not record ids never answer 500 (issue 9: non-integer ids gave 500 on 16
operations): every API path with an id, discovered from the schema, answers a JSON 404 for a
non-number, a negative, a decimal, a non-ASCII digit and a number beyond a bigint, for GET and
POST alike, exactly as for a missing record."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db

BAD_IDS = ["abc", "null,null", "1.5", "-1", "1e3", "\u0663", "99999999999999999999", "0"]


def id_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        if "{id}" in path or "{closure_id}" in path:
            found += [(method.upper(), path) for method in operations if method in ("get", "post")]
    return found


OPERATIONS = id_operations()


def test_every_id_operation_is_covered():
    # detail, eligibility and every action: a new endpoint with an id joins this test by itself
    assert len(OPERATIONS) >= 16


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_bad_id_is_a_json_404(api_client, reviewer, method, path):
    token = Token.objects.create(user=reviewer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    for bad in BAD_IDS:
        url = re.sub(r"\{closure_id\}", bad, path.replace("{id}", bad))
        response = getattr(api_client, method.lower())(url, {}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response["Content-Type"] == "application/json", (method, url)
        assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/notices/?authorization=99999999999999999999",
        "/api/v1/notices/?authorization=-99999999999999999999",
        "/api/v1/authorizations/?provider=99999999999999999999",
        "/api/v1/referrals/?page=99999999999999999999",
    ],
)
def test_a_number_beyond_a_bigint_in_a_query_is_not_a_server_error(api_client, reviewer, query):
    api_client.force_authenticate(reviewer)

    response = api_client.get(query)

    assert response.status_code in (200, 400, 404), response.status_code
    assert response["Content-Type"] == "application/json"
