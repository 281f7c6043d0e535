/**
 * @file lmdb_store.hxx
 * @brief The embedded reputation store: one LMDB file (Debian's liblmdb)
 *        shared by every process on the machine, values in the msgpack
 *        record layout (msgpack_record.hxx).
 *
 * LMDB serialises writers across processes with a lock file next to the
 * data file (PATH-lock) and gives readers a consistent snapshot without
 * locking. Each update is one write transaction that reads the record,
 * decays and adds, and writes it back, so concurrent workers never lose an
 * update. Commits are synced (no MDB_NOSYNC): a process killed at any point
 * leaves the last committed state, which the copy-on-write B-tree keeps
 * consistent.
 *
 * The environment is opened lazily, on first use, and again when the
 * process id changed: rspamd forks its workers after loading the config,
 * and an LMDB handle must not be used across fork(). The inherited handle
 * is abandoned, not closed (closing it in the child would drop the locks
 * of the child's own handle on the same file, LMDB's "do not open twice"
 * caveat); MDB_NOTLS ties read transactions to the handle, not the thread.
 *
 * DIAGNOSTICS
 *   Every call returns a result: INTERNAL for an LMDB failure (unreadable
 *   or not an LMDB file, permission denied, with the path and mdb_strerror),
 *   LIMIT when the map is full ("raise reputation.lmdb_map_size"),
 *   NOT_FOUND from open checks when the file does not exist and creation
 *   was not asked for, BAD_INPUT for an identity that is not a domain.
 *   A stored value that is not a valid record is skipped by lookup(),
 *   replaced by learn() and reported by each_record(); it never stops the
 *   store.
 */
#pragma once

#include "reputation_store.hxx"

#include <cstddef>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

struct MDB_txn; // lmdb.h

namespace authweight::adapters {

struct lmdb_options {
    std::string path;                 ///< the data file (MDB_NOSUBDIR); PATH-lock beside it
    std::size_t map_size_mib{256};    ///< the most the file may grow to
    bool create{true};                ///< create the file if missing (false: NOT_FOUND)
    bool read_only{false};            ///< MDB_RDONLY: lookups and export only
};

class lmdb_store final : public reputation_store {
public:
    /** No file is touched until the first call that needs it. */
    explicit lmdb_store(lmdb_options opts);
    ~lmdb_store() override;
    lmdb_store(const lmdb_store &) = delete;
    lmdb_store &operator=(const lmdb_store &) = delete;

    [[nodiscard]] const std::string &path() const noexcept { return opts_.path; }
    [[nodiscard]] std::string describe() const override { return "lmdb " + opts_.path; }

    /** Open now (or check that the handle is usable in this process). */
    [[nodiscard]] core::result<void> open();

    /** learn() and put() each run in one write transaction. */
    [[nodiscard]] core::result<core::reputation_map> lookup(const std::vector<std::string> &identities,
                                                            std::int64_t now, double half_life) override;
    [[nodiscard]] core::result<void> learn(const std::vector<std::string> &identities,
                                           const core::reputation_lesson &lesson, std::int64_t now,
                                           const core::reputation_config &cfg) override;
    [[nodiscard]] core::result<void> put(const std::vector<std::pair<std::string, core::reputation_record>> &records) override;
    /** Visits in key order. */
    [[nodiscard]] core::result<void> each_record(const record_visitor &visit) override;

    /**
     * Queue a lesson instead of committing it now (group commit): flush()
     * applies everything queued in one write transaction, with one sync.
     * A busy host (rspamd) queues per message and flushes on a timer, so
     * a message costs a lookup and a queue insert while the store stays
     * synced and consistent; a crash loses at most what was queued.
     * Lessons for one identity add up; each is decayed from the time it
     * was queued at the latest one's time.
     */
    [[nodiscard]] core::result<void> queue(const std::vector<std::string> &identities,
                                           const core::reputation_lesson &lesson, std::int64_t now,
                                           const core::reputation_config &cfg);
    /** Commit what is queued. On failure the queue is dropped (it would
     *  only grow) and the error returned. */
    [[nodiscard]] core::result<void> flush();
    /** Identities waiting for flush(). */
    [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }

    /** Number of identities stored. */
    [[nodiscard]] core::result<std::size_t> size();

    /** Bytes the data file takes on disk (st_blocks), for the size figure. */
    [[nodiscard]] core::result<std::uint64_t> disk_bytes() const;

private:
    struct env;
    [[nodiscard]] core::result<env *> handle();
    struct queued {
        double spam{0.0};
        double ham{0.0};
        std::int64_t now{0};
    };
    using batch_map = std::map<std::string, queued, std::less<>>;
    [[nodiscard]] core::result<void> commit(const batch_map &batch, const core::reputation_config &cfg);
    /** Run body in one write transaction: committed when it succeeds,
     *  aborted when it fails (its error is returned). */
    using write_body = std::function<core::result<void>(MDB_txn *txn, unsigned dbi)>;
    [[nodiscard]] core::result<void> write(const write_body &body);
    [[nodiscard]] core::result<void> put_record(MDB_txn *txn, unsigned dbi, const std::string &id,
                                                const core::reputation_record &rec);
    lmdb_options opts_;
    std::unique_ptr<env> env_;
    batch_map pending_;
    core::reputation_config pending_cfg_;
    pid_t pending_pid_{0};
};

} // namespace authweight::adapters
