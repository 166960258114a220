"""What every app's API shares and nothing else: the shape of a record id in a URL."""

# Record ids in API paths: digits only, and no more than a bigint holds; anything else is a 404
# (calaim.api.not_found answers it as JSON).
ID_REGEX = r"[0-9]{1,18}"
