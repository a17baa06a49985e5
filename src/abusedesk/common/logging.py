"""Logging that cannot carry secrets or forge records.

`OneLineFormatter` writes one record per line: control characters (CR, LF, ANSI escapes) in the message
are escaped and long messages truncated, so attacker text cannot forge a second record (SECURITY-TESTS 36).
`RedactingFilter` replaces e-mail addresses and phone-like digit runs in every record with a marker: the
code never logs reporter identity on purpose, and this catches what slips through.
"""

from __future__ import annotations

import json
import logging
import re

MAX_MESSAGE_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phone-like: 8+ characters of digits and separators, not part of a longer token (ids, UUIDs, hashes).
_PHONE = re.compile(r"(?<![\w-])\+?\d[\d ()-]{6,}\d(?![\w-])")


def escape_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else
                        f"\\u{ord(m.group()):04x}", text)


def redact(text: str) -> str:
    return _PHONE.sub("[redacted-phone]", _EMAIL.sub("[redacted-email]", text))


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


def shorten_traceback(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Keep the start and, above all, the end of a long traceback: its last line names the exception."""
    if len(text) <= limit:
        return text
    head = limit // 4
    tail = limit - head
    return f"{text[:head]}…[{len(text) - limit} chars left out]…{text[-tail:]}"


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS] + f"…[{len(message) - MAX_MESSAGE_CHARS} more chars]"
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": escape_controls(message),
        }
        if record.exc_info:
            entry["exc"] = shorten_traceback(escape_controls(redact(self.formatException(record.exc_info))))
        return json.dumps(entry, ensure_ascii=False)
