"""The shared core: event model, conversation and flow table, turns, dialogues, ports, texts."""
