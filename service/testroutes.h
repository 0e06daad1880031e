/*
 * Routes that exist only in test builds (CMake option INSPECTD_TEST_ROUTES,
 * on in `make test`, never in `make run` or release builds). They exercise
 * the HTTP layer's generic machinery — JSON bodies, path parameters, slow
 * requests during shutdown — before resource routes exist to carry it.
 */
#ifndef INSPECTD_TESTROUTES_H
#define INSPECTD_TESTROUTES_H

#include "http/router.h"

void test_echo(struct req *req);
void test_params(struct req *req);
void test_sleep(struct req *req);
void test_clock(struct req *req);
void test_query_plans(struct req *req);

/* clang-format off */
#define TEST_ROUTES \
	{"POST", "/api/v1/_test/echo",                     test_echo,   ROUTE_PUBLIC | ROUTE_BODY_JSON}, \
	{"GET",  "/api/v1/_test/things/{id}/parts/{part}", test_params, ROUTE_PUBLIC}, \
	{"GET",  "/api/v1/_test/sleep",                    test_sleep,  ROUTE_PUBLIC}, \
	{"PUT",  "/api/v1/_test/clock",                    test_clock,  ROUTE_PUBLIC | ROUTE_BODY_JSON}, \
	{"GET",  "/api/v1/_test/query-plans",              test_query_plans, ROUTE_PUBLIC},
/* clang-format on */

#endif
