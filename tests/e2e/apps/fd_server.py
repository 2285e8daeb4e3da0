"""A plain HTTP server on every socket tend passes (LISTEN_FDS, fds 3..):
answers `VERSION PID`; says READY=1 once it serves when NOTIFY_SOCKET is set."""

import http.server
import os
import socket
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"{os.environ.get('VERSION', 'v1')} {os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(fd):
    sock = socket.socket(fileno=fd)
    sock.setblocking(True)
    server = http.server.ThreadingHTTPServer(("", 0), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.serve_forever()


threads = [threading.Thread(target=serve, args=(fd,), daemon=True)
           for fd in range(3, 3 + int(os.environ.get("LISTEN_FDS", "0")))]
for thread in threads:
    thread.start()
address = os.environ.get("NOTIFY_SOCKET", "")
if address:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.sendto(b"READY=1", "\0" + address[1:] if address.startswith("@") else address)
print(f"serving on {len(threads)} socket(s)", flush=True)
for thread in threads:
    thread.join()
