"""The keepers' console's domain: forms, previews, diffs, permissions and drafts (issue 16).

Pure, like the rest of ``handlers``: the web pages (``bot``) and the storage call into it.
"""
