/*
 * dlopen_test.c — loads libmoevk.so.0 at run time, as other languages' FFIs do, and resolves every public
 * symbol named in symbols.txt; then calls the context-free functions through the resolved pointers.
 *   dlopen_test LIBRARY_PATH SYMBOLS_TXT
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s LIBRARY SYMBOLS_TXT\n", argv[0]);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    char name[256];
    int n = 0, missing = 0;
    while (fgets(name, sizeof name, f)) {
        name[strcspn(name, "\r\n")] = '\0';
        if (name[0] == '\0' || name[0] == '#') continue;
        ++n;
        if (!dlsym(lib, name)) {
            fprintf(stderr, "missing symbol: %s\n", name);
            ++missing;
        }
    }
    fclose(f);
    uint32_t (*version_number)(void) = (uint32_t(*)(void))dlsym(lib, "moevk_version_number");
    const char *(*status_string)(int) = (const char *(*)(int))dlsym(lib, "moevk_status_string");
    if (!version_number || !status_string || version_number() == 0 || strcmp(status_string(13), "MOEVK_E_CORRUPT") != 0) {
        fprintf(stderr, "context-free calls through dlsym failed\n");
        return 1;
    }
    dlclose(lib);
    printf("dlopen_test: %d symbols resolved, %d missing\n", n, missing);
    return missing == 0 && n > 0 ? 0 : 1;
}
