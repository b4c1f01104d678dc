#!/bin/bash
# SQLite on the file-system shield: Debian's sqlite3 shell (mk/sqlite.mk,
# built on demand) runs a write-heavy workload (20,000 inserts in
# transactions, two indexes, updates, deletes, VACUUM) on a database in an
# ENCRYPTED region; integrity_check must say ok and the dump must equal
# the same workload run natively.  Then a transaction loop is killed with
# SIGKILL at random moments; after every kill the database must pass
# integrity_check, be readable, hold only whole transactions, and have
# lost none that SQLite reported committed.  The volume must verify.
#
# The rollback journal (journal_mode=DELETE, SQLite's default) is used:
# WAL needs a shared writable mapping of the -shm file, which the shield
# refuses (EACCES), so a WAL database in a protected region fails with
# SQLITE_IOERR_SHMMAP ("disk I/O error") unless locking_mode=EXCLUSIVE
# (no -shm) is set; both are checked at the end.
#
# SCONCE_SQLITE_KILLS sets the number of kills (default 8).
set -u
. "$(dirname "$0")/lib/tap.sh"
. "$(dirname "$0")/lib/fspf.sh"
RUN_TIMEOUT=${SCONCE_TEST_TIMEOUT:-600}
kills=${SCONCE_SQLITE_KILLS:-8}

plan 14

# The main workload: deterministic SQL, the same for both runs.
gen_workload() {
	awk 'BEGIN {
		x = 12345
		base = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		q = sprintf("%c", 39)
		print "PRAGMA journal_mode=DELETE;"
		print "CREATE TABLE kv(id INTEGER PRIMARY KEY, k TEXT NOT NULL, v TEXT, n INTEGER);"
		print "CREATE TABLE meta(name TEXT PRIMARY KEY, val INTEGER);"
		for (i = 1; i <= 20000; i++) {
			if (i % 500 == 1) print "BEGIN;"
			x = (x * 1103515 + 12345) % 2147483648
			len = 20 + x % 300
			s = ""
			while (length(s) < len) s = s substr(base, 1 + (x + length(s)) % 62, 31)
			printf "INSERT INTO kv(k, v, n) VALUES(%skey-%08d%s, %s%s%s, %d);\n", q, x % 100000000, q, q, substr(s, 1, len), q, x % 1000
			if (i % 500 == 0) print "COMMIT;"
		}
		print "CREATE INDEX kv_k ON kv(k);"
		print "CREATE INDEX kv_n ON kv(n, id);"
		for (t = 0; t < 20; t++) {
			print "BEGIN;"
			printf "UPDATE kv SET n = n * 3 + %d, v = v || %s-u%d%s WHERE id %% 20 = %d;\n", t, q, t, q, t
			printf "DELETE FROM kv WHERE id %% 97 = %d;\n", t
			printf "INSERT INTO meta VALUES(%sround%02d%s, (SELECT count(*) FROM kv));\n", q, t, q
			print "COMMIT;"
		}
		print "DELETE FROM kv WHERE n % 13 = 0;"
		print "UPDATE kv SET v = substr(v, 1, 40) WHERE id % 3 = 0;"
		print "VACUUM;"
	}'
}

# The transaction loop for the kills: each transaction adds 50 rows
# tagged with its number, changes kv, drops old rows and counts itself;
# after COMMIT returns it reports the number on stderr (unbuffered).
gen_txn_loop() {
	echo "CREATE TABLE IF NOT EXISTS log(id INTEGER PRIMARY KEY, txn INTEGER NOT NULL, pad BLOB);"
	echo "CREATE INDEX IF NOT EXISTS log_txn ON log(txn);"
	echo "CREATE TABLE IF NOT EXISTS txns(one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL);"
	echo "INSERT OR IGNORE INTO txns VALUES(1, 0);"
	echo ".output stderr"
	local i
	for i in $(seq 1 2000); do
		cat <<-'EOF'
		BEGIN;
		INSERT INTO log(txn, pad) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 50)
		  SELECT (SELECT n FROM txns) + 1, randomblob(100 + abs(random()) % 400) FROM c;
		UPDATE kv SET n = n + 1, v = hex(randomblob(20))
		  WHERE id BETWEEN (SELECT n * 37 % 20000 FROM txns) AND (SELECT n * 37 % 20000 + 40 FROM txns);
		DELETE FROM log WHERE txn <= (SELECT n FROM txns) - 40;
		UPDATE txns SET n = n + 1;
		COMMIT;
		SELECT 'committed ' || n FROM txns;
		EOF
	done
}

CHECK_SQL="PRAGMA integrity_check;
SELECT 'txns ' || n FROM txns;
SELECT 'whole ' || (NOT EXISTS (SELECT 1 FROM log GROUP BY txn HAVING count(*) != 50)
	AND coalesce((SELECT max(txn) FROM log), 0) = n) FROM txns;
SELECT 'rows ' || count(*) FROM kv;"

# 1. build (once; relinked when the runtime changed)
log=$TAP_TMP/build.log
if env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$ROOT_DIR" B="$BUILD_DIR" -j2 apps/sqlite >"$log" 2>&1; then
	ok "build sqlite3 3.40.1 (Debian 3.40.1-2+deb12u2) with sconce-cc and natively"
else
	not_ok "build sqlite3 3.40.1 (Debian 3.40.1-2+deb12u2) with sconce-cc and natively"
	diag_file "$log" 40
fi
img=$BUILD_DIR/apps/sqlite/sqlite3
native=$BUILD_DIR/apps/sqlite/native/sqlite3

v=$TAP_TMP/vol
mkvol "$v" encrypted
db=$v/data/test.db
gen_workload >"$TAP_TMP/work.sql"

# 2-4. the workload, natively on a plain file and on the encrypted database
mkdir -p "$TAP_TMP/plain"
(cd "$TAP_TMP/plain" && timeout 300 "$native" plain.db ".read $TAP_TMP/work.sql") \
	>"$TAP_TMP/native.out" 2>&1
check "native: workload (20000 inserts, indexes, updates, deletes, VACUUM)" test $? = 0 ||
	diag_file "$TAP_TMP/native.out"
"$native" "$TAP_TMP/plain/plain.db" .dump >"$TAP_TMP/native.dump" 2>&1

start=$(date +%s)
run_img() { # run_img SQL...: the enclave shell on $db, sets RUN_STATUS RUN_OUT RUN_ERR
	_run_seq=$((_run_seq + 1))
	RUN_OUT=$TAP_TMP/run$_run_seq.out RUN_ERR=$TAP_TMP/run$_run_seq.err
	(timeout -k 5 "$RUN_TIMEOUT" "$SCONCE" run --config "$v/c.conf" "$img" "$db" "$@" \
		</dev/null >"$RUN_OUT" 2>"$RUN_ERR") 2>/dev/null
	RUN_STATUS=$?
}
run_img ".read $TAP_TMP/work.sql"
expect_status "sconce: workload on a database in an encrypted region ($(($(date +%s) - start)) s)" 0
run_img "PRAGMA integrity_check;"
if [ "$RUN_STATUS" = 0 ] && [ "$(cat "$RUN_OUT")" = ok ]; then
	ok "sconce: PRAGMA integrity_check says ok"
else
	not_ok "sconce: PRAGMA integrity_check says ok"
	diag "status $RUN_STATUS"
	diag_file "$RUN_OUT"
	diag_file "$RUN_ERR"
fi

# 5. same data
run_img .dump
cp "$RUN_OUT" "$TAP_TMP/sconce.dump"
if [ "$RUN_STATUS" = 0 ] && [ -s "$TAP_TMP/native.dump" ] && cmp -s "$TAP_TMP/native.dump" "$TAP_TMP/sconce.dump"; then
	ok "sconce: .dump equals the native run's ($(wc -l <"$TAP_TMP/native.dump") lines)"
else
	not_ok "sconce: .dump equals the native run's"
	diff "$TAP_TMP/native.dump" "$TAP_TMP/sconce.dump" | head -n 10 | cut -c1-200 | sed 's/^/#   /'
	diag_file "$RUN_ERR"
fi

# 6. the host sees ciphertext only
if ! grep -q "key-" "$db" && ! grep -q "SQLite format 3" "$db"; then
	ok "the database file on the host is ciphertext"
else
	not_ok "the database file on the host is ciphertext"
fi

# 7. the volume verifies
fspf verify --config "$v/c.conf" >"$TAP_TMP/verify1" 2>&1
check "sconce fspf verify after the workload" test $? = 0 || diag_file "$TAP_TMP/verify1"

# 8-10. kills
gen_txn_loop >"$TAP_TMP/loop.sql"
# The loop's tables exist before the first kill: on a busy machine a kill
# can come before the loop's own CREATE TABLE statements commit.
run_img "$(sed -n '/^CREATE/p; /^INSERT OR IGNORE/p' "$TAP_TMP/loop.sql")"
[ "$RUN_STATUS" = 0 ] || { diag "creating the loop's tables failed"; diag_file "$RUN_ERR"; }
bad=0 lost=0 committed=0 killed=0 journals=0 last=0
for i in $(seq 1 "$kills"); do
	err=$TAP_TMP/kill-$i.err
	"$SCONCE" run --config "$v/c.conf" "$img" "$db" ".read $TAP_TMP/loop.sql" >/dev/null 2>"$err" &
	pid=$!
	# 1 to 5 s: the first second is mostly start-up and hot-journal rollback
	sleep "$((1 + RANDOM % 4)).$((RANDOM % 10))$((RANDOM % 10))"
	kill -9 "$pid" 2>/dev/null && killed=$((killed + 1))
	wait "$pid" 2>/dev/null
	[ -e "$db-journal" ] && journals=$((journals + 1))
	n=$(grep -Eo '^committed [0-9]+$' "$err" | tail -n 1 | cut -d' ' -f2)
	[ -n "$n" ] && last=$n
	committed=$((committed + $(grep -Ec '^committed [0-9]+$' "$err")))
	run_img "$CHECK_SQL"
	got=$(sed -n 's/^txns //p' "$RUN_OUT")
	if [ "$RUN_STATUS" != 0 ] || [ "$(head -n 1 "$RUN_OUT")" != ok ] ||
		! grep -qx 'whole 1' "$RUN_OUT" || ! grep -q '^rows [1-9]' "$RUN_OUT"; then
		bad=$((bad + 1))
		diag "kill $i: check failed (status $RUN_STATUS)"
		diag_file "$RUN_OUT" 10
		diag_file "$RUN_ERR" 10
		diag_file "$err" 5
	elif [ -z "$got" ] || [ "$got" -lt "$last" ] || [ "$got" -gt $((last + 1)) ]; then
		lost=$((lost + 1))
		diag "kill $i: $got transactions in the database, the last one reported committed was $last"
	fi
	[ -n "$got" ] && last=$got
done
diag "$kills kills ($killed while running), $committed commits reported, $journals kills left a rollback journal"
check "the transaction loop committed transactions ($committed)" test "$committed" -gt 0
check "after every kill: integrity_check ok, readable, whole transactions ($kills kills)" test $bad = 0
check "after every kill: no transaction reported committed is lost" test $lost = 0

# 11. a write transaction after the last kill: whatever journal the kill
# left (hot, or not yet hot: its header is written last) is rolled back
# or replaced, and deleted at the commit.  The transaction must change a
# page: SQLite skips writing a row that is overwritten with identical
# bytes, and then never touches a journal that is not hot.
run_img "CREATE TABLE IF NOT EXISTS after_kill(x); INSERT INTO after_kill VALUES(randomblob(8)); $CHECK_SQL"
if [ "$RUN_STATUS" = 0 ] && [ "$(head -n 1 "$RUN_OUT")" = ok ] && grep -qx 'whole 1' "$RUN_OUT" &&
	[ ! -e "$db-journal" ]; then
	ok "a write transaction after the last kill commits and leaves no journal"
else
	not_ok "a write transaction after the last kill commits and leaves no journal"
	diag_file "$RUN_OUT"
	diag_file "$RUN_ERR"
	ls -l "$v/data" | sed 's/^/#   /'
fi

# 13-14. WAL: the -shm file needs a shared writable mapping, which the
# shield refuses (SQLite reports a disk I/O error); with
# locking_mode=EXCLUSIVE SQLite keeps the WAL index in memory and WAL works
w=$TAP_TMP/walvol
mkvol "$w" encrypted
(timeout 60 "$SCONCE" run --config "$w/c.conf" "$img" "$w/data/wal.db" \
	"PRAGMA journal_mode=WAL; CREATE TABLE t(a); INSERT INTO t VALUES(1);") \
	</dev/null >"$TAP_TMP/wal.out" 2>&1
st=$?
if [ $st != 0 ] && grep -q "shared writable mapping of the protected file $w/data/wal.db-shm is refused" "$TAP_TMP/wal.out"; then
	ok "WAL on an encrypted database fails: the shield refuses the shared mapping of the -shm file"
else
	not_ok "WAL on an encrypted database fails: the shield refuses the shared mapping of the -shm file"
	diag "status $st"
	diag_file "$TAP_TMP/wal.out"
fi
(timeout 60 "$SCONCE" run --config "$w/c.conf" "$img" "$w/data/walx.db" \
	"PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; CREATE TABLE t(a);
	INSERT INTO t VALUES(41); UPDATE t SET a = a + 1; SELECT a FROM t; PRAGMA integrity_check;") \
	</dev/null >"$TAP_TMP/walx.out" 2>&1
st=$?
if [ $st = 0 ] && [ "$(tr '\n' ' ' <"$TAP_TMP/walx.out")" = "exclusive wal 42 ok " ]; then
	ok "WAL with locking_mode=EXCLUSIVE (no -shm) works on an encrypted database"
else
	not_ok "WAL with locking_mode=EXCLUSIVE (no -shm) works on an encrypted database"
	diag "status $st"
	diag_file "$TAP_TMP/walx.out"
fi

# the volume verifies
fspf verify --config "$v/c.conf" >"$TAP_TMP/verify2" 2>&1
check "sconce fspf verify after the kills" test $? = 0 || diag_file "$TAP_TMP/verify2"
done_testing
