"""How the bot trusts other people's devices: trust on first use (TOFU).

A public assistant cannot verify each newcomer's phone by emoji comparison, and refusing
unverified devices would mean never answering in encrypted direct messages. So:

* the first time the bot is about to encrypt for a device of a room member, it marks that
  device verified; nio stores the mark and the device's Ed25519 key in the crypto store, so
  the key is pinned across restarts;
* if a device later shows up under the same id with a different Ed25519 key, nio keeps the
  pinned key and ignores the new one, so a substituted device never receives room keys;
* a device someone explicitly blacklisted in the store is never trusted here;
* messages are decrypted whatever the sender device's trust: the bot answers questions, it
  does not act on authority, so an unverified sender is no risk worth going silent for.

What TOFU cannot catch: a device that was already malicious when first seen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from nio.crypto import TrustState

log = logging.getLogger(__name__)


def untrusted_devices(devices: Iterable[Any]) -> list[Any]:
    """The devices seen for the first time: neither verified, ignored nor blacklisted."""
    return [device for device in devices if device.trust_state is TrustState.unset]


def trust_on_first_use(client: Any, users: Iterable[str]) -> int:
    """Mark every first-seen device of ``users`` verified; return how many were new."""
    if client.olm is None:
        return 0
    store = client.device_store
    known = set(store.users)
    trusted = 0
    for user in users:
        if user not in known:
            continue
        for device in untrusted_devices(store.active_user_devices(user)):
            client.verify_device(device)
            trusted += 1
            log.debug("trusting a device on first use")
    return trusted
