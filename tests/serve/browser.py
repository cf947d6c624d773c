"""browser.py URL QUERY SCREENSHOT: drives search serve's page in headless
Chromium as a user would, over the DevTools protocol (a WebSocket client
in the standard library's terms: nothing from PyPI), and prints what the
page shows as JSON: the URL after the search, the results' titles, the top
passage's text and its highlighted words, and what the keyboard did.
Saves a screenshot of the results to SCREENSHOT. Exit 2 on any failure."""

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    """The client side of RFC 6455, enough for DevTools: text frames, masked."""

    def __init__(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                           % (m.group(3), m.group(1), m.group(2), key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if b" 101 " not in head.split(b"\r\n")[0] or accept not in head:
            raise RuntimeError("websocket handshake refused: %r" % head[:200])

    def send(self, text):
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        head = struct.pack("!B", 0x81) + (struct.pack("!B", 0x80 | n) if n < 126 else
                                          struct.pack("!BH", 0x80 | 126, n) if n < 65536 else
                                          struct.pack("!BQ", 0x80 | 127, n))
        self.sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise RuntimeError("websocket closed")
            out += chunk
        return out

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._exact(8))[0]
            payload = self._exact(n)
            if b0 & 0x0F in (0x1, 0x0):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class Page:
    def __init__(self, ws):
        self.ws, self.next_id = ws, 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, seconds=10):
        end = time.time() + seconds
        while time.time() < end:
            if self.js(expr):
                return True
            time.sleep(0.05)
        raise RuntimeError("timed out waiting for " + expr)

    def key(self, key, code, vk, text=None):
        for kind in ("keyDown", "keyUp"):
            p = {"type": kind, "key": key, "code": code, "windowsVirtualKeyCode": vk}
            if text and kind == "keyDown":
                p["text"] = text
            self.call("Input.dispatchKeyEvent", **p)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise RuntimeError("no chromium")


def main(url, query, shot):
    profile = tempfile.mkdtemp(prefix="search-chromium-")
    proc = subprocess.Popen([chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--disable-extensions", "--remote-debugging-port=0", "--user-data-dir=" + profile,
                             "--window-size=1100,900", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        for line in proc.stderr:
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if m:
                port = m.group(1)
                break
        if not port:
            raise RuntimeError("chromium did not start")
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port))
        page = Page(WebSocket(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"]))
        page.call("Page.enable")
        page.call("Page.navigate", url=url + "/")
        page.wait("document.readyState === 'complete' && !!document.getElementById('q')")
        page.js("document.getElementById('q').focus()")
        page.call("Input.insertText", text=query)  # typed
        page.key("Enter", "Enter", 13, "\r")
        page.wait("document.querySelectorAll('#results > li').length > 0")
        out = {
            "location": page.js("location.pathname + location.search"),
            "titles": page.js("Array.from(document.querySelectorAll('#results > li h2')).map(e => e.textContent)"),
            "top_text": page.js("document.querySelector('#results > li .passage').textContent"),
            "top_marks": page.js("Array.from(document.querySelector('#results > li .passage')"
                                 ".querySelectorAll('mark')).map(e => e.textContent)"),
            "status": page.js("document.getElementById('status').textContent"),
        }
        shot_png = page.call("Page.captureScreenshot", format="png")["data"]
        with open(shot, "wb") as f:
            f.write(base64.b64decode(shot_png))
        page.js("document.activeElement.blur()")
        page.key("j", "KeyJ", 74, "j")  # the first result selected
        out["selected"] = page.js("document.querySelectorAll('#results > li.selected').length")
        page.key("Enter", "Enter", 13, "\r")  # opens its article
        page.wait("!document.getElementById('article').hidden && document.querySelectorAll('#article .passage').length > 0")
        out["article_title"] = page.js("document.querySelector('#article h1').textContent")
        out["article_hits"] = page.js("document.querySelectorAll('#article .passage.hit').length")
        page.key("Escape", "Escape", 27)  # back to the results
        page.wait("!document.getElementById('results').hidden")
        out["back_location"] = page.js("location.pathname + location.search")
        print(json.dumps(out))
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        main(*sys.argv[1:4])
    except Exception as e:  # one line, as every test's error
        print("browser.py: %s" % e, file=sys.stderr)
        sys.exit(2)
