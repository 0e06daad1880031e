#!/usr/bin/env python3
"""make bench, the data set's first half, through the API: 20 towns with 20
villages each (with locations) under the bootstrap root, the benchmark users
(bench.admin's own login is the bootstrap admin; an inspector at city level, a
supervisor of town 1, the cadre of village 1), one inspection with complete
answers of the seven-strengths template, and one rectification case with one
task for village 1. bench_seed then clones these to a city's scale.

usage: seed_api.py <port> <admin password>
Prints "name value" lines run.sh reads.
"""
import http.client
import json
import sys
import uuid

port, admin_password = int(sys.argv[1]), sys.argv[2]
PASSWORD = "bench-password-1"
TEMPLATE = "00000000-0000-4000-8000-000000000001"


def call(method, path, body=None, token=None, want=(200, 201)):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status not in want:
        sys.exit(f"seed_api: {method} {path}: {r.status} {data[:300]!r}")
    return json.loads(data) if data else None


def login(username, password):
    return call("POST", "/api/v1/auth/login", {"username": username, "password": password})["access_token"]


admin = login("admin", admin_password)
root = call("GET", "/api/v1/me", token=admin)["org_id"]

towns, villages = [], []
for t in range(20):
    town = call("POST", "/api/v1/orgs", {"code": f"bt{t:02d}", "name": f"第{t + 1}镇", "level": "town",
                                         "parent_id": root}, admin)
    towns.append(town["id"])
    for v in range(20):
        village = call("POST", "/api/v1/orgs", {
            "code": f"bt{t:02d}v{v:02d}", "name": f"第{t + 1}镇{v + 1}村", "level": "village",
            "parent_id": town["id"], "category": ["pilot", "consolidate", "breakthrough"][v % 3],
            "lat": 30.0 + t * 0.05 + v * 0.002, "lng": 120.0 + t * 0.05, "radius_m": 2000}, admin)
        villages.append(village["id"])


def user(username, role, org):
    call("POST", "/api/v1/users", {"username": username, "display_name": username, "role": role,
                                   "org_id": org, "password": PASSWORD}, admin)


user("bench.inspector", "inspector", root)
user("bench.supervisor", "supervisor", towns[0])
user("bench.cadre", "cadre", villages[0])
inspector = login("bench.inspector", PASSWORD)
supervisor = login("bench.supervisor", PASSWORD)
cadre = login("bench.cadre", PASSWORD)

# One visit with every item answered (what a real one weighs).
tpl = call("GET", f"/api/v1/templates/{TEMPLATE}", token=inspector)
answers = []
for d in tpl["dimensions"]:
    for it in d["items"]:
        kind = it["kind"]
        if kind == "score":
            value = it["max_score"]
        elif kind == "yes_no":
            value = True
        elif kind == "number":
            value = it["threshold"]["value"]
        else:
            value = "现场查看：党员活动室制度上墙，台账齐全。"
        answers.append({"item_code": it["code"], "value": value, "note": "现场核实", "photo_ids": []})
visit = call("POST", "/api/v1/inspections", {"id": str(uuid.uuid4()), "org_id": villages[0],
                                            "template_id": TEMPLATE, "answers": answers}, inspector)

case = call("POST", "/api/v1/rectifications", {"org_id": villages[0], "reason": "班子软弱涣散，组织生活不规范",
                                               "source": "annual"}, supervisor)
call("POST", f"/api/v1/rectifications/{case['id']}/tasks", {
    "title": "健全村党组织班子", "detail": "补齐配强班子成员，每月报告进展",
    "assignee_id": call("GET", "/api/v1/me", token=cadre)["id"], "due_date": "2099-06-30"}, supervisor)

print("visit", visit["id"])
print("village", villages[0])
