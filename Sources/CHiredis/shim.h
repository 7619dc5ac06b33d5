#ifndef TABLEORDER_CHIREDIS_SHIM_H
#define TABLEORDER_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
