"""A real Synapse homeserver on loopback for the Matrix adapter's end-to-end tests."""
