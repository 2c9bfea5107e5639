/*
 * Constant-time checking (internal to crypto/). Built with SP_CT_CHECK (only
 * tests/crypto/ct_check.c does), SP_CT_PUBLIC tells valgrind's memcheck that
 * bytes derived from secrets may now be branched on: the results the
 * protocol makes public anyway (an element sent to a peer, whether an
 * element was refused). The test marks keys and match-key values as
 * undefined; memcheck then reports every branch or memory index that
 * depends on them (the ctgrind approach). Otherwise it compiles to nothing.
 */
#ifndef SP_CRYPTO_CT_H
#define SP_CRYPTO_CT_H

#ifdef SP_CT_CHECK
#include <valgrind/memcheck.h>
#define SP_CT_PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define SP_CT_PUBLIC(p, n) ((void)0)
#endif

#endif
