/* The apiserver's checks on what a client writes: names, label keys and
 * values (apimachinery pkg/util/validation, with its messages), and UTF-8. */
#ifndef LWC_VALIDATION_H
#define LWC_VALIDATION_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Each returns 1 when s is valid, else 0 with the apimachinery message in why. */
int lwcm_valid_dns1123_subdomain(const char *s, char *why, size_t whylen);
int lwcm_valid_dns1123_label(const char *s, char *why, size_t whylen);
int lwcm_valid_label_key(const char *s, char *why, size_t whylen);
int lwcm_valid_label_value(const char *s, char *why, size_t whylen);

/* 1 when the n bytes at s are well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
int lwcm_utf8_valid(const char *s, size_t n);
/* Replaces every string (and member name) in the tree that is not UTF-8 by
 * its sanitized copy (lwcc_utf8_sanitize), so what the server prints is valid JSON text for a
 * strict parser. -1 when out of memory. */
int lwcm_utf8_sanitize_tree(cJSON *node);

/* Keeps only the last of members with the same name in every object of the
 * tree, as Go's encoding/json decodes them (the last wins), so that nothing
 * stored is printed with a key twice. -1 when out of memory. */
int lwcm_json_dedupe_keys(cJSON *node);

#endif
