#!/usr/bin/env python3
"""Checks for the conformance-matrix page as a real browser produced it
(stdlib only).

  check_page.py png SHOT.png WIDTH HEIGHT [HEXCOLOUR ...]
      the screenshot is a PNG of that size, not blank (many colours, enough
      non-white pixels), and shows each colour given (+-6 per channel)
  check_page.py dom DUMP.html [--manifest FILE | --report LABEL=FILE ...]
                   [--open ID] [--closed ID] [--text ID SUBSTRING] [--title T]
      the DOM chromium dumped after the page's script ran has one row per
      client (from the manifest or the reports) and one column per scenario
      of their reports, each available row a cell per column; --open: the
      <details> ID is open and a matrix cell links to it; --closed: it is
      not open; --text: the element ID's text holds SUBSTRING; --title: the
      document title is T and the page has no element or script the reports
      could have injected.
"""
import json
import struct
import sys
import zlib
from html.parser import HTMLParser


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if not ihdr:
        fail(f"{path}: no IHDR")
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        fail(f"{path}: unexpected PNG format depth={depth} type={ctype} interlace={interlace}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def check_png(path, width, height, colours):
    w, h, bpp, rows = read_png(path)
    if (w, h) != (width, height):
        fail(f"{path}: {w}x{h}, expected {width}x{height}")
    seen, nonwhite, total = set(), 0, 0
    for row in rows[::2]:
        for x in range(0, len(row), bpp * 2):
            px = row[x:x + 3]
            seen.add(px)
            total += 1
            if px != b"\xff\xff\xff":
                nonwhite += 1
    share = nonwhite / total
    if len(seen) < 20 or share < 0.03:
        fail(f"{path}: looks blank: {len(seen)} colours, {share:.1%} non-white pixels")
    for hexc in colours:
        want = bytes.fromhex(hexc)
        if not any(all(abs(p[k] - want[k]) <= 6 for k in range(3)) for p in seen):
            fail(f"{path}: no pixel of colour #{hexc}")
    print(f"ok   {path}: {w}x{h}, {len(seen)} colours, {share:.0%} non-white, colours {' '.join(colours) or '-'} present")


class Dom(HTMLParser):
    """The bits of the dumped DOM the checks need."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []          # (tag, attrs) of open elements
        self.rows = []           # [label, ncells, unavailable]
        self.columns = []
        self.details = {}        # id -> open?
        self.text = {}           # id -> text inside
        self.links = set()       # hrefs of anchors inside matrix cells
        self.title = ""
        self.scripts = 0
        self.imgs = 0
        self.capture = None      # what text is being collected: ("col"|"label"|"title", ...)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "script":
            self.scripts += 1
        if tag == "img":
            self.imgs += 1
        if tag == "tr" and "client" in cls:
            self.rows.append(["", 0, False])
        if tag == "td" and "c" in cls and self.rows:
            self.rows[-1][1] += 1
        if tag == "td" and "unavail" in cls and self.rows:
            self.rows[-1][2] = True
        if tag == "a" and any(t == "td" and "c" in (ta.get("class") or "").split() for t, ta in self.stack):
            self.links.add(a.get("href", ""))
        if tag == "details" and a.get("id"):
            self.details[a["id"]] = "open" in a
        if a.get("id"):
            self.text[a["id"]] = ""
        if tag == "th" and "sc" in cls:
            self.columns.append("")
            self.capture = "col"
        if tag == "b" and self.stack and self.stack[-1][0] == "th" and self.rows:
            self.capture = "label"
        if tag == "title":
            self.capture = "title"
        if tag not in ("br", "meta", "img", "input", "link", "hr"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag in ("th", "b", "title"):
            self.capture = None

    def handle_data(self, data):
        if self.capture == "col":
            self.columns[-1] += data
        elif self.capture == "label":
            self.rows[-1][0] += data
        elif self.capture == "title":
            self.title += data
        for _, a in self.stack:
            if a.get("id") in self.text:
                self.text[a["id"]] += data


def expected_rows_and_columns(args):
    rows, reports = [], []
    i = 0
    while i < len(args):
        if args[i] == "--manifest":
            for line in open(args[i + 1], encoding="utf-8"):
                f = line.rstrip("\n").split("\t")
                if len(f) >= 6 and not line.startswith("#"):
                    rows.append(f[0])
                    if f[4] and not f[5]:
                        reports.append(f[4])
            i += 2
        elif args[i] == "--report":
            label, path = args[i + 1].split("=", 1)
            rows.append(label)
            reports.append(path)
            i += 2
        else:
            i += 1
    columns = []
    for path in reports:
        for s in json.load(open(path, encoding="utf-8"))["scenarios"]:
            if s["name"] not in columns:
                columns.append(s["name"])
    return rows, columns


def check_dom(path, args):
    dom = Dom()
    dom.feed(open(path, encoding="utf-8").read())
    rows, columns = expected_rows_and_columns(args)
    got_rows = [r[0] for r in dom.rows]
    if got_rows != rows:
        fail(f"{path}: client rows {got_rows}, expected {rows}")
    if dom.columns != columns:
        fail(f"{path}: scenario columns {dom.columns}, expected {columns}")
    for label, ncells, unavailable in dom.rows:
        if not unavailable and ncells != len(columns):
            fail(f"{path}: row {label} has {ncells} cells for {len(columns)} scenarios")
    print(f"ok   {path}: {len(rows)} client rows and {len(columns)} scenario columns, each available row full")
    i = 0
    while i < len(args):
        opt = args[i]
        if opt == "--open":
            ident = args[i + 1]
            if not dom.details.get(ident):
                fail(f"{path}: <details id={ident}> is not open")
            if "#" + ident not in dom.links:
                fail(f"{path}: no matrix cell links to #{ident}")
            print(f"ok   {path}: the cell's link #{ident} opened its report")
        elif opt == "--closed":
            ident = args[i + 1]
            if ident not in dom.details or dom.details[ident]:
                fail(f"{path}: <details id={ident}> missing or open")
            print(f"ok   {path}: #{ident} is closed")
        elif opt == "--text":
            ident, sub = args[i + 1], args[i + 2]
            if sub not in dom.text.get(ident, ""):
                fail(f"{path}: #{ident} does not hold {sub!r}: {dom.text.get(ident, '')[:300]!r}")
            print(f"ok   {path}: #{ident} holds {sub!r}")
        elif opt == "--title":
            if dom.title != args[i + 1]:
                fail(f"{path}: title {dom.title!r}, expected {args[i + 1]!r} (did a report's markup run?)")
            if dom.scripts != 1 or dom.imgs != 0:
                fail(f"{path}: {dom.scripts} scripts and {dom.imgs} images: a report's markup got in")
            print(f"ok   {path}: title unchanged, only the page's own script, no injected element")
        i += 2 if opt in ("--open", "--closed", "--title", "--manifest", "--report") else 3 if opt == "--text" else 1


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "png":
        check_png(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "dom":
        check_dom(sys.argv[2], sys.argv[3:])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
