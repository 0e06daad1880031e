/* /api/v1/photos: evidence photos, uploaded from phones and served back. */
#ifndef INSPECTD_PHOTOS_H
#define INSPECTD_PHOTOS_H

struct req;

void photos_upload(struct req *req);
void photos_get(struct req *req);
void photos_content(struct req *req);

#endif
