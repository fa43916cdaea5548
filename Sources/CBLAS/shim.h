// CBLAS from OpenBLAS. Debian ships `openblas.pc` but no `cblas.pc`; pkg-config supplies the
// distro-specific include path (e.g. /usr/include/x86_64-linux-gnu/openblas-pthread/).
#include <cblas.h>
