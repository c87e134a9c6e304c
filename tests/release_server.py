"""A release folder served over real HTTP on 127.0.0.1, for tests of the
download path."""

import http.server
import pathlib
import threading


class ReleaseServer:
    """Serves a folder over HTTP on 127.0.0.1, counting requests; `mode`
    "corrupt" flips bytes, "drop" closes the connection halfway."""

    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.mode = "ok"
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                path = server.folder / self.path.lstrip("/")
                if not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if server.mode == "corrupt":
                    data = bytes([data[0] ^ 0xFF]) + data[1:]
                if server.mode == "drop":
                    data = data[:len(data) // 2]
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                     Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
