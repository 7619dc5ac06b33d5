// glibc's malloc tuning (mallopt), which the Glibc module does not export. Part of the C library: nothing to link.
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
