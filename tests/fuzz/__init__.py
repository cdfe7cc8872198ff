"""Fuzzing every entry of the bot: the drivers, their hostile inputs and the properties checked.

Each entry (the terminal chat, Telegram updates, button data, deep links, Matrix events, the
coordination file, command arguments) has a driver that feeds one generated input through the
same code the product runs and records what came out in a :class:`~tests.fuzz.tally.Tally`:
crashes, the longest reply against the platform's limit, and input rendered as markup. The
suite (``tests/**/test_*_fuzz.py``) runs a few hundred inputs per entry and fails on the first
problem; ``bench/bench_fuzz.py`` runs 25,000 per entry and counts them.
"""
