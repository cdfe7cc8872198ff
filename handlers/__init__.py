"""Platform-neutral conversation logic: sees only the shared event model, never a chat library."""
