#!/usr/bin/env python3
"""make bench, photos part: eight concurrent 10 MB uploads (throughput and the
server's RSS growth, sampled every 5 ms), a 20 MiB tus upload in 1 MiB chunks and a 20 MiB raw
upload (time and the server's peak RSS around them), then a 4000x3000 PNG
uploaded and its first thumbnail timed (decode + resize + encode + cache).
Prints "thumbnail <photo id>" last, for run.sh's wrk on the cached thumbnail.

usage: photos.py <port> <server pid> <access token>
"""
import base64
import http.client
import json
import os
import struct
import sys
import threading
import time
import zlib

port, pid, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
AUTH = {"Authorization": "Bearer " + token}
MIB = 1 << 20


def status_kb(key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def request(method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request(method, path, body=body, headers={**AUTH, **(headers or {})})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def fake_jpeg(size, seed):
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
    block = bytes((i * 31 + seed) & 0xFF for i in range(MIB))
    out = bytearray(head)
    while len(out) < size:
        out += block
    return bytes(out[:size])


def tus_upload(data, chunk):
    tus = {"Tus-Resumable": "1.0.0"}
    meta = "caption " + base64.b64encode("基准测试".encode()).decode()
    st, h, body = request("POST", "/api/v1/uploads", headers={**tus, "Upload-Length": str(len(data)),
                                                             "Upload-Metadata": meta})
    assert st == 201, (st, body)
    where, offset = h["location"], 0
    while offset < len(data):
        part = data[offset:offset + chunk]
        st, h, body = request("PATCH", where, part, {**tus, "Upload-Offset": str(offset),
                                                     "Content-Type": "application/offset+octet-stream"})
        assert st == 204, (st, body)
        offset = int(h["upload-offset"])
    return h["photo-id"]


def png(width, height):
    base = bytes((i * 7) & 0xFF for i in range(width * 3 + 256))
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # filter: none
        raw += base[y % 256:y % 256 + width * 3]
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 1)) + chunk(b"IEND", b"")


def concurrent_uploads(n, size):
    bodies = [fake_jpeg(size, 100 + i) for i in range(n)]
    rss_before, peak, done = status_kb("VmRSS"), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], status_kb("VmRSS"))
            time.sleep(0.005)

    results = [None] * n

    def one(i):
        results[i] = request("POST", f"/api/v1/photos?caption=bench{i}", bodies[i], {"Content-Type": "image/jpeg"})[0]

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - t
    done.set()
    sampler.join()
    assert all(s == 201 for s in results), results
    mb = n * size / 1e6
    print(f"{n} concurrent {size / 1e6:.0f} MB uploads: {took:.2f} s, {mb / took:.0f} MB/s; server RSS "
          f"{rss_before} KiB before, {peak[0]} KiB at most (+{(peak[0] - rss_before) / 1024:.1f} MiB)")
    print(f"uploads_mbps {mb / took:.0f}")
    print(f"uploads_rss_growth_mib {(peak[0] - rss_before) / 1024:.1f}")


concurrent_uploads(8, 10 * 1000 * 1000)
rss0 = status_kb("VmRSS")
data = fake_jpeg(20 * MIB, 7)
t = time.monotonic()
tus_upload(data, MIB)
t_tus = time.monotonic() - t
t = time.monotonic()
st, _, body = request("POST", "/api/v1/photos?caption=raw", fake_jpeg(20 * MIB, 9), {"Content-Type": "image/jpeg"})
assert st == 201, (st, body)
t_raw = time.monotonic() - t
print(f"tus upload 20 MiB in 1 MiB PATCHes: {t_tus:.2f} s; raw upload 20 MiB: {t_raw:.2f} s; "
      f"server RSS before {rss0} KiB, after {status_kb('VmRSS')} KiB, peak {status_kb('VmHWM')} KiB")

image = png(4000, 3000)
st, _, body = request("POST", "/api/v1/photos", image, {"Content-Type": "image/png"})
assert st == 201, (st, body)
photo = json.loads(body)["id"]
t = time.monotonic()
st, h, thumb = request("GET", f"/api/v1/photos/{photo}/thumbnail")
assert st == 200, (st, thumb)
print(f"first thumbnail of a 4000x3000 PNG ({len(image) // 1024} KiB): {(time.monotonic() - t) * 1000:.0f} ms "
      f"({len(thumb)} bytes); server peak RSS {status_kb('VmHWM')} KiB")
print("thumbnail", photo)
