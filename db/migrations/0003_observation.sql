-- 0003: monthly observation — checklist templates, rounds, inspections and
-- findings, with a change sequence for offline sync.

-- One counter for every synced table: each write takes the next value inside
-- its BEGIN IMMEDIATE transaction, so `seq` order is commit order and a phone
-- that syncs "changes after seq N" never misses or repeats one.
CREATE TABLE counters (
	name TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT;

INSERT INTO counters (name, value) VALUES ('change_seq', 0);

-- A published checklist: immutable; a change is a new version of the same key.
-- definition holds {"dimensions": [...]} as JSON text.
CREATE TABLE templates (
	id TEXT PRIMARY KEY,
	key TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT,
	version INTEGER NOT NULL,
	definition TEXT NOT NULL,
	seq INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	UNIQUE (key, version)
) STRICT;

CREATE INDEX templates_seq ON templates (seq);

CREATE TABLE rounds (
	id TEXT PRIMARY KEY,
	month TEXT NOT NULL,
	title TEXT NOT NULL,
	template_id TEXT NOT NULL REFERENCES templates (id),
	org_id TEXT NOT NULL REFERENCES orgs (id), -- the owner: the creator's organization
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
	create_hash BLOB NOT NULL,		  -- of the create request, for idempotent retries
	version INTEGER NOT NULL DEFAULT 1,
	seq INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX rounds_month ON rounds (month DESC, id);
CREATE INDEX rounds_seq ON rounds (seq);

CREATE TABLE round_targets (
	round_id TEXT NOT NULL REFERENCES rounds (id),
	org_id TEXT NOT NULL REFERENCES orgs (id),
	position INTEGER NOT NULL,
	PRIMARY KEY (round_id, org_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX round_targets_org ON round_targets (org_id);

CREATE TABLE round_inspectors (
	round_id TEXT NOT NULL REFERENCES rounds (id),
	user_id TEXT NOT NULL REFERENCES users (id),
	PRIMARY KEY (round_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX round_inspectors_user ON round_inspectors (user_id);

-- answers, location and score are JSON text composed by the service.
-- A deleted draft stays as a tombstone (deleted = 1) for sync.
CREATE TABLE inspections (
	id TEXT PRIMARY KEY,
	org_id TEXT NOT NULL REFERENCES orgs (id),
	round_id TEXT REFERENCES rounds (id),
	template_id TEXT NOT NULL REFERENCES templates (id),
	inspector_id TEXT NOT NULL REFERENCES users (id),
	status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
	started_at TEXT,
	finished_at TEXT,
	location TEXT,
	answers TEXT NOT NULL DEFAULT '[]',
	notes TEXT,
	return_reason TEXT,
	score TEXT NOT NULL,
	submitted_at TEXT,
	reviewed_at TEXT,
	reviewed_by TEXT REFERENCES users (id),
	create_hash BLOB NOT NULL,
	deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
	version INTEGER NOT NULL DEFAULT 1,
	seq INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX inspections_seq ON inspections (seq);
CREATE INDEX inspections_created ON inspections (created_at, id);
CREATE INDEX inspections_org ON inspections (org_id, created_at);
CREATE INDEX inspections_round ON inspections (round_id, org_id);
CREATE INDEX inspections_inspector ON inspections (inspector_id, created_at);

CREATE TABLE findings (
	id TEXT PRIMARY KEY,
	inspection_id TEXT NOT NULL REFERENCES inspections (id),
	org_id TEXT NOT NULL REFERENCES orgs (id),
	item_code TEXT,
	severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
	description TEXT NOT NULL,
	photo_ids TEXT NOT NULL DEFAULT '[]',
	auto INTEGER NOT NULL DEFAULT 0 CHECK (auto IN (0, 1)),
	created_by TEXT REFERENCES users (id), -- NULL for automatic findings
	status TEXT NOT NULL DEFAULT 'open',
	create_hash BLOB,
	deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
	version INTEGER NOT NULL DEFAULT 1,
	seq INTEGER NOT NULL,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX findings_inspection ON findings (inspection_id, created_at, id);
CREATE INDEX findings_seq ON findings (seq);
-- At most one live automatic finding per inspection item.
CREATE UNIQUE INDEX findings_auto ON findings (inspection_id, item_code) WHERE auto = 1 AND deleted = 0;

-- The default checklist: the "seven strengths" (七强) of the plan in
-- ../shared/seed/, items drawn from its 28 numbered tasks (source: §三 N) and its
-- numeric indicators as number items with thresholds.
UPDATE counters SET value = value + 1 WHERE name = 'change_seq';
INSERT INTO templates (id, key, name, description, version, definition, seq, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'qiqiang', '村（社区）党组织“七强”观摩评分表',
'依据《街道2023年抓党建促乡村振兴示范工作实施方案》“七强”创建目标和“七大”工程主要任务制定，供“月观摩、互促进”观摩组对村（社区）党组织现场观摩、互学互比、综合评估使用。', 1,
'{
 "dimensions": [
  {
   "code": "political_leadership",
   "label": "政治引领力强",
   "weight": 14,
   "items": [
    {
     "code": "political_leadership.01",
     "text": "规范落实“三会一课”、第一议题、党员活动日、组织生活会等基本制度，建立领学带学督学机制，会议和学习记录完整",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 1"
    },
    {
     "code": "political_leadership.02",
     "text": "村（社区）党组织本年度组织党章专题学习交流次数",
     "kind": "number",
     "unit": "次",
     "max_score": 5,
     "threshold": {
      "op": ">=",
      "value": 1
     },
     "needs_photo": false,
     "source": "§三 2"
    },
    {
     "code": "political_leadership.03",
     "text": "开展对照党章党规找差距活动，建立贯彻落实习近平总书记重要讲话和重要指示批示精神进展台账，落实闭环管理",
     "kind": "yes_no",
     "max_score": 5,
     "needs_photo": true,
     "source": "§三 2"
    },
    {
     "code": "political_leadership.04",
     "text": "用好“四个日子”党日活动制度，创新“微党课”“书记大讲坛”“方言讲堂”“网格学堂”“田间课堂”等党员群众喜闻乐见的宣传教育形式载体",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 3"
    },
    {
     "code": "political_leadership.05",
     "text": "抽查党员、群众：党的创新理论和党的惠农政策进基层、进田间、进农户，传达到每一位党员、群众",
     "kind": "score",
     "max_score": 5,
     "needs_photo": false,
     "source": "§二(一)、§三 3"
    }
   ]
  },
  {
   "code": "leading_goose",
   "label": "头雁牵引力强",
   "weight": 14,
   "items": [
    {
     "code": "leading_goose.01",
     "text": "社区党组织书记抓乡村振兴责任清单已建立并严格落实，措施、时间节点和责任人明确",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 4、§四(二)"
    },
    {
     "code": "leading_goose.02",
     "text": "落实村（社区）党组织书记教育监督管理办法，书记履职清单管理、备案管理、底线管理到位",
     "kind": "score",
     "max_score": 10,
     "needs_photo": false,
     "source": "§三 5"
    },
    {
     "code": "leading_goose.03",
     "text": "“一肩挑”书记已有镇（街）领导班子成员结对联系",
     "kind": "yes_no",
     "max_score": 5,
     "needs_photo": false,
     "source": "§三 5"
    },
    {
     "code": "leading_goose.04",
     "text": "书记参加乡村振兴“擂台比武”活动或社区党组织书记工作交流会",
     "kind": "yes_no",
     "max_score": 5,
     "needs_photo": true,
     "source": "§三 6"
    },
    {
     "code": "leading_goose.05",
     "text": "街道领导班子成员包村联户，到本村（社区）一线了解掌握实情，推动乡村振兴各项任务落地落实",
     "kind": "score",
     "max_score": 5,
     "needs_photo": true,
     "source": "§三 13"
    }
   ]
  },
  {
   "code": "org_coverage",
   "label": "组织覆盖力强",
   "weight": 15,
   "items": [
    {
     "code": "org_coverage.01",
     "text": "严格落实“四议两公开”制度；村民委员会、村务监督委员会、村级集体经济组织、共青团和妇联等定期向村级党组织报告和重大事项报告，记录完整",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 7"
    },
    {
     "code": "org_coverage.02",
     "text": "巩固村级党组织书记“三个一肩挑”成果",
     "kind": "yes_no",
     "max_score": 5,
     "needs_photo": false,
     "source": "§三 7"
    },
    {
     "code": "org_coverage.03",
     "text": "三级党建网格划分合理：书记任一级网格长，班子成员、党小组长、离退休党员等骨干任二级网格长，党员中心户就近包片联系子网格；党建网格与综治、应急、服务等网格融合为综合网格",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 8"
    },
    {
     "code": "org_coverage.04",
     "text": "条件成熟的村民小组、经济联社、经济合作社、农村社会组织等已建立党支部；村级党组织班子成员兼任村民小组等组织党支部负责人，强村带组机制健全",
     "kind": "score",
     "max_score": 10,
     "needs_photo": false,
     "source": "§三 10"
    },
    {
     "code": "org_coverage.05",
     "text": "村民小组长和村民代表中党员比例",
     "kind": "number",
     "unit": "%",
     "max_score": 5,
     "threshold": {
      "op": ">=",
      "value": 33.3
     },
     "needs_photo": false,
     "source": "§三 10"
    },
    {
     "code": "org_coverage.06",
     "text": "软弱涣散整顿情况（本村如列入整顿：“四个一”举措落实、包村联系领导、整顿评估进展）",
     "kind": "text",
     "needs_photo": false,
     "source": "§三 9"
    }
   ]
  },
  {
   "code": "team_strength",
   "label": "队伍战斗力强",
   "weight": 15,
   "items": [
    {
     "code": "team_strength.01",
     "text": "社区“两委”干部监督管理：档案管理、资格联审、因私出国（境）审批制度健全，经济责任审计和监督监察覆盖，居务监督委员会与街道纪检监察组织联动协作",
     "kind": "score",
     "max_score": 10,
     "needs_photo": false,
     "source": "§三 11"
    },
    {
     "code": "team_strength.02",
     "text": "村（社区）党组织书记和班子成员本年度参加集中培训和集体学习时间（取最少者）",
     "kind": "number",
     "unit": "学时",
     "max_score": 5,
     "threshold": {
      "op": ">=",
      "value": 56
     },
     "needs_photo": false,
     "source": "§三 14"
    },
    {
     "code": "team_strength.03",
     "text": "本村（社区）农村党员本年度参加全员轮训时间（取最少者）",
     "kind": "number",
     "unit": "学时",
     "max_score": 5,
     "threshold": {
      "op": ">=",
      "value": 32
     },
     "needs_photo": false,
     "source": "§三 14"
    },
    {
     "code": "team_strength.04",
     "text": "村（社区）党组织书记本年度参加村级党组织书记全员培训次数",
     "kind": "number",
     "unit": "次",
     "max_score": 5,
     "threshold": {
      "op": ">=",
      "value": 1
     },
     "needs_photo": false,
     "source": "§三 14"
    },
    {
     "code": "team_strength.05",
     "text": "本村（社区）本年度发展党员数",
     "kind": "number",
     "unit": "名",
     "max_score": 5,
     "threshold": {
      "op": ">=",
      "value": 1
     },
     "needs_photo": false,
     "source": "§三 16"
    },
    {
     "code": "team_strength.06",
     "text": "本村（社区）本年度新发展农村党员中35岁以下所占比例",
     "kind": "number",
     "unit": "%",
     "max_score": 5,
     "threshold": {
      "op": ">=",
      "value": 50
     },
     "needs_photo": false,
     "source": "§三 16"
    }
   ]
  },
  {
   "code": "talent_support",
   "label": "人才支撑力强",
   "weight": 13,
   "items": [
    {
     "code": "talent_support.01",
     "text": "驻村第一书记（驻镇帮镇扶村工作队）工作生活保障落实；第一书记派出单位与本村组织共建、责任共担、资源共享、难题共解、发展共促",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 15"
    },
    {
     "code": "talent_support.02",
     "text": "建立农村党员致富带头人档案，跟踪管理、重点培养；党员创办领办示范致富项目或新型农业经营主体，动员外出党员服务家乡发展或返乡创业",
     "kind": "score",
     "max_score": 10,
     "needs_photo": false,
     "source": "§三 16"
    },
    {
     "code": "talent_support.03",
     "text": "党员致富能手中至少结对帮带1户群众的人数所占比例",
     "kind": "number",
     "unit": "%",
     "max_score": 5,
     "threshold": {
      "op": ">=",
      "value": 100
     },
     "needs_photo": false,
     "source": "§三 16"
    },
    {
     "code": "talent_support.04",
     "text": "开展“农技上门”和实用技能培训，建立年度党员群众实用技能培训需求清单；“两委”干部参加“村干部学历提升工程”",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 17"
    },
    {
     "code": "talent_support.05",
     "text": "人才“组团式”帮扶到村：义诊、支教、产业支招、农技指导等活动；驻村选调生开展“进家门、察实情、听民声”活动",
     "kind": "score",
     "max_score": 5,
     "needs_photo": true,
     "source": "§三 18"
    }
   ]
  },
  {
   "code": "development_drive",
   "label": "发展驱动力强",
   "weight": 16,
   "items": [
    {
     "code": "development_drive.01",
     "text": "村级集体经济年收入",
     "kind": "number",
     "unit": "元",
     "max_score": 10,
     "threshold": {
      "op": ">=",
      "value": 100000
     },
     "needs_photo": false,
     "source": "§三 19"
    },
    {
     "code": "development_drive.02",
     "text": "因地制宜确定主导产业和经营模式，盘活村集体资产资源；“一村一品”特色产业，壮大农村合作社、家庭农场两类经营主体",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 19、21"
    },
    {
     "code": "development_drive.03",
     "text": "美丽乡村建设：挖掘保护本村革命史资料和遗址，参与红色美丽示范带、岭南特色乡村示范带建设；人居环境整治，生活垃圾、污水处理、集中供水、公共厕所等设施建立管护机制，村内道路硬化",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 20、22"
    },
    {
     "code": "development_drive.04",
     "text": "乡风文明：依托党群服务中心开展精神文明建设，开展文明家庭创建和移风易俗，高价彩礼、人情攀比、铺张浪费、封建迷信得到有效遏制",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 23"
    },
    {
     "code": "development_drive.05",
     "text": "乡村善治：党务村务财务公开“阳光工程”落实，发挥综合网格作用，群众调解组织健全，矛盾纠纷预防、发现、报告、解决闭环，防灾减灾救灾和应急机制健全",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 24"
    },
    {
     "code": "development_drive.06",
     "text": "防止返贫监测和帮扶机制落实，“两不愁三保障”成果巩固；联农带农、以工代赈、生产奖补、劳务补贴等增加低收入群体收入",
     "kind": "score",
     "max_score": 10,
     "needs_photo": false,
     "source": "§三 25"
    }
   ]
  },
  {
   "code": "grassroots_support",
   "label": "基层保障力强",
   "weight": 13,
   "items": [
    {
     "code": "grassroots_support.01",
     "text": "村级办公经费、村级党组织服务群众专项经费、“两委”干部补贴、正常离任村干部生活补助及时足额落实",
     "kind": "yes_no",
     "max_score": 10,
     "needs_photo": false,
     "source": "§三 26"
    },
    {
     "code": "grassroots_support.02",
     "text": "党建经费重点保障组织运行、党员教育培训、服务群众和阵地建设，使用监管机制完善",
     "kind": "yes_no",
     "max_score": 5,
     "needs_photo": false,
     "source": "§三 26"
    },
    {
     "code": "grassroots_support.03",
     "text": "党群服务中心服务事项完善、办事流程明确，实行“一站式服务”“一门式办理”",
     "kind": "score",
     "max_score": 10,
     "needs_photo": true,
     "source": "§三 27"
    },
    {
     "code": "grassroots_support.04",
     "text": "村民小组活动阵地欠缺的困难已妥善解决",
     "kind": "yes_no",
     "max_score": 5,
     "needs_photo": true,
     "source": "§三 27"
    },
    {
     "code": "grassroots_support.05",
     "text": "走访慰问老党员、困难党员和长期承担急难险重任务党员，做好因公伤残党员和因公殉职基层干部家属关爱",
     "kind": "score",
     "max_score": 5,
     "needs_photo": true,
     "source": "§三 28"
    },
    {
     "code": "grassroots_support.06",
     "text": "基层干部群众反映的实际困难及解决情况",
     "kind": "text",
     "needs_photo": false,
     "source": "§二(七)、§三 28"
    }
   ]
  }
 ]
}',
(SELECT value FROM counters WHERE name = 'change_seq'),
strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
