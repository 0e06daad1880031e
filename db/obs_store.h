/*
 * Monthly observation: templates, rounds, inspections, findings.
 *
 * Every write stamps the row with the next change sequence (db_next_seq)
 * inside the caller's BEGIN IMMEDIATE transaction; sync lists read
 * "seq > N" and report the counter as their sync token. JSON columns
 * (definition, answers, location, score, photo_ids) are stored and returned
 * as text; the service owns their shape.
 *
 * Structs holding char * fields own them: release with the matching
 * *_release function.
 */
#ifndef INSPECTD_OBS_STORE_H
#define INSPECTD_OBS_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "org_store.h"

/* Next value of the change sequence (inside a write transaction), or -1. */
long long db_next_seq(sqlite3 *h);
/* The current value (what a snapshot has seen), or -1. */
long long db_current_seq(struct db *db);

/* How lists select rows: by keyset position, or as a sync (by seq). */
struct page {
	int limit;
	int sync;              /* 1: order by seq, tombstones included */
	long long after_seq;   /* sync: rows with seq > after_seq */
	const char *since_ts;  /* sync: rows with updated_at >= since_ts (NULL: none) */
	const char *after_key; /* keyset: rows after this position ("" = first page) */
	const char *after_id;
};

/* ---- templates ---- */
struct template_row {
	char id[37];
	char key[65];
	char name[401];
	char *description; /* NULL when none */
	long long version;
	char *definition;
	long long seq;
	char created_at[24], updated_at[24];
};
void template_row_release(struct template_row *t);
enum store_status template_get(struct db *db, const char *id, struct template_row *out);
/* Inserts with version = max(version of key) + 1 (filled in t). */
enum store_status template_create(struct db *db, struct template_row *t);
enum store_status template_list(struct db *db, const char *key, const struct page *p,
                                int (*each)(const struct template_row *t, void *ctx), void *ctx);

/* ---- rounds ---- */
struct round_row {
	char id[37];
	char month[8];
	char title[401];
	char template_id[37];
	char org_id[37];
	char org_path[ORG_PATH_LEN];
	char status[8];
	uint8_t create_hash[32];
	long long version, seq;
	char created_at[24], updated_at[24];
};

/* Who sees which rounds: mode 1 = path scope (owner org or any target
 * inside), 2 = assigned inspector (user_id), 0 = everything. */
struct round_scope {
	int mode;
	const char *scope, *scope_end, *user_id;
};

enum store_status round_get(struct db *db, const char *id, const struct round_scope *sc, struct round_row *out);
enum store_status round_insert(struct db *db, struct round_row *r);
enum store_status round_update(struct db *db, struct round_row *r, long long if_match);
/* Replaces the targets (in order) and inspectors of a round. The round's
 * inspections get new change sequence numbers: who may see them changed, so
 * a phone syncing from a token must receive them again. */
enum store_status round_set_members(struct db *db, const char *round_id, const char *const *org_ids, size_t norgs,
                                    const char *const *user_ids, size_t nusers);
enum store_status round_targets(struct db *db, const char *round_id,
                                int (*each)(const char *org_id, const char *org_name, const char *org_path, void *ctx),
                                void *ctx);
enum store_status round_inspectors(struct db *db, const char *round_id, int (*each)(const char *user_id, void *ctx),
                                   void *ctx);
/* Keyset position: month desc, id. */
enum store_status round_list(struct db *db, const struct round_scope *sc, const char *month, const char *status,
                             const struct page *p, int (*each)(const struct round_row *r, void *ctx), void *ctx);
/* The most advanced live inspection state of org in the round: state and id. */
enum store_status round_org_state(struct db *db, const char *round_id, const char *org_id, char state[12],
                                  char inspection_id[37]);
/* Open rounds assigning user_id: each (round, target org). */
enum store_status round_assignments(struct db *db, const char *user_id,
                                    int (*each)(const struct round_row *r, const char *org_id, const char *org_name,
                                                void *ctx),
                                    void *ctx);
/* 1 when user_id is assigned to round_id. */
int round_has_inspector(struct db *db, const char *round_id, const char *user_id);
int round_has_target(struct db *db, const char *round_id, const char *org_id);

/* ---- inspections ---- */
struct inspection_row {
	char id[37];
	char org_id[37];
	char org_name[401];
	char org_path[ORG_PATH_LEN];
	char round_id[37]; /* "" when none */
	char template_id[37];
	char inspector_id[37];
	char inspector_name[257];
	char status[12];
	char started_at[24], finished_at[24]; /* "" when none */
	char *location;                       /* JSON or NULL */
	char *answers;                        /* JSON array */
	char *notes;
	char *return_reason;
	char *score; /* JSON */
	char submitted_at[24], reviewed_at[24], reviewed_by[37];
	uint8_t create_hash[32];
	int deleted;
	long long version, seq;
	char created_at[24], updated_at[24];
	char evidence_ack_by[37], evidence_ack_at[24]; /* "" when none (read only: inspection_set_evidence_ack) */
	char *evidence_ack_note;
};
void inspection_row_release(struct inspection_row *i);
/* Records a supervisor's acknowledgement of alert-level evidence (in the caller's transaction). */
enum store_status inspection_set_evidence_ack(struct db *db, const char *id, const char *by, const char *note);

/* Who sees which inspections (see the policy): mode 0 all, 1 path scope,
 * 2 inspector (own + assigned rounds), 3 path scope and approved only. */
struct inspection_scope {
	int mode;
	const char *scope, *scope_end, *user_id;
};

struct inspection_filter {
	const char *status, *org_id, *round_id, *inspector_id; /* NULL: any */
};

/* Live (not deleted) inspection visible in sc; sc NULL = unscoped (any row, tombstones included). */
enum store_status inspection_get(struct db *db, const char *id, const struct inspection_scope *sc,
                                 struct inspection_row *out);
enum store_status inspection_insert(struct db *db, struct inspection_row *r);
/* Writes the editable and workflow fields of r when version == if_match (0: any). */
enum store_status inspection_update(struct db *db, struct inspection_row *r, long long if_match);
enum store_status inspection_list(struct db *db, const struct inspection_scope *sc, const struct inspection_filter *f,
                                  const struct page *p, int (*each)(const struct inspection_row *r, void *ctx),
                                  void *ctx);

/* ---- findings ---- */
struct finding_row {
	char id[37];
	char inspection_id[37];
	char org_id[37];
	char item_code[65]; /* "" when none */
	char severity[8];
	char *description;
	char *photo_ids; /* JSON array */
	int auto_;
	char created_by[37]; /* "" for automatic findings */
	uint8_t create_hash[32];
	char status[12];
	int deleted;
	long long version, seq;
	char created_at[24], updated_at[24];
	char task_id[37]; /* the rectification task made from it, "" when none */
};
void finding_row_release(struct finding_row *f);
enum store_status finding_get(struct db *db, const char *id, struct finding_row *out);
enum store_status finding_get_auto(struct db *db, const char *inspection_id, const char *item_code,
                                   struct finding_row *out);
enum store_status finding_insert(struct db *db, struct finding_row *f);
/* Writes severity, description, photo_ids, deleted of a live finding whose
 * version is if_match (0: any). */
enum store_status finding_update(struct db *db, struct finding_row *f, long long if_match);
enum store_status finding_list(struct db *db, const char *inspection_id, const struct page *p,
                               int (*each)(const struct finding_row *f, void *ctx), void *ctx);
/* Live automatic findings of an inspection. */
enum store_status finding_list_auto(struct db *db, const char *inspection_id,
                                    int (*each)(const struct finding_row *f, void *ctx), void *ctx);

#endif
