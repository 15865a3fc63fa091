"""A real SMTP listener on loopback for vow's tests (aiosmtpd, Debian's
python3-aiosmtpd; run with /usr/bin/python3).

Usage: smtp_sink.py PORT_FILE OUT_DIR

Listens on 127.0.0.1 on a free port, written to PORT_FILE. Each message is
saved as OUT_DIR/N.eml and logged to OUT_DIR/received.log as one line
"MESSAGE-ID RCPT". It deduplicates by Message-ID as a receiver should:
OUT_DIR/unique.log gets a line only for a Message-ID it had not seen.
While OUT_DIR/slow exists, it waits 3 seconds before accepting a message
(so a test can kill the sender in the middle of a delivery). Stops on
SIGTERM or after 10 minutes."""
import asyncio
import email
import os
import signal
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.n = 0
        self.seen = set()

    async def handle_DATA(self, server, session, envelope):
        if os.path.exists(os.path.join(self.out, "slow")):
            await asyncio.sleep(3)
        msg = email.message_from_bytes(envelope.content)
        mid = msg.get("Message-ID", "-")
        self.n += 1
        with open(os.path.join(self.out, "%d.eml" % self.n), "wb") as f:
            f.write(envelope.content)
        rcpt = ",".join(envelope.rcpt_tos)
        with open(os.path.join(self.out, "received.log"), "a") as f:
            f.write("%s %s\n" % (mid, rcpt))
        if mid not in self.seen:
            self.seen.add(mid)
            with open(os.path.join(self.out, "unique.log"), "a") as f:
                f.write("%s %s %d\n" % (mid, rcpt, self.n))
        return "250 OK"


def main():
    port_file, out = sys.argv[1], sys.argv[2]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    ctl = Controller(Sink(out), hostname="127.0.0.1", port=port)
    ctl.start()
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(port_file + ".tmp", port_file)
    signal.signal(signal.SIGTERM, lambda *a: (ctl.stop(), sys.exit(0)))
    import time
    deadline = time.time() + 600
    while time.time() < deadline:
        time.sleep(0.2)
    ctl.stop()


if __name__ == "__main__":
    main()
