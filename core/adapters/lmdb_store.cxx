#include "lmdb_store.hxx"

#include "msgpack_record.hxx"

#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace authweight::adapters {

using core::error_code;
using core::fail;

struct lmdb_store::env {
    MDB_env *e{nullptr};
    MDB_dbi dbi{0};
    pid_t pid{0};
    MDB_txn *reader{nullptr};         ///< reset between lookups, renewed (MDB_NOTLS)

    env() = default;
    env(const env &) = delete;
    env &operator=(const env &) = delete;
    ~env()
    {
        if (reader != nullptr)
            mdb_txn_abort(reader);
        if (e != nullptr)
            mdb_env_close(e);
    }
};

namespace {

std::unexpected<core::error> mdb_fail(const std::string &path, std::string_view what, int rc)
{
    if (rc == MDB_MAP_FULL)
        return fail(error_code::LIMIT, "reputation store " + path +
                                           " is full (raise reputation.lmdb_map_size)");
    return fail(error_code::INTERNAL,
                "reputation store " + path + ": " + std::string(what) + ": " + mdb_strerror(rc));
}

MDB_val as_val(std::string_view s)
{
    return MDB_val{s.size(), const_cast<char *>(s.data())};
}

std::string_view as_view(const MDB_val &v)
{
    return {static_cast<const char *>(v.mv_data), v.mv_size};
}

core::result<void> check_identities(const std::vector<std::string> &ids)
{
    for (const auto &id : ids)
        if (!core::valid_identity(id))
            return fail(error_code::BAD_INPUT, "not an identity: '" + id.substr(0, 100) + "'");
    return {};
}

/** Begin a transaction, following a map another process has grown. */
int begin(MDB_env *e, unsigned flags, MDB_txn **txn)
{
    int rc = mdb_txn_begin(e, nullptr, flags, txn);
    if (rc == MDB_MAP_RESIZED) {
        // LMDB: "call mdb_env_set_mapsize() with a size of zero to adopt the new size".
        if (mdb_env_set_mapsize(e, 0) == 0)
            rc = mdb_txn_begin(e, nullptr, flags, txn);
    }
    return rc;
}

} // namespace

lmdb_store::lmdb_store(lmdb_options opts) : opts_{std::move(opts)} {}

lmdb_store::~lmdb_store()
{
    // A handle inherited across fork() belongs to the parent: abandon it.
    if (env_ && env_->pid != ::getpid())
        static_cast<void>(env_.release());
    // Best effort: the host flushes on its own schedule; this saves what a
    // clean shutdown left queued.
    if (!pending_.empty() && pending_pid_ == ::getpid())
        static_cast<void>(flush());
}

core::result<void> lmdb_store::queue(const std::vector<std::string> &identities,
                                     const core::reputation_lesson &lesson, std::int64_t now,
                                     const core::reputation_config &cfg)
{
    if (auto ok = check_identities(identities); !ok)
        return std::unexpected(ok.error());
    if (opts_.read_only)
        return fail(error_code::INTERNAL, "reputation store " + opts_.path + " is open read-only");
    if (identities.empty() || lesson.empty())
        return {};
    // Lessons queued before fork() are the parent's to commit.
    if (pending_pid_ != ::getpid()) {
        pending_.clear();
        pending_pid_ = ::getpid();
    }
    pending_cfg_ = cfg;
    for (const auto &id : identities) {
        auto &q = pending_[id];
        q.spam += lesson.spam > 0.0 ? lesson.spam : 0.0;
        q.ham += lesson.ham > 0.0 ? lesson.ham : 0.0;
        q.now = std::max(q.now, now);
    }
    return {};
}

core::result<void> lmdb_store::flush()
{
    if (pending_pid_ != ::getpid())
        pending_.clear();
    if (pending_.empty())
        return {};
    const batch_map batch = std::move(pending_);
    pending_.clear();
    return commit(batch, pending_cfg_);
}

core::result<void> lmdb_store::open()
{
    auto h = handle();
    if (!h)
        return std::unexpected(h.error());
    return {};
}

core::result<lmdb_store::env *> lmdb_store::handle()
{
    const pid_t pid = ::getpid();
    if (env_ && env_->pid == pid)
        return env_.get();
    if (env_)
        static_cast<void>(env_.release()); // forked: see the header
    if (opts_.path.empty())
        return fail(error_code::BAD_CONFIG, "reputation store: no path");
    if (!opts_.create) {
        struct stat st{};
        if (::stat(opts_.path.c_str(), &st) != 0)
            return fail(errno == ENOENT ? error_code::NOT_FOUND : error_code::INTERNAL,
                        "reputation store " + opts_.path + ": " + std::strerror(errno));
    }
    auto h = std::make_unique<env>();
    h->pid = pid;
    if (int rc = mdb_env_create(&h->e); rc != 0) {
        h->e = nullptr;
        return mdb_fail(opts_.path, "cannot create the environment", rc);
    }
    const std::size_t mib = opts_.map_size_mib == 0 ? 1 : opts_.map_size_mib;
    if (int rc = mdb_env_set_mapsize(h->e, mib * 1024 * 1024); rc != 0)
        return mdb_fail(opts_.path, "cannot set the map size", rc);
    unsigned flags = MDB_NOSUBDIR | MDB_NOTLS;
    if (opts_.read_only)
        flags |= MDB_RDONLY;
    if (int rc = mdb_env_open(h->e, opts_.path.c_str(), flags, 0640); rc != 0)
        return mdb_fail(opts_.path, "cannot open", rc);
    // Reader slots of processes that died (kill -9) would otherwise stay
    // taken until the table fills.
    int dead = 0;
    static_cast<void>(mdb_reader_check(h->e, &dead));

    MDB_txn *txn = nullptr;
    if (int rc = begin(h->e, opts_.read_only ? MDB_RDONLY : 0, &txn); rc != 0)
        return mdb_fail(opts_.path, "cannot begin a transaction", rc);
    if (int rc = mdb_dbi_open(txn, nullptr, 0, &h->dbi); rc != 0) {
        mdb_txn_abort(txn);
        return mdb_fail(opts_.path, "cannot open the database", rc);
    }
    if (int rc = mdb_txn_commit(txn); rc != 0)
        return mdb_fail(opts_.path, "cannot commit", rc);
    env_ = std::move(h);
    return env_.get();
}

core::result<core::reputation_map> lmdb_store::lookup(const std::vector<std::string> &identities,
                                                      std::int64_t now, double half_life)
{
    if (auto ok = check_identities(identities); !ok)
        return std::unexpected(ok.error());
    auto h = handle();
    if (!h)
        return std::unexpected(h.error());
    env &en = **h;
    int rc = 0;
    if (en.reader != nullptr) {
        rc = mdb_txn_renew(en.reader);
        if (rc != 0) {
            mdb_txn_abort(en.reader);
            en.reader = nullptr;
        }
    }
    if (en.reader == nullptr)
        rc = begin(en.e, MDB_RDONLY, &en.reader);
    if (rc != 0) {
        en.reader = nullptr;
        return mdb_fail(opts_.path, "cannot begin a read transaction", rc);
    }
    core::reputation_map out;
    for (const auto &id : identities) {
        MDB_val key = as_val(id), val{};
        rc = mdb_get(en.reader, en.dbi, &key, &val);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc != 0) {
            mdb_txn_reset(en.reader);
            return mdb_fail(opts_.path, "cannot read", rc);
        }
        // A damaged record is no history: skipped here, replaced on update.
        if (auto rec = decode_record(as_view(val)))
            out.emplace(id, core::decayed(*rec, now, half_life));
    }
    mdb_txn_reset(en.reader);
    return out;
}

core::result<void> lmdb_store::learn(const std::vector<std::string> &identities,
                                     const core::reputation_lesson &lesson, std::int64_t now,
                                     const core::reputation_config &cfg)
{
    if (auto ok = check_identities(identities); !ok)
        return std::unexpected(ok.error());
    if (identities.empty() || lesson.empty())
        return {};
    batch_map batch;
    for (const auto &id : identities)
        batch[id] = queued{lesson.spam, lesson.ham, now};
    return commit(batch, cfg);
}

core::result<void> lmdb_store::write(const write_body &body)
{
    if (opts_.read_only)
        return fail(error_code::INTERNAL, "reputation store " + opts_.path + " is open read-only");
    auto h = handle();
    if (!h)
        return std::unexpected(h.error());
    env &en = **h;
    MDB_txn *txn = nullptr;
    // One write transaction: LMDB admits one writer at a time across all
    // processes, so a read-modify-write in it cannot interleave.
    if (int rc = begin(en.e, 0, &txn); rc != 0)
        return mdb_fail(opts_.path, "cannot begin a write transaction", rc);
    if (auto ok = body(txn, en.dbi); !ok) {
        mdb_txn_abort(txn);
        return ok;
    }
    if (int rc = mdb_txn_commit(txn); rc != 0)
        return mdb_fail(opts_.path, "cannot commit", rc);
    return {};
}

core::result<void> lmdb_store::commit(const batch_map &batch, const core::reputation_config &cfg)
{
    return write([&](MDB_txn *txn, unsigned dbi) -> core::result<void> {
        for (const auto &[id, q] : batch) {
            MDB_val key = as_val(id), val{};
            core::reputation_record rec;
            int rc = mdb_get(txn, dbi, &key, &val);
            if (rc == 0) {
                if (auto old = decode_record(as_view(val)))
                    rec = *old;
            } else if (rc != MDB_NOTFOUND) {
                return mdb_fail(opts_.path, "cannot read", rc);
            }
            if (auto ok = put_record(txn, dbi, id, core::observe(rec, q.now, q.spam, q.ham, cfg)); !ok)
                return ok;
        }
        return {};
    });
}

core::result<void> lmdb_store::put_record(MDB_txn *txn, unsigned dbi, const std::string &id,
                                          const core::reputation_record &rec)
{
    auto bytes = encode_record(rec);
    if (!bytes)
        return std::unexpected(bytes.error());
    MDB_val key = as_val(id), val = as_val(*bytes);
    if (int rc = mdb_put(txn, dbi, &key, &val, 0); rc != 0)
        return mdb_fail(opts_.path, "cannot write", rc);
    return {};
}

core::result<void> lmdb_store::put(const std::vector<std::pair<std::string, core::reputation_record>> &records)
{
    for (const auto &[id, rec] : records)
        if (!core::valid_identity(id))
            return fail(error_code::BAD_INPUT, "not an identity: '" + id.substr(0, 100) + "'");
    if (records.empty())
        return {};
    return write([&](MDB_txn *txn, unsigned dbi) -> core::result<void> {
        for (const auto &[id, rec] : records)
            if (auto ok = put_record(txn, dbi, id, rec); !ok)
                return ok;
        return {};
    });
}

core::result<void> lmdb_store::each_record(const record_visitor &visit)
{
    auto h = handle();
    if (!h)
        return std::unexpected(h.error());
    env &en = **h;
    MDB_txn *txn = nullptr;
    if (int rc = begin(en.e, MDB_RDONLY, &txn); rc != 0)
        return mdb_fail(opts_.path, "cannot begin a read transaction", rc);
    MDB_cursor *cur = nullptr;
    if (int rc = mdb_cursor_open(txn, en.dbi, &cur); rc != 0) {
        mdb_txn_abort(txn);
        return mdb_fail(opts_.path, "cannot open a cursor", rc);
    }
    MDB_val key{}, val{};
    int rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST);
    for (; rc == 0; rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        const auto id = as_view(key);
        if (!core::valid_identity(id)) {
            visit(id, fail(error_code::BAD_INPUT, "key is not an identity"));
            continue;
        }
        visit(id, decode_record(as_view(val)));
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (rc != MDB_NOTFOUND)
        return mdb_fail(opts_.path, "cannot iterate", rc);
    return {};
}

core::result<std::size_t> lmdb_store::size()
{
    auto h = handle();
    if (!h)
        return std::unexpected(h.error());
    env &en = **h;
    MDB_txn *txn = nullptr;
    if (int rc = begin(en.e, MDB_RDONLY, &txn); rc != 0)
        return mdb_fail(opts_.path, "cannot begin a read transaction", rc);
    MDB_stat st{};
    int rc = mdb_stat(txn, en.dbi, &st);
    mdb_txn_abort(txn);
    if (rc != 0)
        return mdb_fail(opts_.path, "cannot read statistics", rc);
    return static_cast<std::size_t>(st.ms_entries);
}

core::result<std::uint64_t> lmdb_store::disk_bytes() const
{
    struct stat st{};
    if (::stat(opts_.path.c_str(), &st) != 0)
        return fail(error_code::INTERNAL, "reputation store " + opts_.path + ": " + std::strerror(errno));
    return static_cast<std::uint64_t>(st.st_blocks) * 512U;
}

} // namespace authweight::adapters
