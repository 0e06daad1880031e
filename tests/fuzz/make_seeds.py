#!/usr/bin/env python3
"""Writes the seed corpora of the harness targets (json, multipart, tus,
router, csv) into corpus/<target>/. The jwt seeds are tokens issued with the
keys of fuzz_jwt.c (see there) and are committed as made. Rerun after
changing the seeded ids in harness.h: python3 tests/fuzz/make_seeds.py"""
import base64, os

here = os.path.dirname(os.path.abspath(__file__))
CITY, TOWN, VILLAGE = ("00000000-0000-4000-8000-0000000000c%d" % i for i in (1, 2, 3))
TPL = "00000000-0000-4000-8000-000000000001"  # the built-in template (migration)
ADMIN, SUP, INSP, CADRE = ("00000000-0000-4000-8000-0000000000a%d" % i for i in (1, 2, 3, 4))
T_ID = "11111111-1111-4111-8111-111111111111"
R_ID = "22222222-2222-4222-8222-222222222222"
I_ID = "33333333-3333-4333-8333-333333333333"
C_ID = "44444444-4444-4444-8444-444444444444"
O_ID = "55555555-5555-4555-8555-555555555555"
P_ID = "66666666-6666-4666-8666-666666666666"

def req(method, path, body=b"", role="admin", headers=()):
    if isinstance(body, str):
        body = body.encode()
    h = "".join("%s: %s\n" % kv for kv in headers)
    ct = "Content-Type: application/json\n" if body and not any(k.lower() == "content-type" for k, _ in headers) else ""
    return ("%s %s\nX-Fuzz-Role: %s\n%s%s\n" % (method, path, role, ct, h)).encode() + body

def seq(*reqs):
    return b"\n%%\n".join(reqs)

TEMPLATE = ('{"id":"%s","key":"fuzz-tpl","name":"测试模板","description":"用于测试","dimensions":['
            '{"code":"d1","label":"维度一","weight":60,"items":['
            '{"code":"i1","text":"得分项","kind":"score","max_score":10,"needs_photo":false,"source":null},'
            '{"code":"i2","text":"集体经济收入","kind":"number","max_score":5,"unit":"元",'
            '"threshold":{"op":">=","value":100000},"needs_photo":true,"source":"§三"},'
            '{"code":"i3","text":"文字项","kind":"text","needs_photo":false,"source":null}]},'
            '{"code":"d2","label":"维度二","weight":40,"items":['
            '{"code":"i4","text":"是否项","kind":"yes_no","max_score":4,"needs_photo":false,"source":null}]}]}') % T_ID
ANSWERS = ('[{"item_code":"i1","value":8},{"item_code":"i2","value":120000,"photo_ids":["%s"]},'
           '{"item_code":"i3","value":"好"},{"item_code":"i4","value":true}]') % P_ID

json_seeds = {
    "org_create": req("POST", "/api/v1/orgs", '{"id":"%s","code":"v2","name":"二村","level":"village","parent_id":"%s","category":"pilot","lat":30.27,"lng":120.15,"radius_m":800}' % (O_ID, TOWN)),
    "org_create_update": seq(
        req("POST", "/api/v1/orgs", '{"id":"%s","code":"t2","name":"二镇","level":"town","parent_id":"%s"}' % (O_ID, CITY)),
        req("PUT", "/api/v1/orgs/%s" % O_ID, '{"name":"新名","status":"weak","lat":null,"lng":null}', headers=[("If-Match", '"1"')])),
    "user_create": req("POST", "/api/v1/users", '{"username":"insp2","display_name":"检查员二","phone":"13800000000","role":"inspector","org_id":"%s","password":"a-long-password-1"}' % TOWN),
    "user_update_disable": seq(
        req("PUT", "/api/v1/users/%s" % CADRE, '{"display_name":"村干部","role":"cadre","org_id":"%s"}' % VILLAGE, headers=[("If-Match", '"1"')]),
        req("POST", "/api/v1/users/%s/disable" % CADRE, '{}')),
    "login": req("POST", "/api/v1/auth/login", '{"username":"admin","password":"wrong-password-1"}', role="viewer"),
    "refresh_logout": seq(req("POST", "/api/v1/auth/refresh", '{"refresh_token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}'),
                          req("POST", "/api/v1/auth/logout", '{"refresh_token":"AAAA"}')),
    "password": req("PUT", "/api/v1/me/password", '{"current_password":"wrong-password-1","new_password":"another-password-2"}'),
    "template": req("POST", "/api/v1/templates", TEMPLATE),
    "round": seq(req("POST", "/api/v1/templates", TEMPLATE),
                 req("POST", "/api/v1/rounds", '{"id":"%s","month":"2023-03","title":"三月观摩","template_id":"%s","org_ids":["%s"],"inspector_ids":["%s"]}' % (R_ID, T_ID, VILLAGE, INSP)),
                 req("PUT", "/api/v1/rounds/%s" % R_ID, '{"title":"改名","org_ids":["%s"]}' % VILLAGE, headers=[("If-Match", '"1"')])),
    "inspection": seq(req("POST", "/api/v1/templates", TEMPLATE),
                      req("POST", "/api/v1/inspections", '{"id":"%s","org_id":"%s","template_id":"%s","started_at":"2023-03-01T08:00:00+08:00","location":{"lat":30.27,"lng":120.15,"accuracy_m":12},"answers":%s,"notes":"现场\\n检查"}' % (I_ID, VILLAGE, T_ID, ANSWERS), role="inspector"),
                      req("PUT", "/api/v1/inspections/%s" % I_ID, '{"finished_at":"2023-03-01T09:30:00Z","answers":%s}' % ANSWERS, role="inspector", headers=[("If-Match", '"1"')]),
                      req("POST", "/api/v1/inspections/%s/submit" % I_ID, '{}', role="inspector")),
    "finding": seq(req("POST", "/api/v1/inspections", '{"id":"%s","org_id":"%s","template_id":"%s","answers":[]}' % (I_ID, VILLAGE, TPL), role="inspector"),
                   req("POST", "/api/v1/inspections/%s/findings" % I_ID, '{"severity":"high","description":"台账缺失","photo_ids":[]}', role="inspector"),
                   req("POST", "/api/v1/inspections/%s/return" % I_ID, '{"reason":"补充材料"}', role="supervisor"),
                   req("POST", "/api/v1/inspections/%s/approve" % I_ID, '{}', role="supervisor")),
    "rectification": seq(req("POST", "/api/v1/rectifications", '{"id":"%s","org_id":"%s","year":2023,"reason":"软弱涣散","source":"annual"}' % (C_ID, VILLAGE), role="supervisor"),
                         req("PUT", "/api/v1/rectifications/%s" % C_ID, '{"four_ones":{"town_leader_id":"%s"}}' % SUP, role="supervisor", headers=[("If-Match", '"1"')]),
                         req("POST", "/api/v1/rectifications/%s/tasks" % C_ID, '{"title":"整改任务","detail":"建立台账","assignee_id":"%s","due_date":"2023-06-30","requires_photo":true}' % CADRE, role="supervisor"),
                         req("POST", "/api/v1/rectifications/%s/interviews" % C_ID, '{"held_on":"2023-04-01","summary":"约谈"}', role="supervisor")),
    "rect_actions": seq(req("POST", "/api/v1/rectifications", '{"id":"%s","org_id":"%s","reason":"软弱涣散","source":"annual"}' % (C_ID, VILLAGE), role="supervisor"),
                        req("POST", "/api/v1/rectifications/%s/evaluate" % C_ID, '{"result":"passed","comment":"好"}', role="supervisor"),
                        req("POST", "/api/v1/rectifications/%s/close" % C_ID, '{}', role="supervisor"),
                        req("POST", "/api/v1/rectifications/%s/reopen" % C_ID, '{"reason":"复查"}', role="supervisor")),
    "task_flow": seq(req("PUT", "/api/v1/tasks/%s" % C_ID, '{"title":"x","due_date":"2023-02-29"}', role="supervisor"),
                     req("POST", "/api/v1/tasks/%s/start" % C_ID, '{}', role="cadre"),
                     req("POST", "/api/v1/tasks/%s/progress" % C_ID, '{"note":"进展","photo_ids":["%s"]}' % P_ID, role="cadre"),
                     req("POST", "/api/v1/tasks/%s/verify" % C_ID, '{"comment":"ok"}', role="supervisor")),
    "webhook": seq(req("POST", "/api/v1/webhooks", '{"url":"https://example.org/hook","events":["inspection.submitted","task.verified"],"secret":"0123456789abcdef0123","active":true,"description":"通知"}'),
                   req("PUT", "@", '{"active":false}', headers=[("If-Match", '"1"')])),
    "findings_rectify": req("POST", "/api/v1/findings/%s/rectify" % I_ID, '{"org_id":"%s"}' % VILLAGE, role="supervisor"),
    "dup_keys": req("POST", "/api/v1/orgs", '{"code":"a","code":"b"}'),
    "deep": req("POST", "/api/v1/templates", "[" * 40 + "]" * 40),
    "unicode": req("POST", "/api/v1/orgs", '{"code":"x\\u0000y","name":"\\ud83d\\ude00\\u202e","level":"group","parent_id":"%s"}' % VILLAGE),
}

JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////"
    "wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==")

def multipart(parts, boundary="----fz"):
    out = b""
    for name, filename, value, ctype in parts:
        out += b"--" + boundary.encode() + b"\r\n"
        disp = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename is not None else "")
        out += ("Content-Disposition: %s\r\n" % disp).encode()
        if ctype:
            out += ("Content-Type: %s\r\n" % ctype).encode()
        out += b"\r\n" + value + b"\r\n"
    return out + b"--" + boundary.encode() + b"--\r\n"

def mp_req(parts, role="inspector", boundary="----fz", query=""):
    return req("POST", "/api/v1/photos" + query, multipart(parts, boundary), role=role,
               headers=[("Content-Type", "multipart/form-data; boundary=" + boundary)])

multipart_seeds = {
    "wx_upload": mp_req([("inspection_id", None, I_ID.encode(), None), ("taken_at", None, b"2023-03-01T08:05:00+08:00", None),
                         ("lat", None, b"30.27", None), ("lng", None, b"120.15", None), ("caption", None, "门牌".encode(), None),
                         ("file", "tmp_1.jpg", JPEG, "image/jpeg")]),
    "with_inspection": seq(req("POST", "/api/v1/inspections", '{"id":"%s","org_id":"%s","template_id":"%s","answers":[]}' % (I_ID, VILLAGE, TPL), role="inspector"),
                           mp_req([("id", None, P_ID.encode(), None), ("inspection_id", None, I_ID.encode(), None), ("file", "a.png", PNG, "image/png")])),
    "two_files": mp_req([("file", "a.jpg", JPEG, "image/jpeg"), ("file", "b.jpg", JPEG, "image/jpeg")]),
    "empty_part": mp_req([("caption", None, b"", None), ("task_id", None, C_ID.encode(), None), ("file", "a.jpg", JPEG, None)]),
    "dup_unknown": mp_req([("caption", None, b"a", None), ("caption", None, b"b", None), ("other", None, b"x", None), ("file", "x", PNG, None)], boundary="AaB03x"),
    "raw_jpeg": req("POST", "/api/v1/photos?inspection_id=%s&caption=%%E9%%97%%A8&lat=30.1&lng=120.2" % I_ID, JPEG, role="inspector",
                    headers=[("Content-Type", "image/jpeg")]),
    "big_text": mp_req([("caption", None, b"x" * 9000, None), ("file", "a.jpg", JPEG, None)]),
}

def b64(s):
    return base64.b64encode(s.encode()).decode()

def tus(method, path, body=b"", headers=(), role="inspector"):
    return req(method, path, body, role=role, headers=[("Tus-Resumable", "1.0.0")] + list(headers))

META = "inspection_id %s,caption %s,filename %s,filetype %s" % (b64(I_ID), b64("门牌"), b64("a.jpg"), b64("image/jpeg"))
sha1 = base64.b64encode(__import__("hashlib").sha1(JPEG).digest()).decode()
half = len(JPEG) // 2
tus_seeds = {
    "create_patch": seq(tus("POST", "/api/v1/uploads", headers=[("Upload-Length", str(len(JPEG))), ("Upload-Metadata", META)]),
                        tus("PATCH", "@", JPEG, headers=[("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", "0"), ("Upload-Checksum", "sha1 " + sha1)])),
    "resume": seq(tus("POST", "/api/v1/uploads", headers=[("Upload-Length", str(len(JPEG))), ("Upload-Metadata", "caption " + b64("x"))]),
                  tus("PATCH", "@", JPEG[:half], headers=[("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", "0")]),
                  tus("HEAD", "@", headers=[]),
                  tus("PATCH", "@", JPEG[half:], headers=[("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", str(half))])),
    "delete": seq(tus("POST", "/api/v1/uploads", headers=[("Upload-Length", "100")]), tus("GET", "@"), tus("DELETE", "@")),
    "bad_meta": tus("POST", "/api/v1/uploads", headers=[("Upload-Length", "1"), ("Upload-Metadata", "caption,caption x,, id !!!,unknown YQ==,lat MzA=  ,taken_at")]),
    "bad_numbers": seq(tus("POST", "/api/v1/uploads", headers=[("Upload-Length", "99999999999999999999")]),
                       tus("POST", "/api/v1/uploads", headers=[("Upload-Length", "-1")]),
                       tus("PATCH", "/api/v1/uploads/%s" % P_ID, b"x", headers=[("Content-Type", "application/offset+octet-stream"), ("Upload-Offset", "+0"), ("Upload-Checksum", "md5 AAAA")])),
    "no_version": req("POST", "/api/v1/uploads", role="inspector", headers=[("Upload-Length", "10"), ("Upload-Defer-Length", "1")]),
}

router_seeds = {
    "get_org": b"GET /api/v1/orgs/" + CITY.encode() + b"?limit=5&cursor=YWJjHzEyMw",
    "head": b"HEAD /api/v1/inspections/" + I_ID.upper().encode() + b"?updated_since=2023-03-01T00:00:00%2B08:00",
    "submit": b"POST /api/v1/inspections/" + I_ID.encode() + b"/submit",
    "options": b"\x05OPTIONS /api/v1/rectifications/" + C_ID.encode() + b"/tasks",
    "bad_method": b"DELETE /api/v1/orgs",
    "deep": b"GET /api/v1/rectifications/a/tasks/b/c//d",
    "sync": b"GET /api/v1/inspections?updated_since=MTIz&limit=200&from=2023-02-29T25:00:00Z",
}

csv_seeds = {
    "good": "\ufeffcode,name,level,parent_code,category\r\ntown-x,东城街道,town,root,pilot\r\n"
            "vil-x1,\"东城社区, 北片\",village,town-x,consolidate\r\nvil-x2,西城村,village,town-x,\r\n"
            "grp-x1,\"第一网格\",group,vil-x1,breakthrough\r\ntown-y,\"Quote \"\"Q\"\" Town\",town,root,\r\n",
    "more": "code,name,level,parent_code,category\nvil-y1,北村,village,t1,pilot\ngrp-y1,北村一组,group,vil-y1,\n",
    "locations": "code,name,level,parent_code,category,lat,lng,radius_m\nv-l,有位置,village,t1,,30.27,120.15,800\nv-m,无位置,village,t1,,,,\n",
    "bad": "code,name,level,parent_code,category\nbad code,x,village,t1,\nv1,,hamlet,nowhere,gold\n\"unterminated,x\n",
    "header_dup": " Code ,NAME,level,level,parent_code,category\n",
    "multiline": "code,name,level,parent_code,category\r\nv-q,\"two\r\nlines\",village,t1,\r\n\r\n\r\n",
}

def write(target, seeds):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())

import hashlib, hmac, json

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

K1 = bytes(range(1, 33))
K2 = bytes(0xa0 + i for i in range(40))
FOREIGN = bytes(0x55 ^ i for i in range(32))

def jwt(claims, key=K1, header=None):
    h = header or {"alg": "HS256", "typ": "JWT", "kid": "k1" if key is not K2 else "k2"}
    signing = b64u(json.dumps(h, separators=(",", ":")).encode()) + "." + b64u(json.dumps(claims, separators=(",", ":")).encode())
    return (signing + "." + b64u(hmac.new(key, signing.encode(), hashlib.sha256).digest())).encode()

IAT = 1700000000
CLAIMS = {"iss": "inspectd", "aud": "inspectd-api", "sub": ADMIN, "role": "admin", "org": CITY, "sid": C_ID,
          "jti": P_ID, "use": "access", "iat": IAT, "nbf": IAT, "exp": IAT + 900, "tv": 1}
jwt_seeds = {
    "valid_k1": jwt(CLAIMS),
    "valid_k2": jwt(CLAIMS, K2),
    "foreign_key": jwt(CLAIMS, FOREIGN),
    "expired": jwt(dict(CLAIMS, exp=IAT - 100)),
    "refresh_use": jwt(dict(CLAIMS, use="refresh")),
    "aud_array": jwt(dict(CLAIMS, aud=["inspectd-api", "x"])),
    "no_sub": jwt({k: v for k, v in CLAIMS.items() if k != "sub"}),
    "long_role": jwt(dict(CLAIMS, role="r" * 40, sub="x" * 80)),
    "alg_none": jwt(CLAIMS, header={"alg": "none", "typ": "JWT", "kid": "k1"}).rsplit(b".", 1)[0] + b".",
    "rs256": jwt(CLAIMS, header={"alg": "RS256", "typ": "JWT", "kid": "k1"}),
    "no_kid": jwt(CLAIMS, header={"alg": "HS256", "typ": "JWT"}),
    "string_exp": jwt(dict(CLAIMS, exp=str(IAT + 900), tv=1.5)),
}
write("jwt", jwt_seeds)
write("json", json_seeds)
write("multipart", multipart_seeds)
write("tus", tus_seeds)
write("router", router_seeds)
write("csv", csv_seeds)
