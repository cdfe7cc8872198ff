"""The coordinator's side: contact requests, roles and who may do what."""
