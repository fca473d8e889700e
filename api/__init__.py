"""The Litestar app: controllers, request/response types, auth guards, error mapping."""
