"""The accounts app: registration, JWT login with rotating refresh tokens, users."""
