#!/usr/bin/env python3
"""Serves a directory (default www/) on localhost, as GitHub Pages would: static files,
explicit MIME types (application/wasm, text/javascript), optionally under a sub-path
such as /twinnet/ to check that the page only uses relative paths.

    python3 scripts/lib/serve.py [--dir www] [--port 8080] [--base /twinnet/]

Port 0 picks a free port. The first line on stdout is always `serving <url>`.
"""
import argparse
import functools
import http.server
import sys

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".html": "text/html",
    ".safetensors": "application/octet-stream",
    ".bin": "application/octet-stream",
    ".webmanifest": "application/manifest+json",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    base = "/"

    def translate_path(self, path):
        # Outside the base path there is nothing (a request there is a bug in the page).
        if not path.startswith(self.base):
            return ""
        return super().translate_path("/" + path[len(self.base):])

    def end_headers(self):
        # Always revalidate, so a rebuilt page is never mixed with a stale one.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="www")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--base", default="/", help="URL path the directory appears under")
    parser.add_argument("--quiet", action="store_true", help="no request log")
    args = parser.parse_args()
    base = "/" + args.base.strip("/") + "/" if args.base.strip("/") else "/"
    handler = functools.partial(type("BasedHandler", (Handler,), {"base": base}), directory=args.dir)
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        server.verbose = not args.quiet
        print(f"serving http://127.0.0.1:{server.server_address[1]}{base}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
