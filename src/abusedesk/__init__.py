"""abusedesk: an open-source abuse desk for infrastructure providers."""

__version__ = "0.1.0"
