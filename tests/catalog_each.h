/* Every scenario of the catalog, loaded, for the tests that check each one
 * (the parser's, the server's): one walk, so that both see the same files. */
#ifndef LWC_TEST_CATALOG_EACH_H
#define LWC_TEST_CATALOG_EACH_H

#include "lwc_scenario.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

/* Calls fn with each dir/NAME.json loaded (a file that does not load fails
 * the test, naming it); returns how many there were. */
static inline int catalog_each(const char *dir, void (*fn)(const lwc_scenario *sc, const char *file_name))
{
    DIR *d = opendir(dir);
    ck_assert_msg(d != NULL, "cannot open %s", dir);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[1024], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        lwc_scenario *sc = lwc_scenario_load(path, err, sizeof err);
        ck_assert_msg(sc != NULL, "%s", err);
        fn(sc, e->d_name);
        lwc_scenario_free(sc);
        count++;
    }
    closedir(d);
    return count;
}

#endif
