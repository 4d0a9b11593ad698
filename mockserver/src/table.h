/* meta.k8s.io/v1 Table output, which kubectl asks for when it prints for
 * people: the pod printer's columns for pods, and the defaults for the rest.
 * Each row carries its PartialObjectMetadata, without which kubectl -A
 * prints an empty NAMESPACE column. */
#ifndef LWC_TABLE_H
#define LWC_TABLE_H

#include "object_codec.h"
#include "resources.h"
#include "store.h"
#include "strbuf.h"

/* A whole list page as a Table. */
void lwcm_table_write_list(strbuf *sb, const resource_def *def, const list_page *page, const char *continue_token,
                      int with_remaining);
/* One object as a one-row Table, the object of a Table watch event; only the
 * first event of a stream carries the column definitions. */
void lwcm_table_write_single(strbuf *sb, const resource_def *def, const obj_version *v, int with_columns);

/* apimachinery's duration.HumanDuration, the AGE column. */
void lwcm_human_duration(long long seconds, char *out, size_t len);

#endif
