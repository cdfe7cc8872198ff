"""What newcomers meet: onboarding, questions, reminders, their data, asking for a person."""
