"""A local stand-in for Brevo's POST /v3/smtp/email (and contacts): answers 201 with a
messageId, keep-alive, nothing else. For the outbox benchmark only."""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("content-length", 0))
        self.rfile.read(length)
        body = b'{"messageId":"<bench@smtp-relay.brevo.com>"}'
        self.send_response(201)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = _answer
    do_PUT = _answer

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
