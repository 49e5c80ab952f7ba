/* SPDX-License-Identifier: MIT */
/* an_escalate: escalation triggers (urgent, complaint, legal, user-defined) with spans. */
#ifndef AN_ESCALATE_H
#define AN_ESCALATE_H

#include <stddef.h>

#include "lc_err.h"

typedef struct an_rules an_rules;   /* immutable once built: share across threads */

#define AN_TRIGGERS_MAX 64   /* triggers in one rules set: an an_match[AN_TRIGGERS_MAX] holds any scan */

/* The default rules built into the binary (analyzer/rules/default.rules). */
lc_status an_rules_load_default(an_rules **out, lc_err *err) LC_MUST_CHECK;
/* A rules file (format in docs/escalation-rules.md); errors name the file and line. */
lc_status an_rules_load_file(const char *path, an_rules **out, lc_err *err) LC_MUST_CHECK;
lc_status an_rules_parse(const char *text, size_t len, const char *name, an_rules **out,
    lc_err *err) LC_MUST_CHECK;
void an_rules_free(an_rules *r);   /* accepts NULL */

typedef struct an_match {
	const char *trigger;   /* "legal", "complaint", "urgent", or a user trigger; owned by the rules */
	int priority;          /* higher is more serious: legal > complaint > urgent by default */
	size_t start, end;     /* byte span of the match in the text, end exclusive */
} an_match;

/*
 * Every trigger that fires in text, one match per trigger (its first span),
 * ordered by priority, highest first. Writes at most max matches; returns how
 * many triggers fired (may exceed max).
 */
size_t an_escalate_scan(const an_rules *r, const char *text, size_t len, an_match *out,
    size_t max);

/* The triggers a rules set declares, in declaration order (names owned by the rules). */
size_t an_rules_trigger_count(const an_rules *r);
const char *an_rules_trigger_name(const an_rules *r, size_t i);   /* NULL when i is out of range */

#endif
