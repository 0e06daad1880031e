// The main workflows of inspectd, end to end, as the phone app and the admin
// console would run them — every call through the client generated from
// api-spec/openapi.yaml. Run by run.sh against a fresh inspectd:
//
//   node dist/workflows.js <base url> <bootstrap admin password>
//
// Each step checks the status and the fields that matter; the first failure
// ends the run with the step's name and the answer's body (exit 1).
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import {
  type Schemas,
  Session,
  StepFailure,
  etagOf,
  expectNoContent,
  expectProblem,
  expectStatus,
  lastAnswer,
  locationOf,
  photoFormSerializer,
  rfc3339,
  shanghaiDate,
} from "./api.js";
import {
  CLEARED_DUMP_SITE_JPEG,
  PARTY_CENTRE_JPEG,
  PHOTO_HEIGHT,
  PHOTO_WIDTH,
  SERVICE_WINDOW_JPEG,
} from "./fixtures.js";

/** The default checklist, "seven strengths" (七强), shipped with the service. */
const QIQIANG_TEMPLATE_ID = "00000000-0000-4000-8000-000000000001";
/** 村级集体经济年收入 (number, ≥ 100000 元): the item this visit finds short. */
const COLLECTIVE_INCOME_ITEM = "development_drive.01";
const COLLECTIVE_INCOME_FOUND = 82000;
/** 党群服务中心“一站式服务” (needs a photo): the supervisor asks for a better one. */
const SERVICE_CENTRE_ITEM = "grassroots_support.03";

/** Where the village's party-and-people service centre is (WGS 84). */
const VILLAGE_PLACE = { lat: 30.2741, lng: 120.1551 };
/** Where the phones stand when they take photos: ~60 m from it. */
const PHONE_PLACE = { lat: 30.2745, lng: 120.1556 };

const PASSWORDS = {
  supervisor: "Dongshan-2026!",
  inspector: "Guanmo-team-2026",
  cadre: "Dongshan-cun-2026",
};

// ---------------------------------------------------------------------------
// Step runner
// ---------------------------------------------------------------------------

let currentStep = "(start)";
let stepCount = 0;

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  currentStep = name;
  const started = performance.now();
  const result = await run();
  stepCount += 1;
  console.log(`  ok  ${name} (${Math.round(performance.now() - started)} ms)`);
  return result;
}

function sha256Hex(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function jpegBlob(bytes: Buffer): Blob {
  return new Blob([bytes], { type: "image/jpeg" });
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.sign(value) * Math.round(Math.abs(value) * factor + Number.EPSILON) / factor;
}

// ---------------------------------------------------------------------------
// The checklist: answers as an inspector would give them, and the score the
// contract's formula gives for them (tag 检查清单模板).
// ---------------------------------------------------------------------------

type Item = Schemas["Item"];
type Answer = Schemas["Answer"];

/** A good village: high marks everywhere, except the collective income. */
function answerFor(item: Item, photoIds: string[]): Answer {
  const photos = item.needs_photo ? { photo_ids: photoIds } : {};
  switch (item.kind) {
    case "score":
      return { item_code: item.code, value: item.max_score - 1, ...photos };
    case "yes_no":
      return { item_code: item.code, value: true, ...photos };
    case "number": {
      if (item.code === COLLECTIVE_INCOME_ITEM) {
        return { item_code: item.code, value: COLLECTIVE_INCOME_FOUND, note: "村账面 2 项租金收入，未达标", ...photos };
      }
      const meets = item.threshold.op === ">=" ? item.threshold.value + 1 : item.threshold.value;
      return { item_code: item.code, value: meets, ...photos };
    }
    case "text":
      return { item_code: item.code, value: "村民反映村道路灯不足，已记录。", ...photos };
  }
}

function pointsOf(item: Item, answer: Answer | undefined): { points: number; max: number } | null {
  if (item.kind === "text") return null;
  if (answer === undefined) return { points: 0, max: item.max_score };
  switch (item.kind) {
    case "score":
      assert.equal(typeof answer.value, "number");
      return { points: Number(answer.value), max: item.max_score };
    case "yes_no":
      return { points: answer.value === true ? item.max_score : 0, max: item.max_score };
    case "number": {
      const value = Number(answer.value);
      const meets = item.threshold.op === ">=" ? value >= item.threshold.value : value <= item.threshold.value;
      return { points: meets ? item.max_score : 0, max: item.max_score };
    }
  }
}

function expectedScore(template: Schemas["Template"], answers: Answer[]): Schemas["Score"] {
  const byCode = new Map(answers.map((a) => [a.item_code, a]));
  const dimensions = template.dimensions.map((dimension) => {
    let points = 0;
    let max = 0;
    for (const item of dimension.items) {
      const scored = pointsOf(item, byCode.get(item.code));
      if (scored === null) continue;
      points += scored.points;
      max += scored.max;
    }
    const score = max === 0 ? 0 : round((100 * points) / max, 1);
    return { code: dimension.code, label: dimension.label, weight: dimension.weight, score };
  });
  const total = round(dimensions.reduce((sum, d) => sum + d.score * d.weight, 0) / 100, 1);
  return { total, dimensions };
}

// ---------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------

interface Cast {
  admin: Session;
  supervisor: Session;
  inspector: Session;
  cadre: Session;
  town: Schemas["Org"];
  village: Schemas["Org"];
  neighbourVillage: Schemas["Org"];
}

async function setUpOrganisationAndPeople(baseUrl: string, adminPassword: string): Promise<Cast> {
  const admin = new Session(baseUrl, "admin");

  const root = await step("admin: log in with the bootstrap account and find the city root", async () => {
    await admin.login("admin", adminPassword);
    assert.equal(admin.me.role, "admin");
    const { data: me } = await expectStatus(200, admin.api.GET("/api/v1/me"));
    assert.equal(me.org.level, "city");
    assert.equal(me.org.code, "root");
    return me.org;
  });

  const town = await step("admin: create the town 东山镇 under the city", async () => {
    const { data, response } = await expectStatus(
      201,
      admin.api.POST("/api/v1/orgs", {
        body: { code: "3301-01", name: "东山镇", level: "town", parent_id: root.id, category: "consolidate" },
      }),
    );
    assert.equal(data.level, "town");
    assert.equal(data.parent_id, root.id);
    assert.equal(data.status, "normal");
    assert.ok(data.path.endsWith(`/${root.id}/${data.id}/`), `path ${data.path}`);
    assert.equal(locationOf(response), `/api/v1/orgs/${data.id}`);
    etagOf(response, data);
    return data;
  });

  const [village, neighbourVillage] = await step("admin: create the villages 东山村 (weak) and 西岭村", async () => {
    const { data: dongshan } = await expectStatus(
      201,
      admin.api.POST("/api/v1/orgs", {
        body: {
          id: randomUUID(),
          code: "3301-01-001",
          name: "东山村",
          level: "village",
          parent_id: town.id,
          category: "breakthrough",
          status: "weak",
          lat: VILLAGE_PLACE.lat,
          lng: VILLAGE_PLACE.lng,
        },
      }),
    );
    assert.equal(dongshan.status, "weak");
    assert.equal(dongshan.category, "breakthrough");
    assert.equal(dongshan.radius_m, 2000, "a village's default radius");
    const { data: xiling } = await expectStatus(
      201,
      admin.api.POST("/api/v1/orgs", {
        body: { code: "3301-01-002", name: "西岭村", level: "village", parent_id: town.id, category: "pilot" },
      }),
    );
    assert.equal(xiling.lat, null);
    assert.equal(xiling.radius_m, null);
    const { data: children } = await expectStatus(
      200,
      admin.api.GET("/api/v1/orgs/{id}/children", { params: { path: { id: town.id } } }),
    );
    assert.deepEqual(
      children.items.map((o) => o.name),
      ["东山村", "西岭村"],
      "children are ordered by code",
    );
    return [dongshan, xiling] as const;
  });

  const people = await step("admin: create the supervisor (town), the inspector (city team) and the cadre (village)", async () => {
    const create = async (body: Schemas["UserCreate"]): Promise<Schemas["User"]> => {
      const { data, response } = await expectStatus(201, admin.api.POST("/api/v1/users", { body }));
      assert.equal(data.username, body.username);
      assert.equal(data.role, body.role);
      assert.equal(data.org_id, body.org_id);
      assert.equal(data.disabled, false);
      assert.equal(locationOf(response), `/api/v1/users/${data.id}`);
      assert.ok(!("password" in data), "a user answer never carries the password");
      return data;
    };
    const supervisor = await create({
      username: "zhangwg",
      display_name: "张卫国",
      phone: "13800571234",
      role: "supervisor",
      org_id: town.id,
      password: PASSWORDS.supervisor,
    });
    assert.equal(supervisor.org_name, "东山镇");
    const inspector = await create({
      username: "liming",
      display_name: "李明",
      role: "inspector",
      org_id: root.id,
      password: PASSWORDS.inspector,
    });
    const cadre = await create({
      username: "wangjg",
      display_name: "王建国",
      role: "cadre",
      org_id: village.id,
      password: PASSWORDS.cadre,
    });
    return { supervisor, inspector, cadre };
  });

  const supervisor = new Session(baseUrl, "supervisor");
  const inspector = new Session(baseUrl, "inspector");
  const cadre = new Session(baseUrl, "cadre");
  await step("everyone: log in", async () => {
    await supervisor.login("zhangwg", PASSWORDS.supervisor);
    assert.equal(supervisor.me.id, people.supervisor.id);
    await inspector.login("LiMing", PASSWORDS.inspector); // usernames match case-insensitively
    assert.equal(inspector.me.id, people.inspector.id);
    await cadre.login("wangjg", PASSWORDS.cadre);
    assert.equal(cadre.me.id, people.cadre.id);
  });

  return { admin, supervisor, inspector, cadre, town, village, neighbourVillage };
}

/** The grace in which a spent refresh token still answers its successor (the contract: 30 s). */
const REFRESH_GRACE_MS = 30_000;

/**
 * Login, refresh, a retried refresh, and — once the grace is over — the reuse of
 * a spent refresh token, which revokes the session. Returns the last check: it
 * runs at the end of the run, when 30 s have passed, so the wait overlaps the
 * other workflows.
 */
async function tokenRotation(baseUrl: string): Promise<() => Promise<void>> {
  // The supervisor's tablet: a session of its own, apart from the phone.
  const tablet = new Session(baseUrl, "supervisor's tablet");

  const first = await step("auth: log in on a second device", async () => tablet.login("zhangwg", PASSWORDS.supervisor));

  const second = await step("auth: refresh — a new pair, and the new access token works", async () => {
    const { data } = await expectStatus(
      200,
      tablet.api.POST("/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } }),
    );
    assert.notEqual(data.refresh_token, first.refresh_token);
    assert.notEqual(data.access_token, first.access_token);
    assert.equal(data.user.username, "zhangwg");
    tablet.adopt(data);
    const { data: me } = await expectStatus(200, tablet.api.GET("/api/v1/me"));
    assert.equal(me.username, "zhangwg");
    assert.equal(me.org.name, "东山镇");
    return data;
  });
  const rotatedAt = Date.now();

  await step("auth: the spent refresh token, retried within 30 s, answers the same successor", async () => {
    const { data } = await expectStatus(
      200,
      tablet.api.POST("/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } }),
    );
    assert.equal(data.refresh_token, second.refresh_token, "a retry gets the same successor refresh token");
    tablet.adopt(data);
  });

  return async () => {
    const wait = rotatedAt + REFRESH_GRACE_MS + 2_000 - Date.now();
    if (wait > 0) {
      console.log(`  ..  waiting ${Math.ceil(wait / 1000)} s for the refresh grace to pass`);
      await delay(wait);
    }
    await step("auth: the spent refresh token after 30 s is reuse — the whole session is revoked", async () => {
      await expectProblem(
        401,
        "refresh_token_reused",
        tablet.api.POST("/api/v1/auth/refresh", { body: { refresh_token: first.refresh_token } }),
      );
      await expectProblem(
        401,
        "invalid_refresh_token",
        tablet.api.POST("/api/v1/auth/refresh", { body: { refresh_token: second.refresh_token } }),
      );
      await expectProblem(401, "unauthorized", tablet.api.GET("/api/v1/me"));
    });
  };
}

/** The cadre logs out: that session's tokens stop working, other sessions go on. */
async function logOut(cast: Cast): Promise<void> {
  const { cadre } = cast;
  await step("auth: the cadre logs out — that session's refresh and access tokens are refused", async () => {
    const other = new Session(cadre.baseUrl, "cadre's second phone");
    await other.login("wangjg", PASSWORDS.cadre);
    const refreshToken = cadre.refreshToken;
    assert.ok(refreshToken !== null);
    await expectNoContent(cadre.api.POST("/api/v1/auth/logout", { body: {} }));
    await expectProblem(401, "unauthorized", cadre.api.GET("/api/v1/me"));
    await expectProblem(
      401,
      "invalid_refresh_token",
      cadre.api.POST("/api/v1/auth/refresh", { body: { refresh_token: refreshToken } }),
    );
    const { data: stillIn } = await expectStatus(200, other.api.GET("/api/v1/me"));
    assert.equal(stillIn.username, "wangjg", "the other phone's session goes on");
  });
}

interface Visit {
  round: Schemas["RoundDetail"];
  inspection: Schemas["Inspection"];
  template: Schemas["Template"];
}

async function inspectorVisit(cast: Cast): Promise<Visit> {
  const { supervisor, inspector, village, neighbourVillage } = cast;
  const now = new Date();
  const month = shanghaiDate(now).slice(0, 7);

  const round = await step("supervisor: plan this month's observation round for both villages", async () => {
    const body: Schemas["RoundCreate"] = {
      id: randomUUID(),
      month,
      title: `${month.replace("-", "年")}月 东山镇月观摩`,
      template_id: QIQIANG_TEMPLATE_ID,
      org_ids: [village.id, neighbourVillage.id],
      inspector_ids: [inspector.me.id],
    };
    const { data, response } = await expectStatus(201, supervisor.api.POST("/api/v1/rounds", { body }));
    assert.equal(data.status, "open");
    assert.equal(data.month, month);
    assert.equal(data.org_id, cast.town.id, "the round belongs to the creator's organization");
    assert.deepEqual(data.inspector_ids, [inspector.me.id]);
    assert.deepEqual(
      data.coverage.map((c) => [c.org_name, c.state, c.inspection_id]),
      [
        ["东山村", "not_visited", null],
        ["西岭村", "not_visited", null],
      ],
    );
    etagOf(response, data);
    return data;
  });

  await step("inspector: sees both villages in the assignments", async () => {
    const { data } = await expectStatus(200, inspector.api.GET("/api/v1/me/assignments"));
    const mine = data.items.filter((a) => a.round_id === round.id);
    assert.deepEqual(mine.map((a) => [a.org_name, a.state]).sort(), [
      ["东山村", "not_visited"],
      ["西岭村", "not_visited"],
    ]);
    for (const assignment of mine) assert.equal(assignment.template_id, QIQIANG_TEMPLATE_ID);
  });

  const template = await step("inspector: loads the round's checklist, the seven strengths", async () => {
    const { data, response } = await expectStatus(
      200,
      inspector.api.GET("/api/v1/templates/{id}", { params: { path: { id: round.template_id } } }),
    );
    assert.equal(data.key, "qiqiang");
    assert.deepEqual(
      data.dimensions.map((d) => d.code),
      [
        "political_leadership",
        "leading_goose",
        "org_coverage",
        "team_strength",
        "talent_support",
        "development_drive",
        "grassroots_support",
      ],
    );
    assert.equal(
      data.dimensions.reduce((sum, d) => sum + d.weight, 0),
      100,
      "the weights add up to 100",
    );
    etagOf(response, data);
    return data;
  });

  // Offline on the village road: the phone makes the inspection's id and the
  // photo's id, fills every answer (citing the photo) and sends it all later.
  const inspectionId = randomUUID();
  const centrePhotoId = randomUUID();
  const items = template.dimensions.flatMap((d) => d.items);
  const answers = items.map((item) => answerFor(item, [centrePhotoId]));
  const startedAt = rfc3339(new Date(now.getTime() - 90 * 60_000));
  const finishedAt = rfc3339(new Date(now.getTime() - 10 * 60_000));
  const createBody: Schemas["InspectionCreate"] = {
    id: inspectionId,
    org_id: village.id,
    round_id: round.id,
    started_at: startedAt,
    finished_at: finishedAt,
    location: { ...PHONE_PLACE, accuracy_m: 12 },
    answers,
    notes: "东山村党群服务中心已完成改造；集体经济收入偏低。",
  };

  const created = await step("inspector: uploads the offline visit with its own id", async () => {
    const { data, response } = await expectStatus(201, inspector.api.POST("/api/v1/inspections", { body: createBody }));
    assert.equal(data.id, inspectionId);
    assert.equal(data.status, "draft");
    assert.equal(data.org_id, village.id);
    assert.equal(data.org_name, "东山村");
    assert.equal(data.round_id, round.id);
    assert.equal(data.template_id, QIQIANG_TEMPLATE_ID);
    assert.equal(data.inspector_id, inspector.me.id);
    assert.equal(data.inspector_name, "李明");
    assert.equal(data.started_at, startedAt);
    assert.equal(data.finished_at, finishedAt);
    assert.equal(data.answers.length, items.length);
    assert.deepEqual(data.missing_photo_ids, [centrePhotoId], "the photo is cited but not uploaded yet");
    assert.deepEqual(data.score, expectedScore(template, answers), "the score follows the contract's formula");
    assert.equal(data.version, 1);
    assert.equal(locationOf(response), `/api/v1/inspections/${inspectionId}`);
    etagOf(response, data);
    return data;
  });

  await step("inspector: retrying the same create is idempotent (200, the stored visit)", async () => {
    const { data } = await expectStatus(200, inspector.api.POST("/api/v1/inspections", { body: createBody }));
    assert.equal(data.id, inspectionId);
    assert.equal(data.version, created.version);
    assert.equal(data.created_at, created.created_at);
    const { data: assignments } = await expectStatus(200, inspector.api.GET("/api/v1/me/assignments"));
    const dongshan = assignments.items.find((a) => a.round_id === round.id && a.org_id === village.id);
    assert.ok(dongshan, "the village is still assigned");
    assert.equal(dongshan.state, "draft");
    assert.equal(dongshan.inspection_id, inspectionId, "one visit, not two");
    await expectProblem(
      409,
      "id_conflict",
      inspector.api.POST("/api/v1/inspections", { body: { ...createBody, notes: "另一份记录" } }),
    );
  });

  await step("inspector: the missed threshold raised an automatic finding; adds a finding of their own", async () => {
    const { data } = await expectStatus(
      200,
      inspector.api.GET("/api/v1/inspections/{id}/findings", { params: { path: { id: inspectionId } } }),
    );
    const auto = data.items.filter((f): f is Schemas["Finding"] => !("deleted" in f));
    assert.equal(auto.length, 1);
    const income = auto[0];
    assert.ok(income);
    assert.equal(income.auto, true);
    assert.equal(income.item_code, COLLECTIVE_INCOME_ITEM);
    assert.equal(income.severity, "medium");
    assert.equal(income.org_id, village.id);
    assert.equal(income.task_id, null);
    assert.match(income.description, /村级集体经济年收入：实际 82000元，要求 >= 100000元/);

    const manualId = randomUUID();
    const { data: manual } = await expectStatus(
      201,
      inspector.api.POST("/api/v1/inspections/{id}/findings", {
        params: { path: { id: inspectionId } },
        body: {
          id: manualId,
          severity: "low",
          item_code: "political_leadership.01",
          description: "2 月主题党日活动记录不完整",
        },
      }),
    );
    assert.equal(manual.id, manualId);
    assert.equal(manual.auto, false);
    assert.equal(manual.inspection_id, inspectionId);
  });

  const photoSha = sha256Hex(PARTY_CENTRE_JPEG);
  await step("inspector: uploads the cited photo (multipart, as wx.uploadFile sends it)", async () => {
    const takenAt = rfc3339(new Date(now.getTime() - 60 * 60_000));
    const { data, response } = await expectStatus(
      201,
      inspector.api.POST("/api/v1/photos", {
        body: {
          file: jpegBlob(PARTY_CENTRE_JPEG),
          id: centrePhotoId,
          inspection_id: inspectionId,
          taken_at: takenAt,
          lat: String(PHONE_PLACE.lat),
          lng: String(PHONE_PLACE.lng),
          caption: "村党群服务中心公示栏",
        },
        bodySerializer: photoFormSerializer,
      }),
    );
    assert.equal(data.id, centrePhotoId);
    assert.equal(data.owner_id, inspector.me.id);
    assert.equal(data.inspection_id, inspectionId);
    assert.equal(data.mime, "image/jpeg");
    assert.equal(data.size, PARTY_CENTRE_JPEG.length);
    assert.equal(data.sha256, photoSha);
    assert.equal(data.width, PHOTO_WIDTH);
    assert.equal(data.height, PHOTO_HEIGHT);
    assert.equal(data.taken_at, takenAt);
    assert.equal(data.taken_at_source, "client");
    assert.equal(data.location_source, "client");
    assert.equal(data.caption, "村党群服务中心公示栏");
    assert.equal(data.checks.level, "ok");
    assert.equal(data.checks.exif_present, false);
    assert.equal(data.checks.far_from_org, null, "taken 60 m from the village's centre");
    assert.equal(locationOf(response), `/api/v1/photos/${centrePhotoId}`);

    const { data: content, response: contentResponse } = await expectStatus(
      200,
      inspector.api.GET("/api/v1/photos/{id}/content", {
        params: { path: { id: centrePhotoId } },
        parseAs: "arrayBuffer",
      }),
    );
    assert.equal(sha256Hex(Buffer.from(content)), photoSha, "the bytes come back unaltered");
    assert.equal(contentResponse.headers.get("Content-Type"), "image/jpeg");
    assert.equal(contentResponse.headers.get("ETag"), `"${photoSha}"`);

    // The list's preview: made by decoding the photo (libvips), so a real JPEG.
    const { data: thumbnail, response: thumbnailResponse } = await expectStatus(
      200,
      inspector.api.GET("/api/v1/photos/{id}/thumbnail", {
        params: { path: { id: centrePhotoId } },
        parseAs: "arrayBuffer",
      }),
    );
    assert.equal(thumbnailResponse.headers.get("Content-Type"), "image/jpeg");
    const thumbnailBytes = Buffer.from(thumbnail);
    assert.ok(thumbnailBytes.length > 100 && thumbnailBytes[0] === 0xff && thumbnailBytes[1] === 0xd8, "a JPEG");
  });

  const submitted = await step("inspector: submits the visit (If-Match)", async () => {
    const { data: current, response } = await expectStatus(
      200,
      inspector.api.GET("/api/v1/inspections/{id}", { params: { path: { id: inspectionId } } }),
    );
    assert.deepEqual(current.missing_photo_ids, [], "nothing owed now");
    assert.equal(current.evidence?.level, "ok");
    assert.equal(current.evidence?.photos, 1);
    const { data, response: submitResponse } = await expectStatus(
      200,
      inspector.api.POST("/api/v1/inspections/{id}/submit", {
        params: { path: { id: inspectionId }, header: { "If-Match": etagOf(response, current) } },
      }),
    );
    assert.equal(data.status, "submitted");
    assert.ok(data.submitted_at !== null);
    assert.equal(data.version, current.version + 1);
    etagOf(submitResponse, data);
    return data;
  });

  // The supervisor reviews: not good enough yet.
  const returnReason = "请补拍党群服务中心“一站式服务”窗口照片后重新提交";
  await step("supervisor: sees it submitted in the round and returns it with a reason", async () => {
    const { data: detail } = await expectStatus(
      200,
      supervisor.api.GET("/api/v1/rounds/{id}", { params: { path: { id: round.id } } }),
    );
    const entry = detail.coverage.find((c) => c.org_id === village.id);
    assert.ok(entry);
    assert.equal(entry.state, "submitted");
    assert.equal(entry.inspection_id, inspectionId);

    const { data: seen, response } = await expectStatus(
      200,
      supervisor.api.GET("/api/v1/inspections/{id}", { params: { path: { id: inspectionId } } }),
    );
    assert.equal(seen.version, submitted.version);
    const { data } = await expectStatus(
      200,
      supervisor.api.POST("/api/v1/inspections/{id}/return", {
        params: { path: { id: inspectionId }, header: { "If-Match": etagOf(response, seen) } },
        body: { reason: returnReason },
      }),
    );
    assert.equal(data.status, "returned");
    assert.equal(data.return_reason, returnReason);
    assert.equal(data.reviewed_by, supervisor.me.id);
  });

  const windowPhotoId = randomUUID();
  await step("inspector: sees the reason, adds the asked-for photo and edits the answer (If-Match)", async () => {
    const { data: returned, response } = await expectStatus(
      200,
      inspector.api.GET("/api/v1/inspections/{id}", { params: { path: { id: inspectionId } } }),
    );
    assert.equal(returned.status, "returned");
    assert.equal(returned.return_reason, returnReason);
    const returnedEtag = etagOf(response, returned);

    const { data: photo } = await expectStatus(
      201,
      inspector.api.POST("/api/v1/photos", {
        body: {
          file: jpegBlob(SERVICE_WINDOW_JPEG),
          id: windowPhotoId,
          inspection_id: inspectionId,
          lat: String(PHONE_PLACE.lat),
          lng: String(PHONE_PLACE.lng),
          caption: "“一站式服务”窗口",
        },
        bodySerializer: photoFormSerializer,
      }),
    );
    assert.equal(photo.checks.level, "ok");
    assert.equal(photo.taken_at, null, "no taken_at sent and no EXIF");
    assert.equal(photo.taken_at_source, null);

    const fixed = returned.answers.map((a) =>
      a.item_code === SERVICE_CENTRE_ITEM ? { ...a, photo_ids: [...(a.photo_ids ?? []), windowPhotoId] } : a,
    );
    const { data: edited, response: editResponse } = await expectStatus(
      200,
      inspector.api.PUT("/api/v1/inspections/{id}", {
        params: { path: { id: inspectionId }, header: { "If-Match": returnedEtag } },
        body: { answers: fixed },
      }),
    );
    assert.equal(edited.status, "returned");
    assert.equal(edited.version, returned.version + 1);
    const serviceAnswer = edited.answers.find((a) => a.item_code === SERVICE_CENTRE_ITEM);
    assert.deepEqual(serviceAnswer?.photo_ids, [centrePhotoId, windowPhotoId]);
    etagOf(editResponse, edited);

    // A phone still holding the old ETag must merge first.
    const conflict = await expectProblem(
      412,
      "version_conflict",
      inspector.api.POST("/api/v1/inspections/{id}/submit", {
        params: { path: { id: inspectionId }, header: { "If-Match": returnedEtag } },
      }),
    );
    assert.ok("current" in conflict, "a 412 carries the current inspection");
    assert.equal(conflict.current.version, edited.version);
    assert.equal(conflict.current.status, "returned");
  });

  await step("inspector: resubmits with the current ETag", async () => {
    const { data: current, response } = await expectStatus(
      200,
      inspector.api.GET("/api/v1/inspections/{id}", { params: { path: { id: inspectionId } } }),
    );
    const { data } = await expectStatus(
      200,
      inspector.api.POST("/api/v1/inspections/{id}/submit", {
        params: { path: { id: inspectionId }, header: { "If-Match": etagOf(response, current) } },
      }),
    );
    assert.equal(data.status, "submitted");
    assert.equal(data.evidence?.photos, 2);
    assert.equal(data.evidence?.level, "ok");
  });

  const approved = await step("supervisor: approves the visit", async () => {
    const { data: seen, response } = await expectStatus(
      200,
      supervisor.api.GET("/api/v1/inspections/{id}", { params: { path: { id: inspectionId } } }),
    );
    const { data } = await expectStatus(
      200,
      supervisor.api.POST("/api/v1/inspections/{id}/approve", {
        params: { path: { id: inspectionId }, header: { "If-Match": etagOf(response, seen) } },
        body: {},
      }),
    );
    assert.equal(data.status, "approved");
    assert.equal(data.reviewed_by, supervisor.me.id);
    assert.equal(data.evidence_ack, null, "nothing to acknowledge");
    assert.deepEqual(data.score, expectedScore(template, data.answers));

    const { data: detail } = await expectStatus(
      200,
      supervisor.api.GET("/api/v1/rounds/{id}", { params: { path: { id: round.id } } }),
    );
    assert.deepEqual(
      detail.coverage.map((c) => [c.org_name, c.state]),
      [
        ["东山村", "approved"],
        ["西岭村", "not_visited"],
      ],
    );
    return data;
  });

  return { round, inspection: approved, template };
}

async function rectification(cast: Cast, visit: Visit): Promise<void> {
  const { supervisor, cadre, village } = cast;
  const today = shanghaiDate(new Date());
  const dueDate = shanghaiDate(new Date(Date.now() + 14 * 24 * 3600_000));

  const finding = await step("supervisor: picks the visit's collective-income finding", async () => {
    const { data } = await expectStatus(
      200,
      supervisor.api.GET("/api/v1/inspections/{id}/findings", { params: { path: { id: visit.inspection.id } } }),
    );
    const income = data.items.find(
      (f): f is Schemas["Finding"] => !("deleted" in f) && f.item_code === COLLECTIVE_INCOME_ITEM,
    );
    assert.ok(income, "the automatic finding is listed");
    return income;
  });

  const taskId = randomUUID();
  const rectifyBody: Schemas["FindingRectify"] = {
    id: taskId,
    assignee_id: cadre.me.id,
    due_date: dueDate,
    title: "发展壮大村级集体经济，年收入达到 10 万元",
    detail: "盘活闲置厂房出租，成立土地股份合作社；每月上报收入台账。",
    requires_photo: true,
    case: {
      reason: "村级集体经济年收入 8.2 万元，低于 10 万元要求；班子发展思路不清",
      four_ones: {
        contact_leader: "陈立新（市农业农村局副局长）",
        town_leader: "张卫国",
        town_leader_id: supervisor.me.id,
        first_secretary: "赵磊（县农业农村局选派）",
        paired_unit: "市供销合作社",
      },
      plan: "一、盘活集体资产；\n二、发展特色种植合作社。",
    },
  };

  const { rectification: opened, task } = await step(
    "supervisor: turns the finding into a rectification task (opens the village's case)",
    async () => {
      const { data, response } = await expectStatus(
        201,
        supervisor.api.POST("/api/v1/findings/{id}/rectify", {
          params: { path: { id: finding.id } },
          body: rectifyBody,
        }),
      );
      assert.equal(locationOf(response), `/api/v1/tasks/${taskId}`);
      assert.equal(data.rectification.org_id, village.id);
      assert.equal(data.rectification.status, "open");
      assert.equal(data.rectification.source, "finding");
      assert.equal(data.rectification.finding_id, finding.id);
      assert.equal(data.rectification.year, Number(today.slice(0, 4)));
      assert.equal(data.rectification.four_ones.town_leader_id, supervisor.me.id);
      assert.equal(data.rectification.task_counts.assigned, 1);
      assert.equal(data.task.id, taskId);
      assert.equal(data.task.status, "assigned");
      assert.equal(data.task.finding_id, finding.id);
      assert.equal(data.task.assignee_id, cadre.me.id);
      assert.equal(data.task.assignee_name, "王建国");
      assert.equal(data.task.due_date, dueDate);
      assert.equal(data.task.requires_photo, true);
      assert.equal(data.task.overdue, false);

      // A retry after a lost answer: the same task, not a second one.
      const { data: again } = await expectStatus(
        200,
        supervisor.api.POST("/api/v1/findings/{id}/rectify", {
          params: { path: { id: finding.id } },
          body: rectifyBody,
        }),
      );
      assert.equal(again.task.id, taskId);
      assert.equal(again.rectification.id, data.rectification.id);

      const { data: linked } = await expectStatus(
        200,
        supervisor.api.GET("/api/v1/findings/{id}", { params: { path: { id: finding.id } } }),
      );
      assert.equal(linked.task_id, taskId);
      const { data: org } = await expectStatus(
        200,
        supervisor.api.GET("/api/v1/orgs/{id}", { params: { path: { id: village.id } } }),
      );
      assert.equal(org.status, "rectifying", "a village with an open case is under rectification");
      return data;
    },
  );

  await step("cadre: finds the task in the inbox", async () => {
    const { data } = await expectStatus(200, cadre.api.GET("/api/v1/me/tasks"));
    assert.deepEqual(
      data.items.map((t) => [t.id, t.status, t.title]),
      [[task.id, "assigned", rectifyBody.title]],
    );
    assert.equal(data.counts.assigned, 1);
    assert.equal(data.counts.total, 1);
    assert.equal(data.counts.overdue, 0);
    const { data: filtered } = await expectStatus(
      200,
      cadre.api.GET("/api/v1/me/tasks", { params: { query: { status: "verified" } } }),
    );
    assert.deepEqual(filtered.items, [], "the status filter applies to the items");
    assert.equal(filtered.counts.total, 1, "the counts are over all the caller's tasks");
  });

  const progressId = randomUUID();
  const progressPhotoId = randomUUID();
  await step("cadre: starts the task and reports progress with a photo", async () => {
    const { data: assigned, response } = await expectStatus(
      200,
      cadre.api.GET("/api/v1/tasks/{id}", { params: { path: { id: task.id } } }),
    );
    assert.equal(assigned.status, "assigned");
    const { data: started } = await expectStatus(
      200,
      cadre.api.POST("/api/v1/tasks/{id}/start", {
        params: { path: { id: task.id }, header: { "If-Match": etagOf(response, assigned) } },
      }),
    );
    assert.equal(started.status, "in_progress");

    const { data: report, response: reportResponse } = await expectStatus(
      201,
      cadre.api.POST("/api/v1/tasks/{id}/progress", {
        params: { path: { id: task.id } },
        body: {
          id: progressId,
          text: "闲置厂房已签约出租，年租金 3 万元；土地股份合作社已挂牌。",
          percent: 100,
          photo_ids: [progressPhotoId],
        },
      }),
    );
    assert.equal(report.id, progressId);
    assert.equal(report.author_id, cadre.me.id);
    assert.equal(report.percent, 100);
    assert.deepEqual(report.missing_photo_ids, [progressPhotoId], "the photo is still owed");
    assert.equal(reportResponse.status, 201);

    const { data: photo } = await expectStatus(
      201,
      cadre.api.POST("/api/v1/photos", {
        body: {
          file: jpegBlob(CLEARED_DUMP_SITE_JPEG),
          id: progressPhotoId,
          progress_id: progressId,
          taken_at: rfc3339(new Date()),
          lat: String(PHONE_PLACE.lat),
          lng: String(PHONE_PLACE.lng),
          caption: "合作社挂牌",
        },
        bodySerializer: photoFormSerializer,
      }),
    );
    assert.equal(photo.progress_id, progressId);
    assert.equal(photo.owner_id, cadre.me.id);
    assert.equal(photo.checks.level, "ok");
  });

  await step("cadre: submits the task for verification (If-Match)", async () => {
    const { data: current, response } = await expectStatus(
      200,
      cadre.api.GET("/api/v1/tasks/{id}", { params: { path: { id: task.id } } }),
    );
    assert.equal(current.progress_count, 1);
    assert.deepEqual(current.progress[0]?.missing_photo_ids, [], "the photo arrived");
    assert.equal(current.evidence?.level, "ok");
    assert.equal(current.evidence?.photos, 1);
    const { data } = await expectStatus(
      200,
      cadre.api.POST("/api/v1/tasks/{id}/submit", {
        params: { path: { id: task.id }, header: { "If-Match": etagOf(response, current) } },
      }),
    );
    assert.equal(data.status, "submitted");
    assert.ok(data.submitted_at !== null);
  });

  await step("supervisor: verifies the task", async () => {
    const { data: current, response } = await expectStatus(
      200,
      supervisor.api.GET("/api/v1/tasks/{id}", { params: { path: { id: task.id } } }),
    );
    assert.equal(current.status, "submitted");
    const { data } = await expectStatus(
      200,
      supervisor.api.POST("/api/v1/tasks/{id}/verify", {
        params: { path: { id: task.id }, header: { "If-Match": etagOf(response, current) } },
        body: {},
      }),
    );
    assert.equal(data.status, "verified");
    assert.equal(data.verified_by, supervisor.me.id);
    assert.ok(data.verified_at !== null);
    assert.equal(data.evidence_ack, null);
    assert.deepEqual(
      data.history.map((h) => [h.from, h.to]),
      [
        [null, "assigned"],
        ["assigned", "in_progress"],
        ["in_progress", "submitted"],
        ["submitted", "verified"],
      ],
    );

    const { data: inbox } = await expectStatus(200, cadre.api.GET("/api/v1/me/tasks"));
    assert.equal(inbox.counts.verified, 1);
  });

  await step("supervisor: evaluates the case and closes it as passed; the village is normal again", async () => {
    const { data: open, response } = await expectStatus(
      200,
      supervisor.api.GET("/api/v1/rectifications/{id}", { params: { path: { id: opened.id } } }),
    );
    assert.equal(open.status, "open");
    assert.equal(open.task_counts.verified, 1);
    const { data: evaluating, response: evaluatingResponse } = await expectStatus(
      200,
      supervisor.api.POST("/api/v1/rectifications/{id}/evaluate", {
        params: { path: { id: opened.id }, header: { "If-Match": etagOf(response, open) } },
        body: {},
      }),
    );
    assert.equal(evaluating.status, "evaluating");
    const evaluation = "集体经济年收入预计达到 11.2 万元，合作社运行正常，评估合格，同意销号。";
    const { data: closed } = await expectStatus(
      200,
      supervisor.api.POST("/api/v1/rectifications/{id}/close", {
        params: { path: { id: opened.id }, header: { "If-Match": etagOf(evaluatingResponse, evaluating) } },
        body: { result: "passed", evaluation },
      }),
    );
    assert.equal(closed.status, "closed");
    assert.equal(closed.result, "passed");
    assert.equal(closed.evaluation, evaluation);
    assert.ok(closed.closed_at !== null);
    assert.deepEqual(
      closed.history.map((h) => [h.from, h.to]),
      [
        [null, "open"],
        ["open", "evaluating"],
        ["evaluating", "closed"],
      ],
    );
    const { data: org } = await expectStatus(
      200,
      supervisor.api.GET("/api/v1/orgs/{id}", { params: { path: { id: village.id } } }),
    );
    assert.equal(org.status, "normal");
  });
}

async function ranking(cast: Cast, visit: Visit): Promise<void> {
  const year = Number(shanghaiDate(new Date()).slice(0, 4));
  await step("supervisor: the yearly ranking shows the town with its score", async () => {
    const { data } = await expectStatus(
      200,
      cast.supervisor.api.GET("/api/v1/reports/ranking", { params: { query: { year } } }),
    );
    assert.equal(data.year, year);
    const town = data.items.find((i) => i.org_id === cast.town.id);
    assert.ok(town, "the town is ranked");
    const score = visit.inspection.score.total;
    assert.equal(town.org_name, "东山镇");
    assert.equal(town.inspections, 1);
    assert.equal(town.inspection_score, score);
    assert.equal(town.tasks, 1);
    assert.equal(town.tasks_verified_on_time, 1);
    assert.equal(town.on_time_rate, 100);
    assert.equal(town.overdue_tasks, 0);
    assert.equal(town.composite, round(0.6 * score + 0.3 * 100, 2));
    assert.equal(town.rank, 1);
    assert.equal(town.recommended, true);
  });
}

async function main(): Promise<void> {
  const [baseUrl, adminPassword] = process.argv.slice(2);
  if (!baseUrl || !adminPassword) {
    console.error("usage: node workflows.js <base url> <bootstrap admin password>");
    process.exit(2);
  }
  const started = performance.now();
  console.log(`client workflows against ${baseUrl}`);
  const cast = await setUpOrganisationAndPeople(baseUrl, adminPassword);
  const checkRefreshReuse = await tokenRotation(baseUrl);
  const visit = await inspectorVisit(cast);
  await rectification(cast, visit);
  await ranking(cast, visit);
  await logOut(cast);
  await checkRefreshReuse();
  console.log(`${stepCount} passed, 0 failed (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

main().catch((error: unknown) => {
  console.error(`\nFAILED at step: ${currentStep}`);
  if (error instanceof StepFailure) {
    console.error(error.message);
    console.error(`response body: ${JSON.stringify(error.body, null, 2)}`);
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    if (lastAnswer !== null) {
      console.error(
        `last answer: ${lastAnswer.method} ${lastAnswer.url} → ${lastAnswer.status}\n${JSON.stringify(lastAnswer.body, null, 2)}`,
      );
    }
  }
  console.log(`${stepCount} passed, 1 failed`);
  process.exit(1);
});
