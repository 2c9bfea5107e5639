#include "err.h"

const char *sp_strerror(int err)
{
    switch (err) {
#define SP_ERR_MSG(name, value, msg)                                                               \
    case (value):                                                                                  \
        return (msg);
        SP_ERR_TABLE(SP_ERR_MSG)
#undef SP_ERR_MSG
    default:
        return "unknown error";
    }
}

const char *sp_errname(int err)
{
    switch (err) {
#define SP_ERR_NAME(name, value, msg)                                                              \
    case (value):                                                                                  \
        return #name;
        SP_ERR_TABLE(SP_ERR_NAME)
#undef SP_ERR_NAME
    default:
        return "SP_ERR_UNKNOWN";
    }
}
