#!/usr/bin/env python3
"""A small web app that knows nothing of Slipway: Python's standard library only, one thread per connection,
HTTP/1.1 keep-alive, a listen backlog of 4, no /live and no graceful shutdown (SIGTERM ends it at once).

It listens on $HOST:$PORT (the usual convention of platforms that run apps), answers GET / with a greeting
and an X-App-Version header, and GET /healthz with 200. Run as `greeter.py VERSION [FAILURE_SHARE]`: with
a failure share (e.g. 0.3) that share of requests to / is answered 500, as a faulty build would.
"""
import os
import random
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VERSION = sys.argv[1]
FAILURE_SHARE = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0


class Greeter(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/healthz":
            self.answer(200, b"ok\n")
        elif self.path == "/" or self.path.startswith("/?"):
            if random.random() < FAILURE_SHARE:
                self.answer(500, b"something broke\n")
            else:
                self.answer(200, ("hello from greeter " + VERSION + "\n").encode())
        else:
            self.answer(404, b"not found\n")

    def answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-App-Version", VERSION)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # one line per request would be most of this app's work under load


class Server(ThreadingHTTPServer):
    request_queue_size = 4
    daemon_threads = True


if __name__ == "__main__":
    server = Server((os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"])), Greeter)
    print("greeter", VERSION, "listening on", server.server_address, flush=True)
    server.serve_forever()
