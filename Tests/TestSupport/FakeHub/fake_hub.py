#!/usr/bin/env python3
"""A local stand-in for the Hugging Face hub, for the model-store tests. Listens on 127.0.0.1
only, on a free port it prints as "PORT <n>", and stops when its standard input closes.

    fake_hub.py --root DIR [--plain] [--token SECRET]

Serves ROOT/<owner>/<repo>/<file> at /<owner>/<repo>/resolve/<revision>/<file>, with HEAD and GET,
like the hub: weights files (.safetensors, .bin) carry their SHA-256 in X-Linked-Etag and ETag,
ranges ("Range: bytes=N-") get 206 replies. Repository names choose a behaviour:
  private-*   needs "Authorization: Bearer SECRET" (401 without, 403 with another token)
  flaky-*     the first GET of each weights file is cut off after half its bytes; a later GET
              without "Range: bytes=N-" (N > 0) gets 400, so only a resumed download succeeds
  corrupt-*   announces a wrong SHA-256 for weights files
  redirect-*  answers weights requests with 302 to /cdn/..., the checksum and size on the redirect
  slow-*      sends weights files in 4 KB pieces, 50 ms apart
  xport-*     answers weights requests with 302 to the same host on another port, whose server
              refuses (403) any request that carries an Authorization header
  huge-*      like redirect-*, but announces X-Linked-Size 9223372036854775806, then sends slowly
  trickle-*   sends weights files one byte every 0.2 s
  endless-*   sends config.json as an endless chunked body
  silent-*    never answers (for 30 s)
ROOT/<owner>/<repo>/@<revision>/<file>, when it exists, is served for that revision instead.
--plain: no ETag, no X-Linked-*, no ranges (a plain static file server).
"""
import argparse
import hashlib
import http.server
import os
import socketserver
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--root", required=True)
parser.add_argument("--plain", action="store_true")
parser.add_argument("--token", default="secret")
args = parser.parse_args()
cut_once = set()
other_port = None  # set below, once the second server listens
lock = threading.Lock()


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Hub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def locate(self):
        path = self.path.split("?")[0]
        cdn = path.startswith("/cdn/")
        if cdn:
            path = path[len("/cdn"):]
        parts = path.strip("/").split("/")
        if len(parts) != 5 or parts[2] != "resolve" or ".." in parts:
            return None, None, cdn
        owner, repo, _, revision, name = parts
        pinned = os.path.join(args.root, owner, repo, "@" + revision, name)
        if os.path.isfile(pinned):
            return pinned, repo, cdn
        return os.path.join(args.root, owner, repo, name), repo, cdn

    def do_HEAD(self):
        self.reply(head=True)

    def do_GET(self):
        self.reply(head=False)

    def reply(self, head):
        path, repo, cdn = self.locate()
        if path is None:
            return self.status(404)
        if self.server.server_address[1] == other_port and self.headers.get("Authorization") is not None:
            return self.status(403)  # the token reached another origin
        if repo.startswith("private-"):
            auth = self.headers.get("Authorization")
            if auth is None:
                return self.status(401)
            if auth != f"Bearer {args.token}":
                return self.status(403)
        if repo.startswith("silent-"):
            time.sleep(30)
            self.close_connection = True
            return
        if repo.startswith("endless-") and path.endswith("config.json") and not head:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b" " * 65536
            try:
                for _ in range(1 << 16):  # 4 GB at most, in case a client never stops
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        if not os.path.isfile(path):
            return self.status(404)
        weights = path.endswith((".safetensors", ".bin"))
        size = os.path.getsize(path)
        digest = sha256(path) if weights else hashlib.sha1(open(path, "rb").read()).hexdigest()
        announced = ("0" * 64) if repo.startswith("corrupt-") and weights else digest
        if repo.startswith(("redirect-", "huge-", "xport-")) and weights and not cdn and not args.plain:
            self.send_response(302)
            if repo.startswith("xport-"):
                self.send_header("Location", f"http://127.0.0.1:{other_port}/cdn" + self.path)
            else:
                self.send_header("Location", "/cdn" + self.path)
            self.send_header("X-Linked-Etag", f'"{announced}"')
            self.send_header("X-Linked-Size", "9223372036854775806" if repo.startswith("huge-") else str(size))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = 0
        ranged = self.headers.get("Range")
        if ranged and not args.plain and ranged.startswith("bytes=") and ranged.endswith("-"):
            start = int(ranged[len("bytes="):-1])
            if start >= size:
                return self.status(416)
        if repo.startswith("flaky-") and weights and not head and path in cut_once and start == 0:
            return self.status(400)
        self.send_response(206 if start else 200)
        if not args.plain:
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("ETag", f'"{announced}"')
            if weights and not cdn:
                self.send_header("X-Linked-Etag", f'"{announced}"')
        if start:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.send_header("Content-Length", str(size - start))
        self.end_headers()
        if head:
            return
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read()
        if repo.startswith("flaky-") and weights:
            with lock:
                first = path not in cut_once
                cut_once.add(path)
            if first:
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
        if repo.startswith("trickle-") and weights:
            for offset in range(len(data)):
                self.wfile.write(data[offset:offset + 1])
                self.wfile.flush()
                time.sleep(0.2)
            return
        if repo.startswith(("slow-", "huge-")) and weights:
            for offset in range(0, len(data), 4096):
                self.wfile.write(data[offset:offset + 4096])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(data)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (a cancelled download)

    def status(self, code):
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Hub)
other = Server(("127.0.0.1", 0), Hub)  # "another origin": the same host on another port (xport-*)
other_port = other.server_address[1]
print(f"PORT {server.server_address[1]}", flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
threading.Thread(target=other.serve_forever, daemon=True).start()
sys.stdin.read()  # until the test closes our input
server.shutdown()
other.shutdown()
