/*
 * RFC 4180 CSV, as spreadsheets write it: optional UTF-8 BOM, CRLF or LF
 * line ends, fields optionally quoted with "" as an escaped quote and line
 * breaks allowed inside quotes. Blank lines are skipped.
 */
#ifndef INSPECTD_CSV_H
#define INSPECTD_CSV_H

#include <stddef.h>

struct csv_row {
	int line; /* where the record starts, 1-based */
	size_t n;
	char **fields;
};

struct csv {
	struct csv_row *rows;
	size_t n;
};

/* Parses data; returns 0, or -1 with err naming the line of a malformed
 * record (unterminated quote, text after a closing quote). Release with
 * csv_release (also after a failure). */
int csv_parse(const char *data, size_t len, struct csv *out, char *err, size_t errlen);
void csv_release(struct csv *c);

#endif
