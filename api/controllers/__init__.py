"""One controller per area of the API."""
