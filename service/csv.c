#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

static void row_add_field(struct csv_row *row, struct buf *field)
{
	row->fields = xrealloc(row->fields, (row->n + 1) * sizeof *row->fields);
	row->fields[row->n++] = buf_detach(field, NULL);
}

static void csv_add_row(struct csv *c, struct csv_row *row)
{
	c->rows = xrealloc(c->rows, (c->n + 1) * sizeof *c->rows);
	c->rows[c->n++] = *row;
	memset(row, 0, sizeof *row);
}

static void row_free(struct csv_row *row)
{
	for (size_t i = 0; i < row->n; i++)
		free(row->fields[i]);
	free(row->fields);
	memset(row, 0, sizeof *row);
}

int csv_parse(const char *data, size_t len, struct csv *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	size_t i = 0;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	int line = 1;
	struct csv_row row = {0};
	struct buf field = BUF_INIT;
	int in_row = 0;
	while (i <= len) {
		if (!in_row) {
			row.line = line;
			in_row = 1;
		}
		/* one field */
		buf_reset(&field);
		buf_add(&field, "", 0);
		if (i < len && data[i] == '"') {
			i++;
			for (;;) {
				if (i >= len) {
					snprintf(err, errlen, "line %d: unterminated quoted field", row.line);
					goto fail;
				}
				if (data[i] == '"') {
					if (i + 1 < len && data[i + 1] == '"') {
						buf_addc(&field, '"');
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (data[i] == '\n')
					line++;
				buf_addc(&field, data[i++]);
			}
			if (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
				snprintf(err, errlen, "line %d: text after a closing quote", line);
				goto fail;
			}
		} else {
			while (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
				if (data[i] == '"') {
					snprintf(err, errlen, "line %d: quote inside an unquoted field", line);
					goto fail;
				}
				buf_addc(&field, data[i++]);
			}
		}
		row_add_field(&row, &field);
		if (i < len && data[i] == ',') {
			i++;
			continue;
		}
		/* end of record */
		if (i < len && data[i] == '\r')
			i++;
		if (i < len && data[i] == '\n')
			i++;
		line++;
		int blank = row.n == 1 && row.fields[0][0] == '\0';
		if (blank)
			row_free(&row);
		else
			csv_add_row(out, &row);
		in_row = 0;
		if (i >= len)
			break;
	}
	buf_release(&field);
	return 0;
fail:
	buf_release(&field);
	row_free(&row);
	csv_release(out);
	return -1;
}

void csv_release(struct csv *c)
{
	for (size_t i = 0; i < c->n; i++)
		row_free(&c->rows[i]);
	free(c->rows);
	memset(c, 0, sizeof *c);
}
