// The embedded reputation store (LMDB) in a temporary directory: updates,
// lookups with decay, damaged records, a full map, and processes updating
// one identity at the same time.
#include "lmdb_store.hxx"
#include "msgpack_record.hxx"

#include <CppUTest/TestHarness.h>

#include <lmdb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace authweight;

namespace {

std::string temp_dir()
{
    char tmpl[] = "/tmp/authweight-lmdb-XXXXXX";
    const char *d = ::mkdtemp(tmpl);
    return d != nullptr ? d : "";
}

core::reputation_config slow_decay()
{
    core::reputation_config cfg;
    cfg.half_life = 1e9;
    cfg.max_count = 1e9;
    return cfg;
}

/** Write raw bytes under a key, bypassing the store (a damaged record). */
void raw_put(const std::string &path, const std::string &key, const std::string &value)
{
    MDB_env *env = nullptr;
    CHECK_EQUAL(0, mdb_env_create(&env));
    CHECK_EQUAL(0, mdb_env_open(env, path.c_str(), MDB_NOSUBDIR | MDB_NOTLS, 0640));
    MDB_txn *txn = nullptr;
    CHECK_EQUAL(0, mdb_txn_begin(env, nullptr, 0, &txn));
    MDB_dbi dbi = 0;
    CHECK_EQUAL(0, mdb_dbi_open(txn, nullptr, 0, &dbi));
    MDB_val k{key.size(), const_cast<char *>(key.data())};
    MDB_val v{value.size(), const_cast<char *>(value.data())};
    CHECK_EQUAL(0, mdb_put(txn, dbi, &k, &v, 0));
    CHECK_EQUAL(0, mdb_txn_commit(txn));
    mdb_env_close(env);
}

} // namespace

TEST_GROUP(lmdb_store)
{
    std::string dir;
    std::string path;
    void setup() override
    {
        dir = temp_dir();
        CHECK_FALSE(dir.empty());
        path = dir + "/rep.mdb";
    }
    void teardown() override
    {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

TEST(lmdb_store, learn_then_lookup)
{
    adapters::lmdb_store store{{path, 8, true, false}};
    const auto cfg = slow_decay();
    struct test_case {
        std::vector<std::string> ids;
        core::reputation_lesson lesson;
    };
    const test_case cases[] = {
        {{"bulk.example", "esp.example"}, {1.0, 0.0}},
        {{"bulk.example"}, {1.0, 0.0}},
        {{"esp.example"}, {0.0, 2.0}},
        {{"friend.example"}, {0.0, 0.0}}, // an empty lesson writes nothing
    };
    for (const auto &c : cases)
        CHECK_TRUE(store.learn(c.ids, c.lesson, 1000, cfg).has_value());
    auto got = store.lookup({"bulk.example", "esp.example", "friend.example", "never.example"}, 1000, cfg.half_life);
    CHECK_TRUE(got.has_value());
    CHECK_EQUAL(2U, got->size());
    DOUBLES_EQUAL(2.0, got->at("bulk.example").spam, 1e-12);
    DOUBLES_EQUAL(0.0, got->at("bulk.example").ham, 1e-12);
    DOUBLES_EQUAL(1.0, got->at("esp.example").spam, 1e-12);
    DOUBLES_EQUAL(2.0, got->at("esp.example").ham, 1e-12);
    CHECK_EQUAL(2U, *store.size());
    CHECK_TRUE(*store.disk_bytes() > 0);
}

TEST(lmdb_store, lookup_decays_to_now)
{
    adapters::lmdb_store store{{path, 8, true, false}};
    core::reputation_config cfg;
    cfg.half_life = 3600;
    CHECK_TRUE(store.learn({"a.example"}, {8.0, 0.0}, 10'000, cfg).has_value());
    auto got = store.lookup({"a.example"}, 10'000 + 7200, cfg.half_life);
    DOUBLES_EQUAL(2.0, got->at("a.example").spam, 1e-9);
    // The stored record is not rewritten by a lookup.
    got = store.lookup({"a.example"}, 10'000, cfg.half_life);
    DOUBLES_EQUAL(8.0, got->at("a.example").spam, 1e-9);
}

TEST(lmdb_store, identities_are_checked)
{
    adapters::lmdb_store store{{path, 8, true, false}};
    static const char *const bad[] = {"", "UPPER.example", "a b", "x..y"};
    for (const char *id : bad) {
        auto l = store.lookup({id}, 0, 3600);
        CHECK_FALSE_TEXT(l.has_value(), id);
        CHECK_TRUE(core::error_code::BAD_INPUT == l.error().code());
        CHECK_FALSE(store.learn({id}, {1.0, 0.0}, 0, core::reputation_config{}).has_value());
    }
}

TEST(lmdb_store, a_damaged_record_is_skipped_replaced_and_reported)
{
    {
        adapters::lmdb_store store{{path, 8, true, false}};
        CHECK_TRUE(store.open().has_value());
    }
    raw_put(path, "broken.example", "\x91\x01 not a record");
    raw_put(path, "Not An Identity", *adapters::encode_record({1, 1, 1}));
    adapters::lmdb_store store{{path, 8, true, false}};
    auto got = store.lookup({"broken.example"}, 0, 3600);
    CHECK_TRUE(got.has_value());
    CHECK_TRUE(got->empty());

    std::size_t errors = 0, records = 0;
    CHECK_TRUE(store.each_record([&](std::string_view, const core::result<core::reputation_record> &r) {
                   (r ? records : errors) += 1;
               }).has_value());
    CHECK_EQUAL(2U, errors);
    CHECK_EQUAL(0U, records);

    CHECK_TRUE(store.learn({"broken.example"}, {1.0, 0.0}, 50, slow_decay()).has_value());
    got = store.lookup({"broken.example"}, 50, 1e9);
    DOUBLES_EQUAL(1.0, got->at("broken.example").spam, 1e-12);
}

TEST(lmdb_store, a_full_map_is_a_clean_limit_error)
{
    adapters::lmdb_store store{{path, 1, true, false}};
    std::vector<std::pair<std::string, core::reputation_record>> batch;
    core::result<void> r;
    for (int round = 0; round < 100 && r; ++round) {
        batch.clear();
        for (int i = 0; i < 1000; ++i)
            batch.emplace_back("host" + std::to_string(round * 1000 + i) + ".example", core::reputation_record{1, 1, 1});
        r = store.put(batch);
    }
    CHECK_FALSE(r.has_value());
    CHECK_TRUE(core::error_code::LIMIT == r.error().code());
    CHECK_TRUE(r.error().message().find("lmdb_map_size") != std::string::npos);
    // The store still answers after the failed transaction.
    CHECK_TRUE(store.lookup({"host1.example"}, 1, 3600).has_value());
}

TEST(lmdb_store, missing_and_foreign_files)
{
    adapters::lmdb_store missing{{dir + "/none.mdb", 8, false, true}};
    auto r = missing.lookup({"a.example"}, 0, 3600);
    CHECK_FALSE(r.has_value());
    CHECK_TRUE(core::error_code::NOT_FOUND == r.error().code());
    CHECK_FALSE(std::filesystem::exists(dir + "/none.mdb"));

    {
        std::ofstream f(dir + "/foreign.mdb");
        f << std::string(16384, 'x');
    }
    adapters::lmdb_store foreign{{dir + "/foreign.mdb", 8, true, false}};
    r = foreign.lookup({"a.example"}, 0, 3600);
    CHECK_FALSE(r.has_value());
    CHECK_TRUE(core::error_code::INTERNAL == r.error().code());

    adapters::lmdb_store nodir{{dir + "/no/such/dir/rep.mdb", 8, true, false}};
    CHECK_FALSE(nodir.learn({"a.example"}, {1, 0}, 0, core::reputation_config{}).has_value());
}

TEST(lmdb_store, read_only_store_refuses_updates)
{
    {
        adapters::lmdb_store rw{{path, 8, true, false}};
        CHECK_TRUE(rw.learn({"a.example"}, {1, 0}, 0, slow_decay()).has_value());
    }
    adapters::lmdb_store ro{{path, 8, false, true}};
    CHECK_EQUAL(1U, ro.lookup({"a.example"}, 0, 1e9)->size());
    CHECK_FALSE(ro.learn({"a.example"}, {1, 0}, 0, slow_decay()).has_value());
}

TEST(lmdb_store, processes_updating_one_identity_lose_nothing)
{
    constexpr int children = 3;
    constexpr int updates = 150;
    const auto cfg = slow_decay();
    // Opened before fork(), as rspamd's main process might: each child must
    // notice the new pid and open its own environment.
    adapters::lmdb_store store{{path, 8, true, false}};
    CHECK_TRUE(store.learn({"warmup.example"}, {1, 0}, 0, cfg).has_value());
    std::vector<pid_t> pids;
    for (int c = 0; c < children; ++c) {
        pid_t pid = ::fork();
        CHECK_TRUE(pid >= 0);
        if (pid == 0) {
            int failures = 0;
            for (int i = 0; i < updates; ++i)
                failures += store.learn({"shared.example", "child" + std::to_string(c) + ".example"},
                                        {1.0, 0.5}, 1000, cfg)
                                ? 0
                                : 1;
            ::_exit(failures == 0 ? 0 : 1);
        }
        pids.push_back(pid);
    }
    for (int i = 0; i < updates; ++i)
        CHECK_TRUE(store.learn({"shared.example"}, {1.0, 0.5}, 1000, cfg).has_value());
    for (pid_t pid : pids) {
        int status = 0;
        CHECK_EQUAL(pid, ::waitpid(pid, &status, 0));
        CHECK_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    auto got = store.lookup({"shared.example", "child0.example", "child2.example"}, 1000, cfg.half_life);
    CHECK_TRUE(got.has_value());
    DOUBLES_EQUAL((children + 1) * updates * 1.0, got->at("shared.example").spam, 1e-9);
    DOUBLES_EQUAL((children + 1) * updates * 0.5, got->at("shared.example").ham, 1e-9);
    DOUBLES_EQUAL(updates * 1.0, got->at("child0.example").spam, 1e-9);
    DOUBLES_EQUAL(updates * 1.0, got->at("child2.example").spam, 1e-9);
}

TEST(lmdb_store, queued_lessons_reach_the_file_at_flush)
{
    adapters::lmdb_store store{{path, 8, true, false}};
    const auto cfg = slow_decay();
    struct test_case {
        std::vector<std::string> ids;
        core::reputation_lesson lesson;
        std::int64_t now;
    };
    const test_case cases[] = {
        {{"a.example", "b.example"}, {1.0, 0.0}, 100},
        {{"a.example"}, {0.0, 0.5}, 105},
        {{"a.example"}, {2.0, 0.0}, 103},
    };
    for (const auto &c : cases)
        CHECK_TRUE(store.queue(c.ids, c.lesson, c.now, cfg).has_value());
    CHECK_EQUAL(2U, store.pending());
    CHECK_TRUE(store.lookup({"a.example"}, 105, cfg.half_life)->empty());
    CHECK_TRUE(store.flush().has_value());
    CHECK_EQUAL(0U, store.pending());
    auto got = store.lookup({"a.example", "b.example"}, 105, cfg.half_life);
    DOUBLES_EQUAL(3.0, got->at("a.example").spam, 1e-6);
    DOUBLES_EQUAL(0.5, got->at("a.example").ham, 1e-6);
    DOUBLES_EQUAL(1.0, got->at("b.example").spam, 1e-6);

    // What the parent queued before fork() is not committed by the child.
    CHECK_TRUE(store.queue({"parent.example"}, {1.0, 0.0}, 200, cfg).has_value());
    pid_t pid = ::fork();
    CHECK_TRUE(pid >= 0);
    if (pid == 0) {
        bool ok = store.queue({"child.example"}, {1.0, 0.0}, 200, cfg).has_value() && store.flush().has_value();
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK_EQUAL(pid, ::waitpid(pid, &status, 0));
    CHECK_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_TRUE(store.flush().has_value());
    got = store.lookup({"parent.example", "child.example"}, 200, cfg.half_life);
    DOUBLES_EQUAL(1.0, got->at("parent.example").spam, 1e-9);
    DOUBLES_EQUAL(1.0, got->at("child.example").spam, 1e-9);
}
