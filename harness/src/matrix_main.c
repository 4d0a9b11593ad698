/* lwc-matrix: merges lwc-harness --json reports, one per client, into the
 * conformance matrix (clients x scenarios) and writes it as Markdown and HTML. */
#include "lwc_version.h"
#include "matrix.h"
#include "strbuf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lwc-matrix [--md OUT.md] [--html OUT.html] [--title TEXT] [--generated TEXT]\n"
            "                  [--manifest FILE] [LABEL=REPORT.json ...]\n"
            "\n"
            "Merges lwc-harness --json reports, one per client, into the conformance matrix:\n"
            "one row a client, one column a scenario, each cell the verdict and the time to\n"
            "converge. Writes it as Markdown (--md) and as one self-contained HTML page (--html)\n"
            "in which each failing cell opens its report.\n"
            "\n"
            "  --manifest FILE  one client a line, tab-separated:\n"
            "                   LABEL GROUP COMMAND EXPECT-FILE REPORT-JSON ERROR-FILE [NOTE]\n"
            "                   (empty fields allowed; a row with no report or a non-empty\n"
            "                   ERROR-FILE is shown as unavailable with that file's text)\n"
            "  LABEL=REPORT     a row from a report (after the manifest's rows)\n"
            "\n"
            "  --version        print the version and the git commit, and exit\n"
            "\n"
            "Exit status: 0 written, 2 bad arguments or a report that cannot be read (the\n"
            "message names the file).\n");
}

/* Writes a rendered document (NULL: rendering ran out of memory) and frees it. */
static int write_doc(const char *path, char *text)
{
    char err[1024];
    int rc = -1;
    if (!text)
        snprintf(err, sizeof(err), "%s: out of memory", path);
    else
        rc = lwc_write_file(path, text, strlen(text), err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "lwc-matrix: %s\n", err);
    free(text);
    return rc;
}

int main(int argc, char **argv)
{
    const char *md = NULL, *html = NULL, *manifest = NULL, *title = "lwc conformance matrix", *generated = NULL;
    enum { OPT_MD = 256, OPT_HTML, OPT_TITLE, OPT_GENERATED, OPT_MANIFEST, OPT_VERSION };
    static const struct option opts[] = {
        {"md", required_argument, NULL, OPT_MD},
        {"html", required_argument, NULL, OPT_HTML},
        {"title", required_argument, NULL, OPT_TITLE},
        {"generated", required_argument, NULL, OPT_GENERATED},
        {"manifest", required_argument, NULL, OPT_MANIFEST},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    int o;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (o) {
        case OPT_MD: md = optarg; break;
        case OPT_HTML: html = optarg; break;
        case OPT_TITLE: title = optarg; break;
        case OPT_GENERATED: generated = optarg; break;
        case OPT_MANIFEST: manifest = optarg; break;
        case 'h': usage(stdout); return 0;
        case OPT_VERSION: printf("lwc-matrix %s\n", LWC_VERSION_STRING); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!md && !html) {
        fprintf(stderr, "lwc-matrix: nothing to write: give --md and/or --html\n");
        usage(stderr);
        return 2;
    }
    if (!manifest && optind >= argc) {
        fprintf(stderr, "lwc-matrix: no reports: give --manifest FILE or LABEL=REPORT.json\n");
        return 2;
    }
    mx_matrix m;
    lwch_mx_init(&m);
    char err[2048];
    int rc = 0;
    if (manifest && lwch_mx_load_manifest(&m, manifest, err, sizeof(err)) != 0) {
        fprintf(stderr, "lwc-matrix: %s\n", err);
        rc = 2;
    }
    for (int i = optind; rc == 0 && i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        if (!eq || eq == argv[i] || !eq[1]) {
            fprintf(stderr, "lwc-matrix: \"%s\": expected LABEL=REPORT.json\n", argv[i]);
            rc = 2;
            break;
        }
        char label[512];
        snprintf(label, sizeof(label), "%.*s", (int)(eq - argv[i]), argv[i]);
        if (lwch_mx_add_report(&m, label, NULL, NULL, NULL, NULL, eq + 1, err, sizeof(err)) != 0) {
            fprintf(stderr, "lwc-matrix: %s\n", err);
            rc = 2;
        }
    }
    if (rc == 0 && md && write_doc(md, lwch_mx_render_markdown(&m, title, generated)) != 0)
        rc = 2;
    if (rc == 0 && html && write_doc(html, lwch_mx_render_html(&m, title, generated)) != 0)
        rc = 2;
    if (rc == 0) {
        size_t unavailable = 0, differ = 0;
        for (size_t i = 0; i < m.nclients; i++) {
            unavailable += m.clients[i].unavailable != NULL;
            differ += lwch_mx_expect_state(&m.clients[i]) == MX_EXP_DIFFERS;
        }
        printf("lwc-matrix: %zu clients (%zu unavailable) x %zu scenarios; %zu differ from their expected verdicts\n",
               m.nclients, unavailable, m.nscenarios, differ);
    }
    lwch_mx_free(&m);
    return rc;
}
