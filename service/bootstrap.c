#include "bootstrap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "crypto.h"
#include "db.h"
#include "http/api.h"
#include "org_store.h"
#include "password.h"
#include "random.h"
#include "user_store.h"

int bootstrap_run(const char *db_path, char *err, size_t errlen)
{
	struct db *db = db_open(db_path, err, errlen);
	if (!db)
		return -1;
	int rc = -1;
	char generated[48] = "";
	if (db_begin(db) != STORE_OK) {
		snprintf(err, errlen, "bootstrap: cannot begin a transaction");
		goto out;
	}
	if (user_store_count(db) != 0) {
		db_rollback(db);
		rc = 0;
		goto out;
	}
	const char *org_name = getenv("INSPECTD_BOOTSTRAP_ORG_NAME");
	if (!org_name || !*org_name)
		org_name = "本市";
	if (!text_is_valid(org_name, 1, 100)) {
		snprintf(err, errlen, "INSPECTD_BOOTSTRAP_ORG_NAME must be 1-100 characters of UTF-8 text");
		rc = -2;
		goto rollback;
	}
	const char *password = getenv("INSPECTD_BOOTSTRAP_ADMIN_PASSWORD");
	if (password && *password) {
		const char *why = password_policy_check(password, "admin");
		if (why) {
			snprintf(err, errlen, "INSPECTD_BOOTSTRAP_ADMIN_PASSWORD rejected: %s", why);
			rc = -2;
			goto rollback;
		}
	} else {
		uint8_t raw[18];
		rand_fill(raw, sizeof raw);
		b64url_encode(raw, sizeof raw, generated);
		password = generated;
	}
	struct org root;
	if (org_store_get_by_code(db, "root", &root) != STORE_OK) {
		memset(&root, 0, sizeof root);
		rand_uuid(root.id);
		snprintf(root.code, sizeof root.code, "root");
		snprintf(root.name, sizeof root.name, "%s", org_name);
		snprintf(root.level, sizeof root.level, "city");
		snprintf(root.status, sizeof root.status, "normal");
		if (org_store_create(db, &root, NULL) != STORE_OK) {
			snprintf(err, errlen, "bootstrap: cannot create the root organization");
			goto rollback;
		}
	}
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(password, hash) != PASSWORD_OK) {
		snprintf(err, errlen, "bootstrap: cannot hash the admin password");
		goto rollback;
	}
	struct user admin;
	memset(&admin, 0, sizeof admin);
	rand_uuid(admin.id);
	snprintf(admin.username, sizeof admin.username, "admin");
	snprintf(admin.display_name, sizeof admin.display_name, "系统管理员");
	snprintf(admin.role, sizeof admin.role, "admin");
	snprintf(admin.org_id, sizeof admin.org_id, "%s", root.id);
	if (user_store_create(db, &admin, hash) != STORE_OK || db_commit(db) != STORE_OK) {
		snprintf(err, errlen, "bootstrap: cannot create the admin user");
		goto rollback;
	}
	struct log_line l;
	if (log_begin(&l, LOG_WARN, "bootstrap", "created the root organization and the admin user")) {
		log_str(&l, "org", root.name);
		log_str(&l, "username", "admin");
		log_end(&l);
	}
	if (generated[0]) /* shown once, on purpose: there is no other way to learn it */
		fprintf(stderr,
		        "inspectd: bootstrap admin password: %s (shown once; change it with PUT /api/v1/me/password)\n",
		        generated);
	rc = 0;
	goto out;
rollback:
	db_rollback(db);
out:
	memset(generated, 0, sizeof generated);
	db_close(db);
	return rc;
}
