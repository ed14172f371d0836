"""An AWS endpoint that fails every request the way AWS does when it is down or throttling:
`failing-aws.py STATUS CODE` answers HTTP STATUS with a query-protocol <ErrorResponse> naming CODE.
Prints `listening on http://127.0.0.1:PORT` once ready; stops with its parent's signal."""
import http.server
import signal
import sys

status, code = int(sys.argv[1]), sys.argv[2]
body = (f"<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code>"
        f"<Message>{code} (local failing endpoint)</Message></Error><RequestId>0</RequestId></ErrorResponse>").encode()


class Failing(http.server.BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.send_response(status)
        self.send_header("content-type", "text/xml")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass


# The test process may ignore or block SIGTERM, and a child inherits that: take it back.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
