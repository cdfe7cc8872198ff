"""Start-up, configuration, storage and the platform adapters of Tarjotin."""
