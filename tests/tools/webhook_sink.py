"""A real webhook receiver on loopback for vow's tests (Python's standard
library; run with /usr/bin/python3).

Usage: webhook_sink.py PORT_FILE OUT_DIR

Listens on 127.0.0.1 on a free port, written to PORT_FILE, and answers
every POST with 204. Each delivery is logged to OUT_DIR/hooks.log as one
JSON line {path, idempotency_key, event, timestamp, signature, body}. It
deduplicates by Idempotency-Key as a receiver should: OUT_DIR/unique.log
gets a line only for a key it had not seen. Stops on SIGTERM or after 10
minutes."""
import http.server
import json
import os
import signal
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    seen = set()
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8")
        key = self.headers.get("Idempotency-Key", "")
        entry = {
            "path": self.path,
            "idempotency_key": key,
            "event": self.headers.get("Vow-Event", ""),
            "timestamp": self.headers.get("Vow-Timestamp", ""),
            "signature": self.headers.get("Vow-Signature", ""),
            "body": body,
        }
        with Handler.lock:
            with open(os.path.join(self.server.out, "hooks.log"), "a") as f:
                f.write(json.dumps(entry) + "\n")
            if key not in Handler.seen:
                Handler.seen.add(key)
                with open(os.path.join(self.server.out, "unique.log"), "a") as f:
                    f.write(json.dumps(entry) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    port_file, out = sys.argv[1], sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.out = out
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    threading.Timer(600, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
