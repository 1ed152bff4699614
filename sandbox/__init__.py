"""The embedded default: the whole service on one machine, with no AWS account and no Docker."""
