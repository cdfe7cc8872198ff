"""What volunteers and organisers do: change sessions, add dates and events, broadcast."""
