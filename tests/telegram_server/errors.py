"""Bot API error replies, spelled exactly as Telegram spells them.

Handlers raise :class:`ApiError`; the HTTP layer turns it into the
``{"ok": false, "error_code": N, "description": ...}`` envelope, so every
failure the fake can produce has one shape and one place that builds it.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API call that Telegram would refuse, with its real status and description."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        """Give the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """Give a 400 whose description starts with ``Bad Request:`` like Telegram's."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """Give a 403 whose description starts with ``Forbidden:`` like Telegram's."""
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """Give Telegram's flood-control 429 with ``parameters.retry_after``."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def not_found() -> ApiError:
    """Give the 404 Telegram answers for an unknown method or a malformed token."""
    return ApiError(404, "Not Found")


def unauthorized() -> ApiError:
    """Give the 401 Telegram answers for a well-formed but unknown token."""
    return ApiError(401, "Unauthorized")


def webhook_conflict() -> ApiError:
    """Give the 409 for getUpdates while a webhook is set."""
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )


def polling_conflict() -> ApiError:
    """Give the 409 an older getUpdates gets when a newer one arrives."""
    return ApiError(
        409,
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running",
    )


CHAT_NOT_FOUND = "chat not found"
CHAT_ID_EMPTY = "chat_id is empty"
TEXT_EMPTY = "message text is empty"
TEXT_TOO_LONG = "message is too long"
EDIT_TEXT_TOO_LONG = "MESSAGE_TOO_LONG"
CAPTION_TOO_LONG = "message caption is too long"
BUTTON_DATA_INVALID = "BUTTON_DATA_INVALID"
BLOCKED = "bot was blocked by the user"
CANT_INITIATE = "bot can't initiate conversation with a user"
KICKED_FROM_GROUP = "bot was kicked from the group chat"
KICKED_FROM_SUPERGROUP = "bot was kicked from the supergroup chat"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
MESSAGE_TO_EDIT_NOT_FOUND = "message to edit not found"
MESSAGE_TO_DELETE_NOT_FOUND = "message to delete not found"
MESSAGE_CANT_BE_EDITED = "message can't be edited"
REPLY_NOT_FOUND = "message to be replied not found"
MESSAGE_ID_MISSING = "message identifier is not specified"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
