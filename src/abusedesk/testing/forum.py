"""A tiny forum on loopback for tests and drills: threads as HTML pages, a request log."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Forum:
    def __init__(self, pages: dict[str, str], host: str = "127.0.0.1") -> None:
        self.pages = pages
        self.requests: list[str] = []
        forum = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                forum.requests.append(self.path)
                body = forum.pages.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def thread_page(title: str, posts: list[tuple[str, str]], extra: str = "") -> str:
    items = "".join(f'<article class="post"><p class="author">{a}</p><div class="body"><p>{t}</p></div></article>'
                    for a, t in posts)
    return (f"<!doctype html><html><head><title>{title}</title>{extra}</head><body><main><h1>{title}</h1>"
            f"{items}</main></body></html>")
