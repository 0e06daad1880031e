#include "problem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *code;
	const char *title;
} titles[] = {
        {"bad_request", "请求无效"},
        {"malformed_json", "JSON 格式错误"},
        {"unauthorized", "未登录或令牌无效"},
        {"forbidden", "无权操作"},
        {"not_found", "资源不存在"},
        {"method_not_allowed", "不支持该请求方法"},
        {"request_timeout", "请求超时"},
        {"conflict", "与当前状态冲突"},
        {"length_required", "需要 Content-Length"},
        {"version_conflict", "版本冲突"},
        {"payload_too_large", "请求体过大"},
        {"uri_too_long", "请求地址过长"},
        {"unsupported_media_type", "不支持的内容类型"},
        {"range_not_satisfiable", "请求范围无效"},
        {"validation_failed", "字段校验失败"},
        {"invalid_credentials", "用户名或密码错误"},
        {"invalid_refresh_token", "刷新令牌无效"},
        {"refresh_token_reused", "刷新令牌被重复使用"},
        {"username_taken", "用户名已被占用"},
        {"code_taken", "组织代码已被占用"},
        {"id_conflict", "ID 已被占用"},
        {"invalid_transition", "当前状态不允许此操作"},
        {"incomplete", "提交内容不完整"},
        {"case_exists", "该组织本年度已有整顿案件"},
        {"tasks_unverified", "仍有任务未验收"},
        {"already_rectified", "该问题已转为整改任务"},
        {"evidence_unacknowledged", "证据存疑，需确认"},
        {"too_many_photos", "照片数量已达上限"},
        {"too_many_requests", "请求过于频繁"},
        {"header_fields_too_large", "请求头过大"},
        {"internal_error", "服务器内部错误"},
        {"not_implemented", "未实现"},
        {"service_unavailable", "服务暂不可用"},
        {"not_ready", "服务未就绪"},
        {"shutting_down", "服务正在停止"},
        {"http_version_not_supported", "不支持的 HTTP 版本"},
        {"insufficient_storage", "存储空间不足"},
        {"image_undecodable", "图片无法解码"},
        {"tus_version_unsupported", "不支持的 tus 协议版本"},
        {"offset_mismatch", "上传偏移量不一致"},
        {"checksum_algorithm_unsupported", "不支持的校验算法"},
        {"checksum_mismatch", "校验和不一致"},
        {"upload_locked", "上传正在进行中"},
        {"upload_expired", "上传已过期"},
        {"too_many_uploads", "未完成的上传过多"},
};

const char *problem_title(const char *code)
{
	for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
		if (strcmp(titles[i].code, code) == 0)
			return titles[i].title;
	return "请求失败";
}

const char *problem_code_for_status(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 408: return "request_timeout";
	case 409: return "conflict";
	case 411: return "length_required";
	case 412: return "version_conflict";
	case 413: return "payload_too_large";
	case 414: return "uri_too_long";
	case 415: return "unsupported_media_type";
	case 416: return "range_not_satisfiable";
	case 422: return "validation_failed";
	case 429: return "too_many_requests";
	case 431: return "header_fields_too_large";
	case 501: return "not_implemented";
	case 503: return "service_unavailable";
	case 505: return "http_version_not_supported";
	case 507: return "insufficient_storage";
	default: return status >= 500 ? "internal_error" : "bad_request";
	}
}

static int is_standard_member(const char *key)
{
	static const char *const std[] = {"type", "title", "status", "detail", "code", "request_id"};
	for (size_t i = 0; i < sizeof std / sizeof std[0]; i++)
		if (strcmp(key, std[i]) == 0)
			return 1;
	return 0;
}

void problem_render(struct buf *out, int status, const char *code, const char *detail, const char *request_id,
                    const json_t *extra)
{
	buf_adds(out, "{\"type\":");
	char type[96];
	snprintf(type, sizeof type, "urn:inspectd:problem:%s", code);
	buf_add_json_string(out, type, strlen(type));
	buf_adds(out, ",\"title\":");
	const char *title = problem_title(code);
	buf_add_json_string(out, title, strlen(title));
	buf_printf(out, ",\"status\":%d", status);
	if (detail) {
		buf_adds(out, ",\"detail\":");
		buf_add_json_string(out, detail, strlen(detail));
	}
	buf_adds(out, ",\"code\":");
	buf_add_json_string(out, code, strlen(code));
	buf_adds(out, ",\"request_id\":");
	if (!request_id)
		request_id = "";
	buf_add_json_string(out, request_id, strlen(request_id));
	if (extra && json_is_object(extra)) {
		const char *key;
		json_t *value;
		/* json_object_foreach wants a non-const object; it only reads. */
		json_object_foreach((json_t *)extra, key, value)
		{
			if (is_standard_member(key))
				continue;
			char *enc = json_dumps(value, JSON_COMPACT | JSON_REAL_PRECISION(15) | JSON_ENCODE_ANY);
			if (!enc)
				continue;
			buf_addc(out, ',');
			buf_add_json_string(out, key, strlen(key));
			buf_addc(out, ':');
			buf_adds(out, enc);
			free(enc);
		}
	}
	buf_addc(out, '}');
}
