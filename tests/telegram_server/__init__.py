"""A protocol-faithful fake Telegram Bot API server for end-to-end tests."""
