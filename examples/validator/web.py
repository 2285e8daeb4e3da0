"""The validator's web process: answers /healthz and / with who served it.

It takes its listening socket from tend (LISTEN_FDS, fd 3) when given one,
otherwise binds PORT itself."""

import http.server
import json
import os
import socket
import socketserver


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({
            "path": self.path,
            "instance": os.environ.get("TEND_INSTANCE"),
            "pid": os.getpid(),
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print("web:", format % args, flush=True)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server():
    if os.environ.get("LISTEN_PID") == str(os.getpid()) and int(os.environ.get("LISTEN_FDS", "0")) >= 1:
        server = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
        server.socket = socket.socket(fileno=3)
        return server
    return Server(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)


if __name__ == "__main__":
    server = make_server()
    print(f"web: serving on {server.socket.getsockname()}", flush=True)
    server.serve_forever()
