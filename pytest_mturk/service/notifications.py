"""Notification settings, test events and file-upload URLs. (To be written.)"""

from __future__ import annotations
