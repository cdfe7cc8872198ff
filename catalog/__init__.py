"""The activity catalogue: model, import/export, occurrences and matching.

Pure Python: nothing here imports a chat library or a database session.
"""
