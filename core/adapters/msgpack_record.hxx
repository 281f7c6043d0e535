/**
 * @file msgpack_record.hxx
 * @brief The stored reputation record (schemas/reputation-record.schema.json)
 *        in msgpack, through msgpack-c's C API. LMDB values and Redis
 *        values are these bytes; the Redis update script writes the same
 *        map with Redis's cmsgpack.
 *
 * A record is a msgpack map of exactly these keys, in any order:
 *   "v"    positive integer, the layout version (1)
 *   "spam" non-negative number (integer, float 32 or 64), decayed as of ts
 *   "ham"  non-negative number, likewise
 *   "ts"   non-negative integer, Unix seconds of the last update
 *
 * DIAGNOSTICS
 *   decode_record() never trusts its input: anything but the map above
 *   (trailing bytes, a container or binary value, a duplicate or unknown
 *   key, a missing key, a negative, non-finite or absurd count, another
 *   version, more than max_record_bytes) gives BAD_INPUT naming the
 *   fault. The bytes are checked by a bounded scan before msgpack-c
 *   allocates anything, so a hostile length field cannot make it reserve
 *   memory.
 */
#pragma once

#include "authweight/error.hxx"
#include "authweight/reputation.hxx"

#include <cstddef>
#include <string>
#include <string_view>

namespace authweight::adapters {

/** Larger stored values are rejected unread (an encoded record is ~30 bytes). */
inline constexpr std::size_t max_record_bytes = 256;

/** Counts above this are not a record this code wrote (max_count <= 1e9). */
inline constexpr double max_record_count = 1e12;

/**
 * Encode a record (version reputation_record_version).
 * @return the bytes; BAD_INPUT for a negative or non-finite count or a
 *         negative time
 */
[[nodiscard]] core::result<std::string> encode_record(const core::reputation_record &r);

/** Decode and validate stored bytes. @return BAD_INPUT naming the fault. */
[[nodiscard]] core::result<core::reputation_record> decode_record(std::string_view bytes);

} // namespace authweight::adapters
