"""The keepers' console: a small server-rendered web interface on the bot's HTTP server.

Coordinators and organisers sign in with a one-time link from ``/console`` in the chat and
keep their part of the tray in a browser (issue 16). :mod:`bot.console.web` holds the routes
and the session rules, :mod:`bot.console.pages` the pure view data, ``templates/`` the Jinja2
pages and ``static/console.css`` the one stylesheet; nothing is loaded from elsewhere.
"""
