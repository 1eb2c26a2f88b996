# A real SMTP server for the e-mail tests (aiosmtpd, PyPI; installed by scripts/provision.mjs into
# .cache/aiosmtpd). It keeps what it receives: each message becomes one JSON file in the directory
# given, written atomically, with the envelope, the login used (if any), the raw message and its
# decoded subject, text and HTML parts (Python's own MIME parser, not Lease's).
#   python3 smtp-sink.py <port> <dir>      env: SMTP_SINK_USER, SMTP_SINK_PASS (require AUTH)
import email
import email.policy
import json
import os
import signal
import sys
import threading
import time
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)

        def part(kind):
            body = message.get_body(preferencelist=(kind,))
            return body.get_content() if body is not None else None

        login = session.auth_data
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": login.login.decode() if isinstance(login, LoginPassword) else None,
            "subject": str(message.get("subject", "")),
            "from": str(message.get("from", "")),
            "to": str(message.get("to", "")),
            "text": part("plain"),
            "html": part("html"),
            "raw": raw.decode("utf-8", "replace"),
        }
        name = f"{time.time_ns()}-{uuid.uuid4().hex}"
        tmp = os.path.join(self.directory, f".{name}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.directory, f"{name}.json"))
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    return check


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    user, password = os.environ.get("SMTP_SINK_USER"), os.environ.get("SMTP_SINK_PASS")
    options = {}
    if user and password:
        options = {"authenticator": authenticator(user, password), "auth_required": True, "auth_require_tls": False}
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print(f"ready {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
