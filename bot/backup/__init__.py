"""``tarjotin backup`` and ``tarjotin restore``: the database and the data directory in one file.

:mod:`bot.backup.tables` copies every table as JSON lines (portable between SQLite and
PostgreSQL), :mod:`bot.backup.archive` writes and checks the archive (a hostile one is refused
before anything is changed), :mod:`bot.backup.data_files` picks the data directory's files and
puts them back all at once, and :mod:`bot.backup.commands` ties them to the command line.
"""
