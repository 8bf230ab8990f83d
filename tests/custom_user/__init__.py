"""A user model that logs in by e-mail and has no username, for the user-model-agnostic tests."""
