// checksum_policy.cpp — whether the reader verifies checksums. Always yes in the library; the fuzz target
// compiles this file again with MOEVK_STATE_NO_CHECKSUM and links it ahead of the library archive, so its
// definition wins and the fuzzer reaches the parser and decoder behind the checksums.
#include "state/snapshot.h"

namespace moevk::state {

#ifdef MOEVK_STATE_NO_CHECKSUM
bool checksums_verified() { return false; }
#else
bool checksums_verified() { return true; }
#endif

}  // namespace moevk::state
